"""The agencies that rule on who the parties are (DESIGN.md §9): the court (a judicial
confirmation, a court referral, a suit), the arbitration commission and the legal-aid
centre see the parties' identities in full while their handoff is open or decided — not
once it was cancelled (the case moved on without them) — and each such view is audited.

`mediation.policies.handles` asks here; the API, the pages and the documents follow it.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import TYPE_CHECKING

from django.utils import timezone

from mediation.law.choices import HandoffKind, HandoffStatus
from mediation.models import AuditEvent, Case, Handoff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

FULL_VIEW = "personal_data.full_view"  # the AuditEvent's type

# The handoffs whose receiving organisation decides on the parties themselves.
RULING_HANDOFFS = frozenset(
    {
        HandoffKind.CONFIRMATION,
        HandoffKind.COURT_REFERRAL,
        HandoffKind.LITIGATION,
        HandoffKind.ARBITRATION,
        HandoffKind.LEGAL_AID,
    }
)

_AUDITED_ATTR = "_dtj_full_views"  # per user object (one request): one row per case and way


def ruling_handoff(handoffs: Iterable[Handoff], orgs: Container[int]) -> Handoff | None:
    """The open or decided handoff of these organisations that lets them see in full.
    `handoffs` is the case's `.handoffs.all()` (a prefetched list or one query)."""
    for h in handoffs:
        if h.kind in RULING_HANDOFFS and h.org_id in orgs and h.status != HandoffStatus.CANCELLED:
            return h
    return None


def audit_full_view(user: User | AnonymousUser, case: Case, handoff: Handoff, via: str) -> bool:
    """One AuditEvent for each full view by a partner (§9: full data to them is audited);
    repeated asks of one request (the serializer, the rows, the page) write one row."""
    seen: set[tuple[int, str]] = getattr(user, _AUDITED_ATTR, set())
    if (case.pk, via) in seen:
        return True
    AuditEvent.objects.create(
        type=FULL_VIEW,
        at=timezone.now(),
        actor=user if user.is_authenticated else None,
        payload={
            "case": case.pk,
            "number": case.number,
            "org": handoff.org_id,
            "handoff": handoff.pk,
            "handoff_kind": handoff.kind,
            "handoff_status": handoff.status,
            "via": via,
        },
    )
    setattr(user, _AUDITED_ATTR, seen | {(case.pk, via)})
    return True  # the view it recorded is allowed

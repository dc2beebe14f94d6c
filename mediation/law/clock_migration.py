"""Moving open cases onto the legal clocks (migration 0005, and its tests).

Each open case gets the due date its rule gives today, counted from the event the rule
names; every change is a `case.updated` event, so nothing moves silently. A due date the
parties agreed to extend, or one a court's letter fixed, is kept and given its basis."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from . import clocks
from .limits import Stage

# The migration's historical models (apps.get_model) are not the app's classes: their rows
# and classes are typed Any here.
Row = Any

MEDIATING = ("accepted", "mediating")
RESTARTS = ("resume", "reopen")


def _last_transition(events: Sequence[Row], names: Sequence[str]) -> Row | None:
    for event in reversed(events):
        if (
            event.type == "case.transitioned"
            and event.payload.get("data", {}).get("transition") in names
        ):
            return event
    return None


def _new_clock(case: Row, events: Sequence[Row], handoffs: Sequence[Row]) -> clocks.Clock | None:
    if case.state == "registered":
        transfer = _last_transition(events, ("transfer",))
        return clocks.acceptance_clock(case.priority, transfer.at if transfer else case.created_at)
    if case.state == "confirming":
        return clocks.confirmation_clock(case.confirmation_requested_at or case.updated_at)
    extension = _last_transition(events, ("extend",))
    if extension is not None:
        basis = "经当事人同意延长调解期限（法定期限表启用前）"
        return clocks.fixed_clock(Stage.MEDIATION, case.accepted_at, case.due_at, basis)
    restart = _last_transition(events, RESTARTS)
    accepted = case.accepted_at or case.created_at
    if restart is not None:
        return clocks.clock(Stage.MEDIATION, restart.at, case.network, case.category)
    referral = next((h for h in handoffs if h.kind == "court_referral"), None)
    if case.channel == "court_referral" and referral is not None:
        if referral.data.get("due_set_by_court") and referral.due_at:
            return None
        case.materials_received_at = case.materials_received_at or accepted
        return clocks.mediation_clock(case, accepted, referral=referral.data)
    return clocks.mediation_clock(case, accepted)


def recompute_open_cases(
    Case: Any,
    CaseEvent: Any,
    CaseAccess: Any,
    Handoff: Any,
    now: dt.datetime | None = None,
    reason: str = "legal_clocks",
) -> int:
    """Recompute due_at of every open case; returns how many changed."""
    now = now or timezone.now()
    clocks.reset_cache()
    keeps_clock = any(f.name == "due_clock" for f in Case._meta.get_fields())
    changed = 0
    for case in Case.objects.filter(state__in=[*MEDIATING, "registered", "confirming"]):
        events = list(CaseEvent.objects.filter(case_id=case.pk).order_by("id"))
        handoffs = list(Handoff.objects.filter(case_id=case.pk, status="open").order_by("-id"))
        clock = _new_clock(case, events, handoffs)
        if clock is None:
            continue
        previous = case.due_at
        case.due_at, case.due_from = clock.due, clock.start
        case.due_unit, case.due_basis = clock.unit, clock.basis[:400]
        fields = ["due_at", "due_from", "due_unit", "due_basis", "materials_received_at"]
        if keeps_clock:  # from migration 0016 on: the clock itself, to count it again later
            case.due_clock = clock.as_json()
            fields.append("due_clock")
        case.save(update_fields=fields)
        referral = next((h for h in handoffs if h.kind == "court_referral"), None)
        if referral is not None and case.state in MEDIATING and referral.due_at != clock.due:
            referral.due_at = clock.due
            referral.save(update_fields=["due_at"])
        if previous == clock.due:
            continue
        changed += 1
        orgs = sorted(
            set(CaseAccess.objects.filter(case_id=case.pk).values_list("org_id", flat=True))
            | {case.org_id}
        )
        CaseEvent.objects.create(
            case_id=case.pk,
            type="case.updated",
            at=now,
            actor=None,
            payload={
                "case": {
                    "id": case.pk,
                    "number": case.number,
                    "network": case.network,
                    "state": case.state,
                    "org": case.org_id,
                },
                "actor": None,
                "data": {
                    "fields": ["due_at"],
                    "reason": reason,
                    "previous_due_at": timezone.localtime(previous).isoformat()
                    if previous
                    else None,
                    "due_at": timezone.localtime(clock.due).isoformat(),
                    "due_basis": clock.basis,
                },
                "orgs": orgs,
            },
        )
    return changed

"""Alerts: deadline and risk events that stay in a user's banner and nav counter until
they read them (DESIGN.md §3 risk, §4 deadlines). An alert is a visible CaseEvent of an
alert type without an AlertRead row of the user; nothing is copied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.law.choices import EventType, RiskLevel
from mediation.models import AlertRead, CaseEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediation.policies import Actor

ALERT_TYPES = (
    EventType.DEADLINE_APPROACHING,
    EventType.DEADLINE_OVERDUE,
    EventType.CASE_RISK_FLAGGED,
    EventType.SESSION_WAITING,
)
# Older alerts are history, not news: the banner looks back this far.
WINDOW = dt.timedelta(days=30)
SHOWN = 5


def unread(user: Actor | None, now: dt.datetime | None = None) -> QuerySet[CaseEvent]:
    if user is None or not user.is_authenticated:
        return CaseEvent.objects.none()
    now = now or timezone.now()
    read = AlertRead.objects.filter(user=user, event_id=OuterRef("pk"))
    qs = CaseEvent.objects.filter(type__in=ALERT_TYPES, at__gte=now - WINDOW)
    # a party waiting in an online session's room is news to the case's mediator only
    qs = qs.exclude(Q(type=EventType.SESSION_WAITING) & ~Q(case__mediator_id=user.pk))
    return policies.visible_events(user, qs).exclude(Exists(read)).order_by("-id")


def text(event: CaseEvent) -> str:
    """One line that says what needs attention (same words as live.js builds)."""
    data = event.payload.get("data", {})
    number = event.payload.get("case", {}).get("number", "")
    if event.type == EventType.CASE_RISK_FLAGGED:
        try:
            level = RiskLevel(data.get("level")).label
        except ValueError:
            level = data.get("level", "")
        return _("%(n)s 矛盾激化风险（%(level)s）：%(note)s") % {
            "n": number,
            "level": level,
            "note": data.get("note", ""),
        }
    if event.type == EventType.SESSION_WAITING:
        return _("%(n)s 当事人%(name)s在视频调解室等候") % {
            "n": number,
            "name": data.get("name", ""),
        }
    due = (data.get("due_at") or "")[:10]
    if event.type == EventType.DEADLINE_OVERDUE:
        return _("%(n)s 已超期（期限 %(due)s）") % {"n": number, "due": due}
    return _("%(n)s 期限将至（%(due)s）") % {"n": number, "due": due}


def summary(user: Actor | None, now: dt.datetime | None = None) -> dict[str, Any]:
    qs = unread(user, now)
    shown = list(qs.only("id", "type", "payload", "at", "case_id")[:SHOWN])
    return {
        "count": qs.count() if len(shown) == SHOWN else len(shown),
        "items": [
            {"id": e.id, "case": e.case_id, "type": e.type, "text": text(e), "at": e.at}
            for e in shown
        ],
    }


def mark_read(
    user: User, event_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Acknowledge the given alerts (or every unread one) for this user; idempotent."""
    now = now or timezone.now()
    qs = unread(user, now)
    if event_ids is not None:
        qs = qs.filter(id__in=list(event_ids))
    ids = list(qs.values_list("id", flat=True)[:1000])
    rows = [AlertRead(user=user, event_id=i, read_at=now) for i in ids]
    try:
        with transaction.atomic():
            AlertRead.objects.bulk_create(rows, ignore_conflicts=True)
    except IntegrityError:  # pragma: no cover - ignore_conflicts covers the race
        pass
    return len(ids)

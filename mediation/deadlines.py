"""The deadline sweep (DESIGN.md §4 "Deadlines"): `deadline.approaching` at a fraction of
the span (settings.DEADLINE_APPROACHING_FRACTION, 80%) and `deadline.overdue` once the
due time has passed, each emitted once per deadline.

Three kinds of deadline are swept:
- a case in an open state with a due date (acceptance decision, mediation time limit),
  except `confirming`, whose legal limits are the court's tasks below;
- an open workflow task with a due date (court registration 3 days, judicial decision 15
  (+10) days, arbitration acceptance 5 days, petition feedback);
- an open handoff with a due date (the court referral's 30/15/7 days, the petition
  feedback date).

Idempotent by construction: every announcement first inserts a `Deadline` row whose
(key, kind) is unique, in the same transaction as its event; only the insert that wins
emits. Two sweeps running at once, or the same sweep run twice, announce each deadline
once. A changed due date (an extension) is a new key, so it is announced afresh.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .choices import OPEN_STATES, EventType, State
from .events import record_event
from .models import Case, Deadline, Handoff

APPROACHING, OVERDUE = "approaching", "overdue"
SWEPT_HANDOFFS = ("court_referral", "petition")


@dataclass
class Item:
    key: str
    case_id: int
    start: dt.datetime
    due: dt.datetime
    data: dict


def _stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")


def _case_items():
    states = OPEN_STATES - {State.CONFIRMING}
    rows = Case.objects.filter(state__in=states, due_at__isnull=False).values_list(
        "pk", "state", "due_at", "created_at", "accepted_at", "priority"
    )
    for pk, state, due, created, accepted, priority in rows:
        if state == State.REGISTERED:
            days = (
                settings.ACCEPT_DECISION_DAYS_PRIORITY
                if priority
                else settings.ACCEPT_DECISION_DAYS
            )
            start = due - dt.timedelta(days=days)
        else:
            start = accepted or created
        yield Item(
            f"case:{pk}:{state}:{_stamp(due)}",
            pk,
            min(start, due),
            due,
            {"subject": "case", "state": state},
        )


def _task_items():
    try:
        from workflows.models import CaseTask
    except ImportError:  # the workflows app is optional for the domain
        return
    rows = (
        CaseTask.objects.filter(status__in=["NEW", "ASSIGNED", "STARTED"], due_at__isnull=False)
        .exclude(kind="")
        .values_list(
            "pk",
            "case_id",
            "kind",
            "org_id",
            "created",
            "due_at",
            "process__caseprocess__handoff__kind",
            "process__caseprocess__handoff__due_at",
        )
    )
    for pk, case_id, kind, org_id, created, due, handoff_kind, handoff_due in rows:
        if handoff_kind in SWEPT_HANDOFFS and handoff_due == due:
            continue  # the same date as its handoff (petition feedback): announced once, there
        yield Item(
            f"task:{pk}:{_stamp(due)}",
            case_id,
            min(created, due),
            due,
            {"subject": "task", "task": pk, "task_type": kind, "org": org_id},
        )


def _handoff_items():
    rows = Handoff.objects.filter(
        status="open", due_at__isnull=False, kind__in=SWEPT_HANDOFFS
    ).values_list("pk", "case_id", "kind", "org_id", "opened_at", "due_at")
    for pk, case_id, kind, org_id, opened, due in rows:
        yield Item(
            f"handoff:{pk}:{_stamp(due)}",
            case_id,
            min(opened, due),
            due,
            {"subject": "handoff", "handoff": pk, "kind": kind, "org": org_id},
        )


def _kind_due(item: Item, now, fraction: float) -> str | None:
    if now >= item.due:
        return OVERDUE
    if now >= item.start + (item.due - item.start) * fraction:
        return APPROACHING
    return None


def sweep(now=None) -> dict[str, int]:
    """Announce what has come due by `now`. Returns counts of events emitted."""
    from . import metrics

    counts = _sweep(now or timezone.now())
    metrics.sweep_ran(counts)
    return counts


def _sweep(now) -> dict[str, int]:
    fraction = settings.DEADLINE_APPROACHING_FRACTION
    counts = {APPROACHING: 0, OVERDUE: 0, "checked": 0}
    items = [*_case_items(), *_task_items(), *_handoff_items()]
    counts["checked"] = len(items)
    due_now = [(item, kind) for item in items if (kind := _kind_due(item, now, fraction))]
    if not due_now:
        return counts
    announced = set(
        Deadline.objects.filter(key__in=[i.key for i, _k in due_now]).values_list("key", "kind")
    )
    for item, kind in due_now:
        if (item.key, kind) in announced:
            continue
        if _announce(item, kind, now):
            counts[kind] += 1
    return counts


def _announce(item: Item, kind: str, now) -> bool:
    try:
        with transaction.atomic():
            Deadline.objects.create(
                key=item.key, kind=kind, case_id=item.case_id, due_at=item.due, emitted_at=now
            )
            case = Case.objects.get(pk=item.case_id)
            record_event(
                case,
                EventType.DEADLINE_OVERDUE if kind == OVERDUE else EventType.DEADLINE_APPROACHING,
                None,
                {**item.data, "due_at": timezone.localtime(item.due).isoformat()},
                at=now,
            )
    except IntegrityError:  # another sweep announced it first
        return False
    return True

"""The deadline sweep (DESIGN.md §4 "Deadlines"): `deadline.approaching` at a fraction of
the span (settings.DEADLINE_APPROACHING_FRACTION, 80%) and `deadline.overdue` once the
due time has passed, each emitted once per deadline.

Three kinds of deadline are swept:
- a case in an open state with a due date (acceptance decision, mediation time limit),
  except `confirming`, whose legal limits are the court's tasks below;
- an open workflow task with a due date (court registration 3 days, judicial decision 15
  (+10) days, arbitration acceptance 5 days, petition feedback);
- an open handoff with a due date (the court referral's 30/15/7 days, the petition
  feedback date), and the petition's own clocks on its handoff (the 15-day notice to
  the petitioner until it is recorded, the 60(+30)-day handling).

The approaching point counts in the clock's own unit (mediation.law.clocks.approaching_at):
a working-day clock does not advance over rest days. A date somebody chose (a petition
feedback date) runs on plain time.

Idempotent by construction: every announcement first inserts a `Deadline` row whose
(key, kind) is unique, in the same transaction as its event; only the insert that wins
emits. Two sweeps running at once, or the same sweep run twice, announce each deadline
once. A changed due date (an extension) is a new key, so it is announced afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mediation.events import record_event
from mediation.models import Case, Deadline, Handoff
from mediation.ops import metrics

from . import clocks
from .choices import OPEN_STATES, EventType, HandoffKind, HandoffStatus, State

APPROACHING, OVERDUE = "approaching", "overdue"
SWEPT_HANDOFFS = ("court_referral", "petition")


@dataclass
class Item:
    key: str
    case_id: int
    start: dt.datetime
    due: dt.datetime
    data: dict[str, Any]
    unit: str = ""


def stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")


def _case_items() -> Iterator[Item]:
    states = OPEN_STATES - {State.CONFIRMING}
    rows = Case.objects.filter(state__in=states, due_at__isnull=False).values_list(
        "pk", "state", "due_at", "due_from", "due_unit", "created_at", "accepted_at"
    )
    for pk, state, due, start, unit, created, accepted in rows:
        assert due is not None  # filtered above
        start = start or (created if state == State.REGISTERED else accepted or created)
        assert start is not None  # created_at is set on registration
        yield Item(
            f"case:{pk}:{state}:{stamp(due)}",
            pk,
            min(start, due),
            due,
            {"subject": "case", "state": state},
            unit,
        )


# Deadlines kept by other apps (the workflows' task due dates): each registers a function
# that yields Items, so the domain sweeps them without importing their models.
ItemSource = Callable[[], Iterable[Item]]
_sources: list[ItemSource] = []


def deadline_source(fn: ItemSource) -> ItemSource:
    """Register `fn()` yielding `Item`s to be swept with the domain's own deadlines."""
    if fn not in _sources:
        _sources.append(fn)
    return fn


def _handoff_items() -> Iterator[Item]:
    rows = Handoff.objects.filter(
        status=HandoffStatus.OPEN, due_at__isnull=False, kind__in=SWEPT_HANDOFFS
    ).values_list("pk", "case_id", "kind", "org_id", "opened_at", "due_at", "data")
    for pk, case_id, kind, org_id, opened, due, data in rows:
        assert due is not None  # filtered above
        clock = (data or {}).get("clock") or {}
        start = dt.datetime.fromisoformat(clock["start"]) if clock.get("start") else opened
        if kind == "court_referral" and (data or {}).get("materials_received_at"):
            start = dt.datetime.fromisoformat(data["materials_received_at"])
            clock = {"unit": "calendar"}
        yield Item(
            f"handoff:{pk}:{stamp(due)}",
            case_id,
            min(start, due),
            due,
            {"subject": "handoff", "handoff": pk, "kind": kind, "org": org_id},
            clock.get("unit", ""),
        )


def _petition_items() -> Iterator[Item]:
    """The petition's own clocks (workflows.petition_clock) on its open handoff."""
    rows = Handoff.objects.filter(status=HandoffStatus.OPEN, kind=HandoffKind.PETITION).values_list(
        "pk", "case_id", "org_id", "data"
    )
    for pk, case_id, org_id, data in rows:
        for name, clock in ((data or {}).get("clocks") or {}).items():
            if clock.get("done_on"):
                continue
            due = dt.datetime.fromisoformat(clock["due"])
            yield Item(
                f"petition:{pk}:{name}:{stamp(due)}",
                case_id,
                min(dt.datetime.fromisoformat(clock["start"]), due),
                due,
                {"subject": "petition", "handoff": pk, "clock": name, "org": org_id},
                clock.get("unit", ""),
            )


def approaching_point(item: Item, fraction: float) -> dt.datetime:
    return clocks.approaching_at(item.start, item.due, item.unit, fraction)


def _kind_due(item: Item, now: dt.datetime, fraction: float) -> str | None:
    if now >= item.due:
        return OVERDUE
    if now >= approaching_point(item, fraction):
        return APPROACHING
    return None


def sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Announce what has come due by `now`. Returns counts of events emitted."""
    counts = _sweep(now or timezone.now())
    metrics.sweep_ran(counts)
    return counts


def _sweep(now: dt.datetime) -> dict[str, int]:
    fraction = settings.DEADLINE_APPROACHING_FRACTION
    counts = {APPROACHING: 0, OVERDUE: 0, "checked": 0}
    items = [*_case_items(), *_handoff_items(), *_petition_items()]
    for source in _sources:
        items.extend(source())
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


def _announce(item: Item, kind: str, now: dt.datetime) -> bool:
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

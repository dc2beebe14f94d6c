"""The one door for changes of the calendar and of the legal time limits (DESIGN §12.1).

A `Holiday` or `TimeLimit` row changed here (the calendar page, `/api/calendar/`, the
admin) and every open clock counted again on the new tables, in the same transaction:
the case's own clock, its open handoffs' clocks and the open flow tasks' clocks (the
workflows app registers those with `clock_holder`). Each case whose due dates moved gets
one `case.updated` event with the old and new dates; nothing moves silently, and a clock
somebody fixed (a court's date, an agreed extension) never moves.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted
from mediation.events import record_events_for_cases
from mediation.law import clocks
from mediation.law.choices import OPEN_STATES, EventType, HandoffStatus
from mediation.models import Case, Handoff
from mediation.models.clocks import Holiday, TimeLimit

if TYPE_CHECKING:
    from django.contrib.auth.models import User

__all__ = [
    "Change",
    "clock_holder",
    "delete_holiday",
    "recount_in_batches",
    "recount_open_clocks",
    "save_time_limit",
    "set_holiday",
]

BATCH = 500


@dataclass
class Change:
    """One stored due date that moved: what holds it, its old and new end."""

    subject: str  # case | handoff | task | petition
    id: int
    previous: dt.datetime | None
    due: dt.datetime
    clock: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "id": self.id,
            "clock": self.clock,
            "previous_due_at": _iso(self.previous),
            "due_at": _iso(self.due),
        }


@dataclass
class _Recount:
    memo: dict[tuple[Any, ...], clocks.Clock] = field(default_factory=dict)

    def __call__(self, c: clocks.Clock) -> clocks.Clock:
        if c.fixed or c.paused_since is not None or not c.unit:
            return c  # a date somebody set, or a clock standing still: its own, never shared
        # Most open clocks share a start day and a rule: each is counted once.
        key = (
            c.stage,
            timezone.localdate(c.start),
            c.network,
            c.category,
            c.extra,
            c.fixed,
            c.chain,
            c.paused,
            c.paused_since,
            c.unit,
        )
        done = self.memo.get(key)
        if done is None:
            done = self.memo[key] = clocks.recounted(c)
        return replace(c, due=done.due, count=done.count, unit=done.unit, basis=done.basis)

    def stored(self, d: dict[str, Any]) -> dict[str, Any] | None:
        """A stored clock (clock_json) counted again: the new JSON, or None when it cannot
        be counted (fixed, paused, written before clocks kept their count) — read straight
        from the JSON, as a province has a hundred thousand of them and few distinct."""
        if "count" not in d or d.get("fixed") or d.get("paused_since") or not d.get("unit"):
            return None
        start = timezone.localdate(dt.datetime.fromisoformat(d["start"]))
        key = (
            d["stage"],
            start,
            d.get("network", ""),
            d.get("category", ""),
            d.get("extra", 0),
            False,
            tuple(d.get("chain") or ()),
            tuple(tuple(p) for p in d.get("paused") or ()),
            None,
            d["unit"],
        )
        done = self.memo.get(key)
        if done is None:
            c = clocks.clock_from_json(d)
            if c is None:
                return None
            done = self.memo[key] = clocks.recounted(c)
        return {
            **d,
            "due": done.due.isoformat(),
            "count": done.count,
            "unit": done.unit,
            "basis": done.basis,
        }


# A holder of clocks kept outside this app (the flows' tasks): given the recounter, it moves
# its own open clocks and yields (case id, Change) for each that moved.
Holder = Callable[[Callable[[clocks.Clock], clocks.Clock]], Iterator[tuple[int, Change]]]
_holders: list[Holder] = []


def clock_holder(fn: Holder) -> Holder:
    if fn not in _holders:
        _holders.append(fn)
    return fn


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _open_cases() -> QuerySet[Case]:
    open_cases: QuerySet[Case] = Case.objects.filter(
        state__in=OPEN_STATES, due_at__isnull=False
    ).exclude(due_clock={})
    return open_cases


def _cases(recount: _Recount, ids: list[int] | None) -> Iterator[tuple[Case, Change]]:
    cases = _open_cases() if ids is None else _open_cases().filter(pk__in=ids)
    # Locked while counted: a transition meanwhile (a pause) waits instead of being undone.
    rows = (
        cases.select_for_update(of=("self",))
        .order_by("id")
        .values_list("id", "number", "network", "state", "org_id", "due_at", "due_clock")
    )
    changed: list[Case] = []
    for pk, number, network, state, org_id, due_at, stored in rows.iterator(chunk_size=BATCH):
        fresh = recount.stored(stored)
        if fresh is None:
            continue
        due = dt.datetime.fromisoformat(fresh["due"])
        if due == due_at:
            continue
        case = Case(
            id=pk,
            number=number,
            network=network,
            state=state,
            org_id=org_id,
            due_at=due,
            due_basis=fresh["basis"][:400],
            due_clock=fresh,
        )
        changed.append(case)
        yield case, Change("case", pk, due_at, due)
        if len(changed) >= BATCH:
            _write_dues(changed)
            changed = []
    if changed:
        _write_dues(changed)


def _write_dues(cases: list[Case]) -> None:
    if connection.vendor != "postgresql":
        Case.objects.bulk_update(cases, ["due_at", "due_basis", "due_clock"])
        return
    # One UPDATE … FROM (VALUES …): bulk_update's CASE WHEN per row and field grows with
    # the square of the batch.
    table = Case._meta.db_table
    rows = ", ".join(["(%s, %s::timestamptz, %s, %s::jsonb)"] * len(cases))
    params: list[Any] = []
    for c in cases:
        params += [c.pk, c.due_at, c.due_basis, json.dumps(c.due_clock)]
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {table} AS c SET due_at = v.due_at, due_basis = v.basis, "  # nosec B608
            f"due_clock = v.clock FROM (VALUES {rows}) AS v(id, due_at, basis, clock) "
            "WHERE c.id = v.id",
            params,
        )


def _handoffs(recount: _Recount) -> Iterator[tuple[int, Change]]:
    """The clocks an open handoff keeps: its own (`data.clock`, mirrored in due_at) and the
    petition bureau's (`data.clocks`)."""
    for h in Handoff.objects.filter(status=HandoffStatus.OPEN).order_by("id").iterator():
        data, moved = dict(h.data or {}), False
        own = clocks.clock_from_json(data.get("clock") or {})
        if own is not None:
            new = recount(own)
            if new.due != own.due:
                data["clock"] = {**data["clock"], **new.as_json()}
                moved = True
                if h.due_at == own.due:
                    h.due_at = new.due
                yield h.case_id, Change("handoff", h.pk, own.due, new.due)
        named = {k: dict(v) for k, v in (data.get("clocks") or {}).items()}
        for name, stored in named.items():
            c = clocks.clock_from_json(stored)
            if c is None or stored.get("done_on"):
                continue
            new = recount(c)
            if new.due == c.due:
                continue
            named[name] = {**stored, **new.as_json()}
            moved = True
            if h.due_at == c.due:
                h.due_at = new.due
            yield h.case_id, Change("petition", h.pk, c.due, new.due, clock=name)
        if moved:
            if named:
                data["clocks"] = named
            h.data = data
            h.save(update_fields=["data", "due_at"])


def recount_open_clocks(
    actor: User | None, reason: str, now: dt.datetime | None = None
) -> dict[int, list[Change]]:
    """Count every open clock again on today's tables; one `case.updated` event per case
    whose due dates moved. Runs inside the caller's transaction (the calendar change)."""
    assert transaction.get_connection().in_atomic_block, "run inside the change's transaction"
    clocks.reset_cache(bump=True)
    return _recount(_Recount(), actor, reason, now or timezone.now(), None, others=True)


def recount_in_batches(
    actor: User | None, reason: str, now: dt.datetime | None = None, batch: int = BATCH
) -> dict[int, list[Change]]:
    """The same for a province's open cases: each batch of cases its own transaction (its
    rows locked only while it runs, so a transition waits at most one batch), then the
    handoffs and tasks. Every case moves whole with its event; run again, it moves
    nothing that is already right."""
    now = now or timezone.now()
    clocks.reset_cache(bump=True)
    recount = _Recount()
    ids = list(_open_cases().order_by("id").values_list("id", flat=True))
    moved: dict[int, list[Change]] = {}
    for i in range(0, len(ids), batch):
        with transaction.atomic():
            moved.update(_recount(recount, actor, reason, now, ids[i : i + batch], others=False))
    with transaction.atomic():
        for case_id, changes in _recount(recount, actor, reason, now, [], others=True).items():
            moved.setdefault(case_id, []).extend(changes)
    return moved


def _recount(
    recount: _Recount,
    actor: User | None,
    reason: str,
    now: dt.datetime,
    case_ids: list[int] | None,
    *,
    others: bool,
) -> dict[int, list[Change]]:
    by_case: dict[int, list[Change]] = {}
    cases: dict[int, Case] = {}
    if case_ids is None or case_ids:
        for case, change in _cases(recount, case_ids):
            cases[case.pk] = case
            by_case.setdefault(case.pk, []).append(change)
    if others:
        for source in (_handoffs, *_holders):
            for case_id, change in source(recount):
                by_case.setdefault(case_id, []).append(change)
    missing = set(by_case) - set(cases)
    for case in Case.objects.filter(pk__in=missing):
        cases[case.pk] = case
    items: list[tuple[Case, str, dict[str, Any] | None]] = []
    for case_id in sorted(by_case):
        changes = by_case[case_id]
        case = cases[case_id]
        own = next((c for c in changes if c.subject == "case"), None)
        data: dict[str, Any] = {
            "fields": ["due_at"] if own else [],
            "reason": reason,
            "changes": [c.as_json() for c in changes],
        }
        if own is not None:
            data.update(
                previous_due_at=_iso(own.previous),
                due_at=_iso(own.due),
                due_basis=case.due_basis,
                due_confirmed=clocks.due_confirmed(own.due),
            )
        items.append((case, EventType.CASE_UPDATED, data))
    record_events_for_cases(items, actor, now)
    return by_case


# Above this many open clocks a change commits first and then moves them in batches, so no
# transition waits for the whole recount (a county has a few thousand open cases at most).
LARGE = 5000


def _apply(
    actor: User | None, write: Callable[[], Any], reason: str, now: dt.datetime | None
) -> tuple[Any, dict[int, list[Change]]]:
    if _open_cases().count() <= LARGE:
        with transaction.atomic():
            result = write()
            return result, recount_open_clocks(actor, reason, now)
    with transaction.atomic():
        result = write()
    return result, recount_in_batches(actor, reason, now)


# -- the calendar --------------------------------------------------------------------------

KINDS = {"rest": False, "work": True}


def _may_keep(actor: User) -> None:
    if not policies.may_keep_calendar(actor):
        raise NotPermitted(_("只有司法局监督管理人员或系统管理员可以维护节假日安排"))


def _check_day(day: dt.date, is_working: bool, note: str, confirm: bool) -> None:
    """The rules of a Holiday row (its clean()), and one the API adds: a statutory day
    entered as a working day must also be confirmed."""
    errors: dict[str, list[str]] = {}
    try:
        Holiday(date=day, is_working_day=is_working, note=note.strip()).clean()
    except ValidationError as exc:
        for key, msgs in exc.message_dict.items():
            errors.setdefault("date" if key == "date" else "kind", []).extend(msgs)
    if not errors and is_working and not confirm and day in clocks.statutory_rest_days(day.year):
        # 《全国年节及纪念日放假办法》第二条 names the day a holiday for everyone: only a
        # published arrangement could make it a working day, so ask twice and keep why.
        errors["kind"] = [
            _(
                "%(day)s 是《全国年节及纪念日放假办法》第二条规定的法定节假日，"
                "登记为上班日须确认（confirm）并在说明中注明依据"
            )
            % {"day": day.isoformat()}
        ]
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)


def set_holiday(
    actor: User,
    day: dt.date,
    kind: str,
    note: str = "",
    *,
    confirm: bool = False,
    now: dt.datetime | None = None,
) -> tuple[Holiday, dict[int, list[Change]]]:
    """Enter (or change) one day of a year's arrangement and move every open clock."""
    _may_keep(actor)
    if kind not in KINDS:
        raise InvalidFields(_("提交的内容有误"), {"kind": [_("kind 须为 rest 或 work")]})
    if len(note) > 100:
        raise InvalidFields(_("提交的内容有误"), {"note": [_("说明最多 100 字")]})
    _check_day(day, KINDS[kind], note, confirm)

    def write() -> Holiday:
        row, _created = Holiday.objects.update_or_create(
            date=day, defaults={"is_working_day": KINDS[kind], "note": note.strip()}
        )
        return row

    return _apply(actor, write, "calendar", now)


def delete_holiday(
    actor: User, day: dt.date, now: dt.datetime | None = None
) -> dict[int, list[Change]]:
    _may_keep(actor)

    def write() -> None:
        deleted, _n = Holiday.objects.filter(date=day).delete()
        if not deleted:
            raise InvalidFields(_("提交的内容有误"), {"date": [_("该日没有登记")]})

    return _apply(actor, write, "calendar", now)[1]


def save_time_limit(
    actor: User | None, row: TimeLimit, now: dt.datetime | None = None
) -> dict[int, list[Change]]:
    """A time limit changed (the admin): saved and every open clock of its stage moves."""

    def write() -> None:
        row.full_clean()
        row.save()

    return _apply(actor, write, "time_limit", now)[1]

"""Legal clocks on China's official calendar (DESIGN.md §3 "Legal clocks").

The one place that does date arithmetic for legal time limits:
- `is_working_day(d)`: the official calendar — statutory holidays and the weekend days
  worked in exchange (调休) from the `chinese-calendar` package, overridden by the
  administrator's `Holiday` rows; for a year neither knows, the statutory days of
  《全国年节及纪念日放假办法》 (computed by the `holidays` package) plus weekends, and the year
  is unconfirmed (`year_known`, `unconfirmed_note`): every user who sees a due date in it
  is told it is an estimate;
- `add_working_days(d, n)` and `period_end(d, n)` (calendar days; a period whose last
  day is a rest day ends on the next working day, CPL art 85);
- `clock(stage, start, network, category)`: the most specific `TimeLimit` row applied
  from `start`, as a `Clock` (due, start, unit, basis).

Periods follow CPL art 85: the day the period starts on is not counted, and the period
ends at the end (24:00, Asia/Shanghai) of its last day; `due` is that day's 23:59:59.

Both tables are read once per process and cached: a working-day step never queries.
Saving or deleting a row clears this process's cache at once (signals) and bumps a
version in the Django cache, which other processes check at most every
`CLOCK_CACHE_RECHECK_SECONDS`. While that cache (Redis) is unreachable the tables are read
again at every check instead: a case is never refused for want of the cache (issue 30).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.models import Case
from mediation.models.clocks import Holiday, TimeLimit

from .choices import OPEN_STATES
from .days import (
    FIRST_YEAR,
    LAST_YEAR,
    PACKAGE_YEARS,
    PKG_REST,
    PKG_WORK,
    TIME_BAR_WARNING_DAYS,
    end_of_day,
    labour_time_bar,
    labour_time_bar_warning,
    months_later,
    statutory_rest_days,
)
from .limits import ANY, SEEDED, Stage, StartEvent, Unit

log = logging.getLogger(__name__)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "PACKAGE_YEARS",
    "TIME_BAR_WARNING_DAYS",
    "Clock",
    "add_working_days",
    "approaching_at",
    "clock",
    "days_left",
    "end_of_day",
    "is_working_day",
    "labour_time_bar",
    "labour_time_bar_warning",
    "months_later",
    "period_end",
    "statutory_rest_days",
    "unconfirmed_note",
    "unknown_years",
]

_VERSION_KEY = "mediation.clocks.version"


@dataclass(frozen=True)
class Rule:
    network: str
    category: str
    stage: str
    count: int
    unit: str
    start: str
    extension: int
    basis: str


@dataclass(frozen=True)
class Clock:
    """A running legal time limit: due at the end of its last day.

    What it takes to count it again when the calendar or the limit changes
    (`recounted`): the rule it came from (stage, network, category), the days an
    extension added (`extra`), the stages run before it from the same start (`chain`:
    a confirmation is registered, then decided), and the days it stood paused. A `fixed`
    clock is a date somebody set (a court's letter, an agreed date): never recounted."""

    stage: str
    start: dt.datetime
    due: dt.datetime
    unit: str
    count: int
    basis: str
    extension: int = 0
    network: str = ANY
    category: str = ANY
    extra: int = 0
    fixed: bool = False
    chain: tuple[str, ...] = ()
    # Closed pauses as (first day paused, last day paused), and the day an open one began.
    paused: tuple[tuple[dt.date, dt.date], ...] = ()
    paused_since: dt.date | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "start": self.start.isoformat(),
            "due": self.due.isoformat(),
            "unit": self.unit,
            "basis": self.basis,
            "count": self.count,
            "network": self.network,
            "category": self.category,
            "extra": self.extra,
            "fixed": self.fixed,
            "chain": list(self.chain),
            "paused": [[a.isoformat(), b.isoformat()] for a, b in self.paused],
            "paused_since": self.paused_since.isoformat() if self.paused_since else None,
        }


class _State:
    def __init__(self) -> None:
        self.overrides: dict[dt.date, bool] = dict(
            Holiday.objects.values_list("date", "is_working_day")
        )
        self.override_years = frozenset(d.year for d in self.overrides)
        rules: dict[str, list[Rule]] = {}
        rows = TimeLimit.objects.values_list(
            "network", "category", "stage", "count", "unit", "start", "extension", "basis"
        )
        for row in rows:
            rules.setdefault(row[2], []).append(Rule(*row))
        for row in SEEDED:  # a stage the table lost still has the law's value
            if row[2] not in rules:
                rules.setdefault(row[2], []).append(Rule(*row))
        self.rules = rules
        self.version: int | None = _shared_version()
        self.checked = time.monotonic()


def _shared_version() -> int | None:
    """The tables' version in the shared cache; None while the cache is unreachable."""
    try:
        version = cache.get(_VERSION_KEY, 0)
    except Exception as exc:  # whichever client error the cache backend raises
        log.warning("clock cache unreachable (%s); tables read afresh", type(exc).__name__)
        return None
    return version if isinstance(version, int) else 0


_lock = threading.Lock()
_state: _State | None = None


def _current() -> _State:
    global _state
    state = _state
    recheck = settings.CLOCK_CACHE_RECHECK_SECONDS
    if state is not None and time.monotonic() - state.checked > recheck:
        version = _shared_version()
        if version is None or version != state.version:
            state = None
        else:
            state.checked = time.monotonic()
    if state is None:
        with _lock:
            state = _state = _State()
    return state


def reset_cache(bump: bool = False) -> None:
    """Forget the cached tables (tests; and every change of a row, with `bump`)."""
    global _state
    _state = None
    if bump:
        try:
            try:
                cache.incr(_VERSION_KEY)
            except ValueError:
                cache.set(_VERSION_KEY, 1, None)
        except Exception as exc:  # the change is saved; other processes see it on recheck
            log.warning("clock cache unreachable (%s); version not bumped", type(exc).__name__)


def _changed(sender: type, **kwargs: Any) -> None:
    reset_cache(bump=True)


def connect_signals() -> None:
    for model in (Holiday, TimeLimit):
        post_save.connect(_changed, sender=model, dispatch_uid=f"clocks-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"clocks-{model.__name__}-d")


# -- the calendar -------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    overrides = _current().overrides
    if day in overrides:
        return overrides[day]
    if day.year in PACKAGE_YEARS:
        return day in PKG_WORK or (day.weekday() < 5 and day not in PKG_REST)
    # A year whose arrangement is not published yet: the statutory days and weekends, so a
    # period never ends on 元旦 or 除夕 (CPL art 85); the year stays unconfirmed.
    return day.weekday() < 5 and day not in statutory_rest_days(day.year)


def year_known(year: int) -> bool:
    return year in PACKAGE_YEARS or year in _current().override_years


def unknown_years(years: Iterable[int]) -> list[int]:
    """The years among `years` whose official arrangement is in neither the package nor
    the Holiday table (working days there are the statutory estimate)."""
    return sorted({y for y in years if not year_known(y)})


def due_confirmed(due: dt.datetime | None) -> bool:
    """Whether `due` was counted on a published arrangement (False: an estimate)."""
    return due is None or year_known(timezone.localdate(due).year)


def unconfirmed_note(due: dt.datetime | None) -> str:
    """The words shown beside a due date counted on the statutory estimate, else ""."""
    if due_confirmed(due):
        return ""
    assert due is not None
    return _("（%(year)d年放假安排未公布，按法定节假日推算）") % {
        "year": timezone.localdate(due).year
    }


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (`day` itself is not counted)."""
    while n > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def period_end(day: dt.date, n: int) -> dt.date:
    """The last day of a period of n calendar days from `day` (not counted): moved to
    the next working day when it falls on a rest day (CPL art 85)."""
    return _working_from(day + dt.timedelta(days=n))


def _working_from(day: dt.date) -> dt.date:
    """`day`, or the first working day after it: a period does not end on a rest day."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def last_day(start_day: dt.date, n: int, unit: str) -> dt.date:
    if unit == Unit.WORKING:
        return add_working_days(start_day, n)
    if unit == Unit.MONTH:
        return _working_from(months_later(start_day, n))  # CPL art 85, as for days
    return period_end(start_day, n)


# -- rules --------------------------------------------------------------------------------


def rule(stage: str, network: str = ANY, category: str = ANY) -> Rule:
    """The most specific row for the stage: network and category both match beats one,
    which beats neither; a category beats a network."""
    best, best_score = None, -1
    for r in _current().rules.get(stage, ()):
        if r.network not in (ANY, network) or r.category not in (ANY, category):
            continue
        score = (2 if r.category else 0) + (1 if r.network else 0)
        if score > best_score:
            best, best_score = r, score
    if best is None:
        raise LookupError(f"no time limit for stage {stage!r}")
    return best


def clock(stage: str, start: dt.datetime, network: str = ANY, category: str = ANY) -> Clock:
    """The clock of `stage` started at `start` (an aware datetime)."""
    r = rule(stage, network, category)
    return _make(r, start, r.count, r.basis, network, category)


def _make(
    r: Rule, start: dt.datetime, count: int, basis: str, network: str = ANY, category: str = ANY
) -> Clock:
    due = end_of_day(last_day(timezone.localdate(start), count, r.unit))
    return Clock(r.stage, start, due, r.unit, count, basis, r.extension, network, category)


def extended(
    stage: str,
    current: Clock | dt.datetime,
    network: str = ANY,
    category: str = ANY,
    days: int | None = None,
) -> Clock:
    """The one extension a stage allows (confirmation 10 days, petition 30, labour
    arbitration 15). `days` may ask for less. Counted on from the original end of the
    period, not from the working day a period ending on a rest day rolled over to
    (CPL art 85: the roll-over only keeps a period from ending on a rest day)."""
    r = rule(stage, network, category)
    days = r.extension if days is None else days
    if not r.extension or days <= 0 or days > r.extension:
        raise ValueError(f"{stage}: extension of {days} not allowed (at most {r.extension})")
    basis = _extended_basis(r, days)
    if isinstance(current, Clock) and not current.fixed and current.count:
        longer = replace(
            current, count=current.count + days, extra=current.extra + days, extension=0
        )
        return replace(longer, due=_count_due(longer), basis=basis)
    due = current.due if isinstance(current, Clock) else current
    end = end_of_day(last_day(timezone.localdate(due), days, r.unit))
    start = current.start if isinstance(current, Clock) else due
    return Clock(r.stage, start, end, r.unit, r.count + days, basis, 0, network, category, days)


def _extended_basis(r: Rule, days: int) -> str:
    return _("%(basis)s；已延长%(days)d%(unit)s") % {
        "basis": r.basis,
        "days": days,
        "unit": Unit(r.unit).label,
    }


def _count_due(c: Clock) -> dt.datetime:
    """The end of `c`'s last day, its counted days taken from its start (and its chain)
    with paused days left out (医疗纠纷预防和处理条例 第三十八条: appraisal time does not count)."""
    start = timezone.localdate(c.start)
    for stage in c.chain:
        r = rule(stage, c.network, c.category)
        start = last_day(start, r.count, r.unit)
    if not c.paused:
        return end_of_day(last_day(start, c.count, c.unit))
    paused = {
        first + dt.timedelta(days=i)
        for first, last in c.paused
        for i in range((last - first).days + 1)
    }
    day, n = start, c.count
    if c.unit == Unit.MONTH:  # the month's days, then as many more as stood paused
        day, n = months_later(start, c.count), sum(1 for d in paused if d > start)
    while n > 0:
        day += dt.timedelta(days=1)
        if day in paused:
            continue
        if c.unit != Unit.WORKING or is_working_day(day):
            n -= 1
    if c.unit != Unit.WORKING:
        while not is_working_day(day) or day in paused:
            day += dt.timedelta(days=1)
    return end_of_day(day)


def recounted(c: Clock) -> Clock:
    """`c` counted again on today's calendar and limits: the rule's count plus the days an
    extension added, its chain and pauses. A fixed clock, a paused one (no due date while
    it stands still) or one whose rule is gone comes back as it was."""
    if c.fixed or not c.unit or c.paused_since is not None:
        return c
    try:
        r = rule(c.stage, c.network, c.category)
    except LookupError:
        return c
    basis = _extended_basis(r, c.extra) if c.extra else r.basis
    if c.chain:
        basis = c.basis  # a chain's basis names every stage; its words do not change
    fresh = replace(c, count=r.count + c.extra, unit=r.unit, basis=basis[:400])
    return replace(fresh, due=_count_due(fresh))


def paused(c: Clock, day: dt.date) -> Clock:
    """`c` stopped on `day` (that day and those after it do not count until resumed)."""
    return replace(c, paused_since=day)


def resumed(c: Clock, day: dt.date) -> Clock:
    """`c` running again from `day`: the days from the pause up to the day before are
    left out, and the due date moves on by as many of the clock's days."""
    if c.paused_since is None:
        return c
    span = (c.paused_since, day - dt.timedelta(days=1))
    spans = c.paused + ((span,) if span[1] >= span[0] else ())
    fresh = replace(c, paused=spans, paused_since=None)
    return replace(fresh, due=_count_due(fresh))


def paused_days(c: Clock, today: dt.date | None = None) -> int:
    """Calendar days the clock has stood still, the open pause counted to `today`."""
    n = sum((last - first).days + 1 for first, last in c.paused)
    if c.paused_since is not None and today is not None:
        n += max((today - c.paused_since).days, 0)
    return n


# -- progress ----------------------------------------------------------------------------


def _counted_days(start: dt.datetime, due: dt.datetime, unit: str) -> list[dt.date]:
    first = timezone.localdate(start) + dt.timedelta(days=1)
    last = timezone.localdate(due)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    if unit == Unit.WORKING:
        days = [d for d in days if is_working_day(d)]
    return days


def approaching_at(start: dt.datetime, due: dt.datetime, unit: str, fraction: float) -> dt.datetime:
    """The moment `fraction` of the clock's counted days have run out, counted in its
    own unit: for a working-day clock, rest days do not advance it. A clock without a
    unit (a date someone chose) runs on plain time."""
    if not unit or due <= start:
        return start + (due - start) * fraction
    days = _counted_days(start, due, unit)
    if not days:
        return start + (due - start) * fraction
    target = fraction * len(days)
    whole = int(target)
    if whole >= len(days):
        return due
    if target == whole and whole > 0:
        # Exactly `whole` days have run out at the end of the whole-th counted day.
        moment = timezone.make_aware(
            dt.datetime.combine(days[whole - 1] + dt.timedelta(days=1), dt.time())
        )
    else:
        day_start = timezone.make_aware(dt.datetime.combine(days[whole], dt.time()))
        moment = day_start + dt.timedelta(days=1) * (target - whole)
    return min(max(moment, start), due)


def days_left(due: dt.datetime, unit: str, now: dt.datetime) -> int:
    """Whole days of the clock's unit from today (not counted) to the due day: 0 when
    it is due today, negative (calendar days) once overdue."""
    today, last = timezone.localdate(now), timezone.localdate(due)
    if last < today or unit != Unit.WORKING:
        return (last - today).days
    return sum(
        1 for i in range(1, (last - today).days + 1) if is_working_day(today + dt.timedelta(days=i))
    )


def days_left_label(due: dt.datetime | None, unit: str, now: dt.datetime) -> str:
    if due is None:
        return ""
    n = days_left(due, unit, now)
    if now > due:
        return _("已超期")
    if n <= 0:
        return _("今日到期")
    if unit == Unit.WORKING:
        return _("剩余 %(n)d 个工作日") % {"n": n}
    return _("剩余 %(n)d 日") % {"n": n}


# -- the case's own clocks --------------------------------------------------------------


def acceptance_clock(case_or_priority: Case | bool, start: dt.datetime) -> Clock:
    priority = getattr(case_or_priority, "priority", case_or_priority)
    return clock(Stage.ACCEPTANCE_PRIORITY if priority else Stage.ACCEPTANCE, start)


REFERRAL_STAGES = {
    ("pre_filing", False): Stage.REFERRAL_PRE_FILING,
    ("pre_filing", True): Stage.REFERRAL_PRE_FILING,
    ("post_filing", False): Stage.REFERRAL_POST_FILING,
    ("post_filing", True): Stage.REFERRAL_SUMMARY,
}


def referral_stage(kind: str, summary: bool | None) -> str:
    return REFERRAL_STAGES.get((kind, bool(summary)), Stage.REFERRAL_PRE_FILING)


def mediation_clock(
    case: Case, now: dt.datetime, *, referral: Mapping[str, Any] | None = None
) -> Clock:
    """The mediation time limit, set when the organisation accepts: per network and
    category, started at the event its rule names (labour: the day the application was
    received; a court referral: the day the organisation signs for the materials)."""
    if referral is not None:
        stage = referral_stage(referral.get("kind", ""), referral.get("summary_procedure"))
        return clock(stage, case.materials_received_at or now, case.network, case.category)
    r = rule(Stage.MEDIATION, case.network, case.category)
    start = case.created_at if r.start == StartEvent.REGISTRATION else now
    return _make(r, start or now, r.count, r.basis, case.network, case.category)


def confirmation_clock(start: dt.datetime) -> Clock:
    """The court's whole time on a confirmation application: registration (3 days),
    then the decision (15 days from registration); the court's tasks carry each part."""
    register = clock(Stage.CONFIRMATION_REGISTER, start)
    decide = clock(Stage.CONFIRMATION_DECIDE, register.due)
    return Clock(
        Stage.CONFIRMATION_DECIDE,
        start,
        decide.due,
        decide.unit,
        decide.count,
        f"{register.basis}；{decide.basis}"[:400],
        chain=(Stage.CONFIRMATION_REGISTER,),
    )


def clock_json(c: Clock) -> dict[str, Any]:
    """A clock as stored beside a case, task or handoff (JSON) and shown to users: with
    what `clock_from_json` needs to count it again when the calendar changes."""
    return c.as_json()


def clock_from_json(d: Mapping[str, Any]) -> Clock | None:
    """The clock `clock_json` wrote; None for a record that cannot be counted again (one
    written before clocks carried their count: it is left as it is)."""
    if not d or "count" not in d or not d.get("due") or not d.get("start"):
        return None
    return Clock(
        stage=d["stage"],
        start=dt.datetime.fromisoformat(d["start"]),
        due=dt.datetime.fromisoformat(d["due"]),
        unit=d.get("unit", ""),
        count=int(d["count"]),
        basis=d.get("basis", ""),
        network=d.get("network", ANY),
        category=d.get("category", ANY),
        extra=int(d.get("extra", 0)),
        fixed=bool(d.get("fixed")),
        chain=tuple(d.get("chain", ())),
        paused=tuple(
            (dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in d.get("paused", ())
        ),
        paused_since=dt.date.fromisoformat(d["paused_since"]) if d.get("paused_since") else None,
    )


def fixed_clock(
    stage: str, start: dt.datetime, due: dt.datetime, basis: str, unit: str = ""
) -> Clock:
    """A due date somebody set (an extension the parties agreed to, a court's own date):
    it keeps the clock's start and unit and says on what basis it moved."""
    return Clock(stage, start, due, unit, 0, basis, fixed=True)


# -- warnings -----------------------------------------------------------------------------

LOOKAHEAD_DAYS = 90


def years_in_use(now: dt.datetime) -> set[int]:
    """This year, the next once it is near, and every year an open clock reaches."""
    today = timezone.localdate(now)
    years = {today.year, (today + dt.timedelta(days=LOOKAHEAD_DAYS)).year}
    latest = (
        Case.objects.filter(state__in=OPEN_STATES, due_at__isnull=False)
        .order_by("-due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    if latest is not None:
        years.update(range(today.year, timezone.localdate(latest).year + 1))
    return years


def calendar_warnings(now: dt.datetime | None = None) -> list[str]:
    """Chinese sentences for the supervisor's pages: years counted on the statutory
    estimate."""
    return [
        _(
            "%(year)d 年的放假安排尚未录入（chinese-calendar 未收录，节假日表也没有），"
            "该年暂按法定节假日和周末推算期限（不含调休），请在“节假日安排”中录入国务院公布的安排。"
        )
        % {"year": year}
        for year in unknown_years(years_in_use(now or timezone.now()))
    ]

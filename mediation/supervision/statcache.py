"""The monthly summary behind the district figures (DESIGN.md §8 at 1,000,000 cases).

CaseStatMonth holds, per registration month × network × township, the summed figures and
the channel/category distributions. It is kept current from the CaseEvent outbox: every
change to a case writes an event, and event id order is commit order, so the months
touched by the events after the cursor are exactly the months to recompute. A refresh
runs before each read, under the cursor row's lock, and recomputes only those months
(from the cases, in aggregate queries); the first read builds every month.

Reads combine whole months from the table with the cases themselves for the partial
months at the edges of a period, so every figure equals the one read from the cases.
"""

import datetime as dt
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from mediation.models import Case, CaseEvent, CaseStatMonth, StatCursor

from .aggregates import (
    SUMS,
    Filters,
    Parts,
    _day_start,
    _seconds,
    add_parts,
    empty_parts,
    figure_aggregates,
    month_key,
    performance_rows,
)


def _first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _last_day(day: dt.date) -> dt.date:
    return _next_month(day) - dt.timedelta(days=1)


def _as_month(value: dt.date) -> dt.date:
    key = month_key(value)
    return dt.date(int(key[:4]), int(key[5:]), 1)


def refresh(now: dt.datetime | None = None) -> int:
    """Fold the events since the cursor into the table; returns the months rebuilt."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            cursor, _ = StatCursor.objects.select_for_update().get_or_create(pk=1)
    except IntegrityError:  # another process created the row first
        pass
    with transaction.atomic():
        cursor = StatCursor.objects.select_for_update().get(pk=1)
        top = CaseEvent.objects.aggregate(m=Max("id"))["m"] or 0
        if cursor.refreshed_at is None:
            months = None
        elif top > cursor.last_event:
            changed = CaseEvent.objects.filter(id__gt=cursor.last_event, id__lte=top)
            touched = (
                Case.objects.filter(pk__in=changed.values("case_id"))
                .annotate(m=TruncMonth("created_at"))
                .values_list("m", flat=True)
                .distinct()
            )
            months = {_as_month(m) for m in touched}
        else:
            return 0
        count = rebuild(months)
        StatCursor.objects.filter(pk=1).update(last_event=top, refreshed_at=now)
    return count


def rebuild(months: set[dt.date] | None) -> int:
    """Recompute the given months (None: all) from the cases, in aggregate queries."""
    qs = Case.objects.order_by()
    table = CaseStatMonth.objects.all()
    if months is not None:
        if not months:
            return 0
        span = Q()
        for m in months:
            span |= Q(created_at__gte=_day_start(m), created_at__lt=_day_start(_next_month(m)))
        qs = qs.filter(span)
        table = table.filter(month__in=months)
    table.delete()
    qs = qs.annotate(m=TruncMonth("created_at"))
    keys = ("m", "network", "region")
    rows: dict[tuple, CaseStatMonth] = {}
    for r in qs.values(*keys).annotate(**figure_aggregates()):
        key = (_as_month(r["m"]), r["network"], r["region"])
        rows[key] = CaseStatMonth(
            month=key[0],
            network=key[1],
            region=key[2],
            dim="",
            key="",
            **{k: r[k] or 0 for k in SUMS if k in r and k != "close_seconds"},
            close_seconds=_seconds(r["close_seconds"]),
        )
    for r in performance_rows(qs, group_by=keys):
        row = rows.get((_as_month(r["m"]), r["network"], r["region"]))
        if row is not None:
            row.followed_up, row.performed = r["followed_up"], r["performed"]
    out = list(rows.values())
    for dim in ("channel", "category"):
        for r in qs.values(*keys, dim).annotate(c=Count("id")):
            out.append(
                CaseStatMonth(
                    month=_as_month(r["m"]),
                    network=r["network"],
                    region=r["region"],
                    dim=dim,
                    key=r[dim],
                    n=r["c"],
                )
            )
    CaseStatMonth.objects.bulk_create(out, batch_size=2000)
    return len({k[0] for k in rows})


def _table_parts(first: dt.date | None, last: dt.date | None, filters: Filters) -> Parts:
    qs = CaseStatMonth.objects.all()
    if first:
        qs = qs.filter(month__gte=first)
    if last:
        qs = qs.filter(month__lte=last)
    if filters.network:
        qs = qs.filter(network=filters.network)
    if filters.region:
        qs = qs.filter(region=filters.region)
    parts = empty_parts()
    totals = qs.filter(dim="")
    sums = totals.aggregate(**{k: Sum(k) for k in SUMS})
    parts["sums"] = {k: sums[k] or 0 for k in SUMS}
    for d, field in (("network", "network"), ("region", "region"), ("month", "month")):
        for r in totals.values(field).annotate(c=Sum("n")).order_by():
            key = r[field].strftime("%Y-%m") if d == "month" else r[field]
            parts[d][key] = r["c"]
    for dim in ("channel", "category"):
        for r in qs.filter(dim=dim).values("key").annotate(c=Sum("n")).order_by():
            parts[dim][r["key"]] = r["c"]
    return parts


def parts(filters: Filters, raw: Callable[[Filters], Parts]) -> Parts:
    """The figures' parts for the whole district under `filters`: whole months from the
    table, the partial months at the period's edges from `raw(filters)` (the cases)."""
    refresh()
    start, end = filters.start, filters.end
    edges = []
    first = last = None
    if start:
        first = _first(start)
        if start.day != 1:
            if end and end <= _last_day(start):
                return raw(filters)  # the whole period lies inside one month
            edges.append((start, _last_day(start)))
            first = _next_month(start)
    if end:
        last = _first(end)
        if end != _last_day(end):
            edges.append((_first(end), end))
            last = _first(_first(end) - dt.timedelta(days=1))
    result = (
        _table_parts(first, last, filters)
        if first is None or last is None or first <= last
        else empty_parts()
    )
    for a, b in edges:
        add_parts(result, raw(Filters(a, b, filters.network, filters.region)))
    return result

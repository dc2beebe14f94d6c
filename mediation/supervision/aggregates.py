"""The building blocks of the supervisor's figures (DESIGN.md §8): the filters and their
period, the visible cases under them, and the summed figures and distributions of a set
of cases as aggregate queries — read from the cases here, or from the monthly summary
(statcache) built from these same expressions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.errors import InvalidFields
from mediation.law.choices import (
    Network,
    Outcome,
)
from mediation.models import Case, FollowUp, Organization
from mediation.policies import Actor

# The summed figures ('sums') and the counts per dimension of a set of cases.
Parts: TypeAlias = dict[str, dict[str, Any]]

AGREED_OUTCOMES = (Outcome.AGREED, Outcome.CONFIRMED)
# Every case whose mediation reached an outcome; declined cases were never mediated.
ENDED_OUTCOMES = tuple(o for o in Outcome if o != Outcome.DECLINED)
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    network: str = ""
    region: str = ""

    def as_dict(self) -> dict:
        return {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "network": self.network,
            "region": self.region,
        }


def known_regions() -> list[str]:
    """The townships/streets of the district: the regions of its organisations."""
    rows = Organization.objects.exclude(region="").values_list("region", flat=True)
    return sorted(set(rows))


def _date(value: str | None, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        if not _DATE.match(value):
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        errors[field] = [_("日期格式应为 YYYY-MM-DD，且须是真实存在的日期")]
        return None
    if not EARLIEST <= day <= LATEST:
        errors[field] = [_("日期超出可统计的范围（2000年至2100年）")]
        return None
    return day


def parse_filters(params: Mapping[str, Any]) -> Filters:
    """`from`, `to`, `network`, `region` from a query dict; 400 with the reason otherwise."""
    errors: dict[str, list[str]] = {}
    start = _date(params.get("from"), "from", errors)
    end = _date(params.get("to"), "to", errors)
    if start and end and start > end:
        errors["to"] = [_("截止日期不得早于起始日期")]
    network = (params.get("network") or "").strip()
    if network and network not in Network.values:
        errors["network"] = [
            _("未知的调解类型“%(v)s”，应为 people、administrative、judicial 或 lawyer")
            % {"v": network[:20]}
        ]
    region = (params.get("region") or "").strip()
    if region and region not in known_regions():
        errors["region"] = [_("未知的乡镇（街道）“%(v)s”") % {"v": region[:20]}]
    if errors:
        raise InvalidFields(_("统计条件有误"), errors)
    return Filters(start, end, network, region)


def parse_month(value: str) -> tuple[dt.date, dt.date]:
    """'2026-11' → (first day, last day); an impossible month is a 400."""
    m = _MONTH.match(value or "")
    year, month = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if not m or not 1 <= month <= 12 or not EARLIEST.year <= year <= LATEST.year:
        raise InvalidFields(_("统计条件有误"), {"month": [_("月份格式应为 YYYY-MM，如 2026-11")]})
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def scoped(
    user: Actor,
    filters: Filters,
    *,
    period: bool = True,
    base: QuerySet[Case] | None = None,
) -> QuerySet[Case]:
    """The visible cases under the filters (without the period when period=False); `base`
    is a queryset already narrowed further (the case list's own filters)."""
    qs = policies.visible_cases(user, Case.objects.all() if base is None else base)
    if filters.network:
        qs = qs.filter(network=filters.network)
    if filters.region:
        qs = qs.filter(region=filters.region)
    if period and filters.start:
        qs = qs.filter(created_at__gte=_day_start(filters.start))
    if period and filters.end:
        qs = qs.filter(created_at__lt=_day_start(filters.end + dt.timedelta(days=1)))
    return qs.order_by()


def rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


SUMS = (
    "n",
    "agreed",
    "ended",
    "confirmation_requested",
    "confirmed",
    "priority",
    "amount_cases",
    "amount_sum",
    "closed",
    "close_seconds",
    "followed_up",
    "performed",
)
DIMS = ("network", "region", "channel", "category", "month")


def _seconds(value: dt.timedelta | float | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1e6  # microseconds (SQLite)


def month_key(value: dt.date) -> str:
    """'YYYY-MM' of a TruncMonth value (an aware datetime, or a date from the table)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m")


def figure_aggregates() -> dict[str, Aggregate]:
    """The summed figures of a set of cases, as aggregate expressions (one pass)."""
    span = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    return {
        "n": Count("id"),
        "agreed": Count("id", filter=Q(outcome__in=AGREED_OUTCOMES)),
        "ended": Count("id", filter=Q(outcome__in=ENDED_OUTCOMES)),
        "confirmation_requested": Count("id", filter=Q(confirmation_requested_at__isnull=False)),
        "confirmed": Count("id", filter=Q(outcome="confirmed")),
        "priority": Count("id", filter=Q(priority=True)),
        "amount_cases": Count("amount"),
        "amount_sum": Sum("amount"),
        "closed": Count("closed_at"),
        "close_seconds": Sum(span, filter=Q(closed_at__isnull=False)),
    }


def performance_rows(qs: QuerySet[Case], group_by: Sequence[str] = ()) -> Any:
    """Agreed cases with a follow-up, and those whose latest follow-up says performed."""
    latest = FollowUp.objects.filter(case_id=OuterRef("pk")).order_by("-date", "-id")
    qs = (
        qs.filter(outcome__in=AGREED_OUTCOMES)
        .filter(Exists(FollowUp.objects.filter(case_id=OuterRef("pk"))))
        # (not named like the aggregate below: an alias would shadow the annotation)
        .annotate(last_performed=Subquery(latest.values("performed")[:1]))
    )
    agg = {
        "followed_up": Count("id"),
        "performed": Count("id", filter=Q(last_performed=True)),
    }
    if group_by:
        return qs.values(*group_by).annotate(**agg).order_by()
    return qs.aggregate(**agg)


def empty_parts() -> Parts:
    return {"sums": dict.fromkeys(SUMS, 0), **{d: {} for d in DIMS}}


def add_parts(a: Parts, b: Parts) -> Parts:
    for k in SUMS:
        a["sums"][k] += b["sums"][k] or 0
    for d in DIMS:
        for key, n in b[d].items():
            a[d][key] = a[d].get(key, 0) + n
    return a


def raw_parts(qs: QuerySet[Case]) -> Parts:
    """The summed figures and distributions of a queryset of cases, read from the cases."""
    parts = empty_parts()
    t = qs.aggregate(**figure_aggregates())
    t["close_seconds"] = _seconds(t["close_seconds"])
    t["amount_sum"] = t["amount_sum"] or 0
    t.update(performance_rows(qs))
    parts["sums"] = {k: t[k] or 0 for k in SUMS}
    for d in ("network", "region", "channel", "category"):
        rows = qs.values(d).annotate(c=Count("id")).order_by()
        parts[d] = {r[d] or "": r["c"] for r in rows}
    for r in qs.annotate(m=TruncMonth("created_at")).values("m").annotate(c=Count("id")).order_by():
        if r["m"] is not None:
            key = month_key(r["m"])
            parts["month"][key] = parts["month"].get(key, 0) + r["c"]
    return parts

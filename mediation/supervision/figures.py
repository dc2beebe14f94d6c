"""The supervisor's figures (DESIGN.md §8), every one computed by the database in aggregate
queries over the cases the caller may see; the API, the dashboard, the workbook and the
monthly report all read them from here.

A figure whose data is missing is None (shown as "无数据"), never a silent 0: a rate with
no denominator, an average with nothing to average, the 排查 counts before screenings
exist.

Period: cases registered (created_at, Asia/Shanghai days) from `start` to `end` inclusive.
"Now" figures — overdue, open high-risk flags — describe today and ignore the period.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.errors import InvalidFields
from mediation.law.choices import (
    OPEN_STATES,
    Category,
    Channel,
    EventType,
    HandoffKind,
    Network,
    Outcome,
)
from mediation.models import Agreement, Case, CaseEvent, FollowUp, Handoff, Organization

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


def _date(value, field, errors) -> dt.date | None:
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


def parse_filters(params) -> Filters:
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


def scoped(user, filters: Filters, *, period=True, base=None):
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


def rate(part, whole):
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


def _seconds(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1e6  # microseconds (SQLite)


def month_key(value) -> str:
    """'YYYY-MM' of a TruncMonth value (an aware datetime, or a date from the table)."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m")


def figure_aggregates() -> dict:
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


def performance_rows(qs, group_by=()):
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


def empty_parts() -> dict:
    return {"sums": dict.fromkeys(SUMS, 0), **{d: {} for d in DIMS}}


def add_parts(a: dict, b: dict) -> dict:
    for k in SUMS:
        a["sums"][k] += b["sums"][k] or 0
    for d in DIMS:
        for key, n in b[d].items():
            a[d][key] = a[d].get(key, 0) + n
    return a


def raw_parts(qs) -> dict:
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


def _rows(counts: dict, labels: dict | None = None) -> list[dict]:
    rows = sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: (-kv[1], kv[0]))
    return [
        {
            "key": k,
            "label": str(labels.get(k, k)) if labels else (k or _("未填写")),
            "count": n,
        }
        for k, n in rows
    ]


def _months(counts: dict, filters: Filters) -> list[dict]:
    first = filters.start.strftime("%Y-%m") if filters.start else min(counts, default=None)
    last = filters.end.strftime("%Y-%m") if filters.end else max(counts, default=None)
    out = []
    if first and last:
        y, m = int(first[:4]), int(first[5:])
        while f"{y:04d}-{m:02d}" <= last and len(out) < 240:
            key = f"{y:04d}-{m:02d}"
            out.append({"key": key, "label": f"{y}年{m}月", "count": counts.get(key, 0)})
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _duration_days(seconds: float, closed: int) -> float | None:
    return round(seconds / closed / 86400, 1) if closed else None


def live_figures(user, filters: Filters, now=None, base=None) -> dict:
    """The figures of today that move with events: overdue now, open high-risk flags.
    Two counts that start from indexes ((state, due_at) and (risk_level, state)), so they
    cost the open cases they find, not the whole table."""
    now = now or timezone.now()
    qs = scoped(user, filters, period=False, base=base).filter(state__in=OPEN_STATES)
    return {
        "overdue": qs.filter(due_at__lt=now).count(),
        "high_risk": qs.filter(risk_level="high").count(),
    }


def high_risk_cases(user, filters: Filters, limit=20) -> list[dict]:
    qs = (
        scoped(user, filters, period=False)
        .filter(state__in=OPEN_STATES, risk_level="high")
        .select_related("org")
        .order_by("-updated_at", "-id")[:limit]
    )
    return [
        {"id": c.pk, "number": c.number, "org": c.org.name, "note": c.risk_note[:200]} for c in qs
    ]


def _petition_feedback(qs, now) -> dict:
    """访调对接 feedback on time: of the petition handoffs whose feedback was due (or given),
    the share whose feedback task was completed by the due date."""
    feedback = CaseEvent.objects.filter(
        case_id=OuterRef("case_id"),
        type=EventType.TASK_COMPLETED,
        payload__data__type="petition.feedback",
    )
    handoffs = Handoff.objects.filter(kind=HandoffKind.PETITION, due_at__isnull=False)
    handoffs = handoffs.filter(case__in=qs.values("pk")) if qs is not None else handoffs
    handoffs = handoffs.annotate(
        # (annotation names differ from the aggregate names: an alias would shadow them)
        fb_given=Exists(feedback),
        fb_in_time=Exists(feedback.filter(at__lte=OuterRef("due_at"))),
    )
    row = handoffs.aggregate(
        due=Count("id", filter=Q(fb_given=True) | Q(due_at__lt=now)),
        on_time=Count("id", filter=Q(fb_in_time=True)),
    )
    return {
        "petition_feedback_due": row["due"],
        "petition_feedback_on_time": row["on_time"],
        "petition_feedback_rate": rate(row["on_time"], row["due"]),
    }


def _petition_scope(user, filters: Filters, base=None):
    """The cases whose petition handoffs count; None for the whole district (a supervisor
    without filters), so that the handoffs are read without a semi-join on every case."""
    if base is None and policies.is_supervisor(user) and filters == Filters():
        return None
    return scoped(user, filters, base=base)


def _parts(user, filters: Filters, base=None) -> dict:
    """Supervisors over the whole district read the monthly summary
    (mediation.supervision.statcache) for whole months and the cases themselves only for the
    partial months at the edges of the period; anyone else, or a narrower set (`base`),
    reads the cases."""
    if base is None and policies.is_supervisor(user):
        from . import statcache

        return statcache.parts(filters, lambda f: raw_parts(scoped(user, f)))
    return raw_parts(scoped(user, filters, base=base))


def summary(user, filters: Filters, now=None, base=None) -> dict:
    now = now or timezone.now()
    p = _parts(user, filters, base)
    t = p["sums"]
    live = live_figures(user, filters, now, base=base)
    return {
        "as_of": now,
        "filters": filters.as_dict(),
        "total": t["n"],
        "by_network": _rows(p["network"], dict(Network.choices)),
        "by_category": _rows(p["category"], dict(Category.choices)),
        "by_channel": _rows(p["channel"], dict(Channel.choices)),
        "by_region": _rows(p["region"]),
        "by_month": _months(p["month"], filters),
        "agreed": t["agreed"],
        "ended": t["ended"],
        "success_rate": rate(t["agreed"], t["ended"]),
        "confirmation_requested": t["confirmation_requested"],
        "confirmed": t["confirmed"],
        "confirmation_rate": rate(t["confirmed"], t["confirmation_requested"]),
        "followed_up": t["followed_up"],
        "performed": t["performed"],
        "performance_rate": rate(t["performed"], t["followed_up"]),
        "amount_cases": t["amount_cases"],
        "amount_total": f"{t['amount_sum']:.2f}" if t["amount_cases"] else None,
        "closed": t["closed"],
        "avg_days_to_close": _duration_days(t["close_seconds"], t["closed"]),
        "overdue": live["overdue"],
        "high_risk": live["high_risk"],
        "priority": t["priority"],
        "priority_share": rate(t["priority"], t["n"]),
        **_petition_feedback(_petition_scope(user, filters, base), now),
    }


# -- 人民调解工作统计表 (the Ministry of Justice's people's-mediation table) ----------------


def screening_counts(filters: Filters):
    """矛盾纠纷排查 counts for the period: {"times": rounds, "found": disputes found,
    "registered": of which registered as cases} — None when no committee recorded a round
    in it (无数据), and for networks other than people's mediation, which does not screen."""
    from mediation.prevention import records as prevention

    if filters.network and filters.network != Network.PEOPLE:
        return None
    counts = prevention.screening_counts(filters.start, filters.end, filters.region)
    if counts["rounds"] is None:
        return None
    return {"times": counts["rounds"], "found": counts["found"], "registered": counts["registered"]}


MINISTRY_COLUMNS = [
    ("accepted", gettext_lazy("受理纠纷（件）")),
    ("succeeded", gettext_lazy("调解成功（件）")),
    ("written", gettext_lazy("书面协议（份）")),
    ("oral", gettext_lazy("口头协议（件）")),
    ("amount", gettext_lazy("涉及金额（元）")),
    ("confirmation_requested", gettext_lazy("申请司法确认（件）")),
    ("confirmed", gettext_lazy("司法确认有效（件）")),
]


def ministry_table(user, filters: Filters) -> dict:
    """Disputes of people's mediation by category for the period: accepted, succeeded,
    agreements written/oral, amounts, judicial confirmations; and the 排查 counts."""
    if filters.network and filters.network != Network.PEOPLE:
        return {"rows": None, "total": None, "screening": screening_counts(filters)}
    qs = scoped(user, Filters(filters.start, filters.end, Network.PEOPLE, filters.region))
    rows = {
        r["category"]: r
        for r in qs.values("category").annotate(
            accepted=Count("id", filter=Q(accepted_at__isnull=False)),
            succeeded=Count("id", filter=Q(outcome__in=AGREED_OUTCOMES)),
            amount=Sum("amount", filter=Q(accepted_at__isnull=False)),
            confirmation_requested=Count("id", filter=Q(confirmation_requested_at__isnull=False)),
            confirmed=Count("id", filter=Q(outcome="confirmed")),
        )
    }
    forms = (
        Agreement.objects.filter(case__in=qs.values("pk"))
        .values("case__category", "form")
        .annotate(n=Count("case_id", distinct=True))
    )
    by_form = {(r["case__category"], r["form"]): r["n"] for r in forms}
    out, total = [], {k: 0 for k, _label in MINISTRY_COLUMNS}
    for code, label in Category.choices:
        r = rows.get(code, {})
        row = {
            "key": code,
            "label": str(label),
            "accepted": r.get("accepted", 0),
            "succeeded": r.get("succeeded", 0),
            "written": by_form.get((code, "written"), 0),
            "oral": by_form.get((code, "oral"), 0),
            "amount": r.get("amount") or 0,
            "confirmation_requested": r.get("confirmation_requested", 0),
            "confirmed": r.get("confirmed", 0),
        }
        for k in total:
            total[k] += row[k]
        row["amount"] = f"{row['amount']:.2f}"
        out.append(row)
    total["amount"] = f"{total['amount']:.2f}"
    return {"rows": out, "total": total, "screening": screening_counts(filters)}


def columns():
    return [(k, str(label)) for k, label in MINISTRY_COLUMNS]

"""The supervisor's figures (DESIGN.md §8), every one computed by the database in aggregate
queries over the cases the caller may see; the API, the dashboard, the workbook and the
monthly report all read them from here.

A figure whose data is missing is None (shown as "无数据"), never a silent 0: a rate with
no denominator, an average with nothing to average, the 排查 counts before screenings
exist.

Period: cases registered (created_at, Asia/Shanghai days) from `start` to `end` inclusive.
"Now" figures — overdue, open high-risk flags — describe today and ignore the period.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.law.choices import (
    OPEN_STATES,
    Category,
    Channel,
    EventType,
    HandoffKind,
    Network,
)
from mediation.models import Case, CaseEvent, Handoff
from mediation.policies import Actor
from mediation.prevention import records as prevention

from . import ministry_sql, statcache
from .aggregates import (
    AGREED_OUTCOMES,
    Filters,
    Parts,
    rate,
    raw_parts,
    scoped,
)
from .aggregates import known_regions as known_regions
from .aggregates import parse_filters as parse_filters
from .aggregates import parse_month as parse_month


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
    out: list[dict] = []
    if first and last:
        y, m = int(first[:4]), int(first[5:])
        while f"{y:04d}-{m:02d}" <= last and len(out) < 240:
            key = f"{y:04d}-{m:02d}"
            out.append({"key": key, "label": f"{y}年{m}月", "count": counts.get(key, 0)})
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _duration_days(seconds: float, closed: int) -> float | None:
    return round(seconds / closed / 86400, 1) if closed else None


def live_figures(
    user: Actor,
    filters: Filters,
    now: dt.datetime | None = None,
    base: QuerySet[Case] | None = None,
) -> dict:
    """The figures of today that move with events: overdue now, open high-risk flags.
    Two counts that start from indexes ((state, due_at) and (risk_level, state)), so they
    cost the open cases they find, not the whole table."""
    now = now or timezone.now()
    qs = scoped(user, filters, period=False, base=base).filter(state__in=OPEN_STATES)
    return {
        "overdue": qs.filter(due_at__lt=now).count(),
        "high_risk": qs.filter(risk_level="high").count(),
    }


def high_risk_cases(user: Actor, filters: Filters, limit: int = 20) -> list[dict]:
    qs = (
        scoped(user, filters, period=False)
        .filter(state__in=OPEN_STATES, risk_level="high")
        .select_related("org")
        .order_by("-updated_at", "-id")[:limit]
    )
    return [
        {"id": c.pk, "number": c.number, "org": c.org.name, "note": c.risk_note[:200]} for c in qs
    ]


def _petition_feedback(qs: QuerySet[Case] | None, now: dt.datetime) -> dict:
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


def _petition_scope(
    user: Actor, filters: Filters, base: QuerySet[Case] | None = None
) -> QuerySet[Case] | None:
    """The cases whose petition handoffs count; None for the whole district (a supervisor
    without filters), so that the handoffs are read without a semi-join on every case."""
    if base is None and policies.is_supervisor(user) and filters == Filters():
        return None
    return scoped(user, filters, base=base)


def _parts(user: Actor, filters: Filters, base: QuerySet[Case] | None = None) -> Parts:
    """Supervisors over the whole district read the monthly summary
    (mediation.supervision.statcache) for whole months and the cases themselves only for the
    partial months at the edges of the period; anyone else, or a narrower set (`base`),
    reads the cases."""
    if base is None and policies.is_supervisor(user):
        return statcache.parts(filters, lambda f: raw_parts(scoped(user, f)))
    return raw_parts(scoped(user, filters, base=base))


def summary(
    user: Actor,
    filters: Filters,
    now: dt.datetime | None = None,
    base: QuerySet[Case] | None = None,
) -> dict:
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


def screening_counts(filters: Filters) -> dict[str, int] | None:
    """矛盾纠纷排查 counts for the period: {"times": rounds, "found": disputes found,
    "registered": of which registered as cases} — None when no committee recorded a round
    in it (无数据), and for networks other than people's mediation, which does not screen."""
    if filters.network and filters.network != Network.PEOPLE:
        return None
    counts = prevention.screening_counts(filters.start, filters.end, filters.region)
    if counts["rounds"] is None:
        return None
    return {"times": counts["rounds"], "found": counts["found"], "registered": counts["registered"]}


MINISTRY_COLUMNS = [
    ("accepted", gettext_lazy("受理纠纷（件）")),
    ("succeeded", gettext_lazy("调解成功（件）")),
    ("written", gettext_lazy("书面协议（件）")),
    ("oral", gettext_lazy("口头协议（件）")),
    ("amount", gettext_lazy("协议涉及金额（万元）")),
    ("performed", gettext_lazy("协议履行（件）")),
    ("confirmation_requested", gettext_lazy("申请司法确认（件）")),
    ("confirmed", gettext_lazy("司法确认有效（件）")),
    ("prevented_criminal", gettext_lazy("防止激化：民转刑（件）")),
    ("prevented_mass_petition", gettext_lazy("防止激化：群体性上访（件）")),
    ("prevented_mass_fight", gettext_lazy("防止激化：群体性械斗（件）")),
    ("prevented_suicide", gettext_lazy("防止激化：自杀（件）")),
    ("source_applied", gettext_lazy("纠纷来源：当事人申请（件）")),
    ("source_proactive", gettext_lazy("纠纷来源：主动调解（件）")),
    ("source_referred", gettext_lazy("纠纷来源：委托移送（件）")),
    ("parties", gettext_lazy("当事人人数（人）")),
]
# 纠纷来源: the parties applied, the committee found it (PML art 17), or another body
# referred it (petition bureau, court, police, another organisation).
SOURCES = {
    "source_applied": (Channel.WALK_IN, Channel.HOTLINE, Channel.ONLINE),
    "source_proactive": (Channel.PROACTIVE,),
    "source_referred": (
        Channel.PETITION_TRANSFER,
        Channel.COURT_REFERRAL,
        Channel.POLICE_REFERRAL,
        Channel.ORG_TRANSFER,
    ),
}
# 调解成功: the mediation reached an agreement, counted once per case whatever the court
# later ruled on it — a refused confirmation (and a referral after it) stays a success;
# a case whose mediation resumed counts once it agrees again. ministry_sql.SUCCESS says the
# same in the table's SQL.
SUCCEEDED = Q(outcome__in=(*AGREED_OUTCOMES, "confirmation_rejected")) | Q(
    outcome="referred", end_reason=""
)
TEN_THOUSAND = Decimal(10000)

# The Ministry's 矛盾纠纷类型 (rows of the 人民调解工作统计表), in the form's order, as the
# justice bureaus publish the table's figures (e.g. 黄石市司法局's monthly 数据发布). Our
# case categories are finer; each folds into one row here, the case keeps its own category.
MINISTRY_CATEGORIES = [
    ("marriage_family", gettext_lazy("婚姻家庭")),
    ("neighbour", gettext_lazy("邻里")),
    ("housing_land", gettext_lazy("房屋宅基地")),
    ("contract", gettext_lazy("合同")),
    ("production", gettext_lazy("生产经营")),
    ("damages", gettext_lazy("损害赔偿")),
    ("forest_land", gettext_lazy("山林土地")),
    ("land_acquisition", gettext_lazy("征地拆迁")),
    ("environment", gettext_lazy("环境污染")),
    ("labor", gettext_lazy("劳动争议")),
    ("consumer", gettext_lazy("消费")),
    ("medical", gettext_lazy("医疗")),
    ("traffic", gettext_lazy("道路交通事故")),
    ("property_mgmt", gettext_lazy("物业")),
    ("other", gettext_lazy("其他")),
]
# Ours → the Ministry's row: the same name where the form has it; 土地承包流转 is land
# (山林土地); a tourist's dispute with a travel agency is a consumer's (消费); the kinds
# the form does not name (校园, 知识产权, 互联网) are 其他.
MINISTRY_CATEGORY_OF = {
    **{code: code for code, _label in MINISTRY_CATEGORIES},
    Category.LAND_CONTRACT: "forest_land",
    Category.TOURISM: "consumer",
    Category.EDUCATION: "other",
    Category.IP: "other",
    Category.INTERNET: "other",
}


def ministry_table(user: Actor, filters: Filters) -> dict:
    """Disputes of people's mediation by the Ministry's category (MINISTRY_CATEGORIES) for
    the period: accepted, succeeded — written + oral, by each case's current agreement, so
    the two add up to it —, the agreements' amount in 万元, performance, judicial
    confirmations, the disputes' sources, the parties; and the 排查 counts."""
    if filters.network and filters.network != Network.PEOPLE:
        return {"rows": None, "total": None, "screening": screening_counts(filters)}
    qs = scoped(user, Filters(filters.start, filters.end, Network.PEOPLE, filters.region))
    # 调解成功 (ministry_sql.SUCCESS), 防止民间纠纷激化 (a dispute flagged as about
    # to become one of these that the mediation settled) and the sources: ministry_sql.
    rows = ministry_sql.sums_by_category(qs, SOURCES)
    out: list[dict[str, Any]] = []
    total: dict[str, Any] = {k: 0 for k, _label in MINISTRY_COLUMNS}
    for key, label in MINISTRY_CATEGORIES:
        ours = [c for c in Category.values if MINISTRY_CATEGORY_OF[c] == key]
        row: dict[str, Any] = {"key": key, "label": str(label), "includes": ours}
        for k, _label in MINISTRY_COLUMNS:
            row[k] = sum((rows.get(c, {}).get(k) or 0 for c in ours), 0)
            total[k] += row[k]
        row["amount"] = _wan(row["amount"])
        out.append(row)
    total["amount"] = _wan(total["amount"])
    return {"rows": out, "total": total, "screening": screening_counts(filters)}


def _wan(yuan: Decimal | int) -> str:
    """元 → 万元 with two decimals, as the Ministry's form asks."""
    return f"{(Decimal(yuan) / TEN_THOUSAND).quantize(Decimal('0.01'), ROUND_HALF_UP)}"


def columns() -> list[tuple[str, str]]:
    return [(k, str(label)) for k, label in MINISTRY_COLUMNS]

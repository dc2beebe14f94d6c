"""The plan's targets as rows (附件2 指标): the supervisor keeps them per year; each figure is
computed from the data by the database, month by month, with the year-to-date value beside
the target (DESIGN §12.4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted
from mediation.law.advisers import VILLAGE_SUBTYPES
from mediation.law.choices import OrgKind, Outcome, Role
from mediation.law.indicators import HOW, UNITS, IndicatorMetric
from mediation.law.jsonform import Data, JsonForm, errors_of
from mediation.models import (
    AdviserVillage,
    Case,
    Consultation,
    Indicator,
    Membership,
    Organization,
    ScreeningRound,
    TrainingAttendance,
)

AGREED = (Outcome.AGREED, Outcome.CONFIRMED)
ENDED = tuple(o for o in Outcome if o != Outcome.DECLINED)
COVERAGES = (
    IndicatorMetric.SCREENING_COVERAGE,
    IndicatorMetric.TRAINING_COVERAGE,
    IndicatorMetric.ADVISER_COVERAGE,
)
# (numerator, denominator) per month, or (count, None) for counted figures.
Monthly = dict[int, tuple[int, int | None]]


class IndicatorForm(JsonForm):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    name = forms.CharField(label=gettext_lazy("指标"), max_length=100)
    metric = forms.ChoiceField(label=gettext_lazy("计算口径"), choices=IndicatorMetric.choices)
    target = forms.DecimalField(
        label=gettext_lazy("目标值"), max_digits=12, decimal_places=2, min_value=0
    )
    position = forms.IntegerField(
        label=gettext_lazy("排序"), min_value=0, max_value=999, required=False
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=500, required=False)

    def clean(self) -> Data:
        super().clean()
        d = self.cleaned_data
        if UNITS.get(d.get("metric", "")) == "%" and (d.get("target") or 0) > 100:
            self.add_error("target", _("比例指标的目标值不能超过100"))
        return d


def set_indicator(user: User, data: Data, *, now: dt.datetime | None = None) -> Indicator:
    """Add or change (by year and name) one of the plan's targets."""
    now = now or timezone.now()
    if not policies.is_supervisor(user):
        raise NotPermitted(_("只有司法局监督管理人员可以维护规划指标"))
    form = IndicatorForm(data)
    if not form.is_valid():
        raise InvalidFields(_("提交的内容有误"), errors_of(form))
    cd = form.cleaned_data
    row, _created = Indicator.objects.update_or_create(
        year=cd["year"],
        name=cd["name"],
        defaults={
            "metric": cd["metric"],
            "target": cd["target"],
            "unit": UNITS[IndicatorMetric(cd["metric"])],
            "position": cd.get("position") or 0,
            "note": cd.get("note") or "",
            "updated_at": now,
        },
    )
    return row


def _by_month(qs: Any, field: str, **counts: Any) -> dict[int, dict[str, int]]:
    rows = qs.annotate(m=TruncMonth(field)).values("m").annotate(**counts).order_by("m")
    return {
        timezone.localtime(r["m"]).month if isinstance(r["m"], dt.datetime) else r["m"].month: r
        for r in rows
    }


def _monthly(metric: str, year: int, months: int) -> Monthly:
    cases = Case.objects.filter(created_at__year=year)
    if metric == IndicatorMetric.SUCCESS_RATE:
        rows = _by_month(
            cases,
            "created_at",
            num=Count("id", filter=Q(outcome__in=AGREED)),
            den=Count("id", filter=Q(outcome__in=ENDED)),
        )
        return {m: (r["num"], r["den"]) for m, r in rows.items()}
    if metric == IndicatorMetric.CONFIRMATION_RATE:
        rows = _by_month(
            cases,
            "created_at",
            num=Count("id", filter=Q(outcome=Outcome.CONFIRMED)),
            den=Count("id", filter=Q(outcome__in=AGREED)),
        )
        return {m: (r["num"], r["den"]) for m, r in rows.items()}
    if metric == IndicatorMetric.CASES_MEDIATED:
        rows = _by_month(cases.exclude(outcome=Outcome.DECLINED), "created_at", n=Count("id"))
        return {m: (r["n"], None) for m, r in rows.items()}
    if metric == IndicatorMetric.CONSULTATIONS_ANSWERED:
        qs = Consultation.objects.filter(created_at__year=year).exclude(answer="")
        rows = _by_month(qs, "created_at", n=Count("id"))
        return {m: (r["n"], None) for m, r in rows.items()}
    if metric == IndicatorMetric.SCREENING_COVERAGE:
        committees = Organization.objects.filter(kind=OrgKind.PEOPLE_COMMITTEE).count()
        out: Monthly = {}
        for m in range(1, months + 1):
            first = dt.date(year, m, 1)
            nxt = (first + dt.timedelta(days=32)).replace(day=1)
            n = (
                ScreeningRound.objects.filter(period_start__lt=nxt, period_end__gte=first)
                .values("org_id")
                .distinct()
                .count()
            )
            out[m] = (n, committees)
        return out
    if metric == IndicatorMetric.ADVISER_COVERAGE:
        return _adviser_coverage(year, months)
    # training coverage: mediators trained so far this year ÷ all mediators
    mediators = Membership.objects.filter(role=Role.MEDIATOR).values("user_id").distinct().count()
    out = {}
    for m in range(1, months + 1):
        end = (dt.date(year, m, 1) + dt.timedelta(days=32)).replace(day=1)
        n = (
            TrainingAttendance.objects.filter(
                session__held_on__gte=dt.date(year, 1, 1), session__held_on__lt=end
            )
            .values("mediator_id")
            .distinct()
            .count()
        )
        out[m] = (n, mediators)
    return out


def _adviser_coverage(year: int, months: int) -> Monthly:
    """Villages served by an adviser at each month's end ÷ all villages."""
    villages = Organization.objects.filter(
        kind=OrgKind.PEOPLE_COMMITTEE, subtype__in=VILLAGE_SUBTYPES
    )
    total = villages.count()
    out: Monthly = {}
    for m in range(1, months + 1):
        end = (dt.date(year, m, 1) + dt.timedelta(days=32)).replace(day=1)
        n = (
            AdviserVillage.objects.filter(village__in=villages, since__lt=end)
            .values("village_id")
            .distinct()
            .count()
        )
        out[m] = (n, total)
    return out


def _value(num: int, den: int | None, percent: bool) -> Decimal | None:
    if not percent:
        return Decimal(num)
    if not den:
        return None
    return (Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.1"))


def indicator_rows(year: int, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Each target of the year with its year-to-date figure and the monthly trend; a rate
    with nothing to divide by is `None` (无数据, not 0)."""
    today = today or timezone.localdate()
    months = 12 if year < today.year else (today.month if year == today.year else 0)
    out = []
    for ind in Indicator.objects.filter(year=year):
        percent = ind.unit == "%"
        monthly = _monthly(ind.metric, year, months) if months else {}
        trend = []
        for m in range(1, months + 1):
            num, den = monthly.get(m, (0, 0 if percent else None))
            v = _value(num, den, percent)
            trend.append({"month": f"{year}-{m:02d}", "value": None if v is None else str(v)})
        if ind.metric in COVERAGES:
            # a coverage is the latest month's, not a sum over the year
            last = trend[-1]["value"] if trend else None
            value = None if last is None else Decimal(last)
        else:
            num = sum(n for n, _d in monthly.values())
            den = sum(d or 0 for _n, d in monthly.values())
            value = _value(num, den, percent)
        out.append(
            {
                "id": ind.pk,
                "year": ind.year,
                "name": ind.name,
                "metric": ind.metric,
                "how": str(HOW[IndicatorMetric(ind.metric)]),
                "target": f"{ind.target:.2f}",
                "unit": ind.unit,
                "note": ind.note,
                "value": None if value is None else str(value),
                "met": None if value is None else value >= ind.target,
                "trend": trend,
            }
        )
    return out

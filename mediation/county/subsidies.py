"""以案定补: the yearly standard, the monthly sheet per organisation and mediator, and the
sheet's way through the bureau — submitted by the head, approved (then frozen) or returned
by the supervisor. A case's grade is set through mediation.actions.subsidies.

Every total is the database's sum over the ledger (SubsidyLine); amounts are Decimals, and
strings with two decimals in the JSON.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.law.choices import Role
from mediation.law.jsonform import Data, JsonForm, errors_of
from mediation.law.subsidies import SubsidyGrade, SubsidyMonthStatus
from mediation.models import Organization, SubsidyLine, SubsidyMonth, SubsidyStandard
from mediation.policies import Actor
from mediation.supervision.complaints import audit

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
AMOUNT_FIELDS = (
    "simple",
    "general",
    "difficult",
    "major",
    "extra_written",
    "extra_confirmation",
    "extra_priority",
    "extra_cross_township",
)


def money(value: Decimal | None) -> str:
    return f"{(value or Decimal(0)):.2f}"


def parse_month(raw: str) -> dt.date:
    found = MONTH.match(raw or "")
    if not found:
        raise InvalidFields(_("参数有误"), {"month": [_("月份格式应为 YYYY-MM")]})
    return dt.date(int(found[1]), int(found[2]), 1)


# -- who -----------------------------------------------------------------------------------


def head_orgs(user: Actor) -> list[int]:
    """The organisations whose sheet `user` submits (as their head)."""
    return sorted(o for o, roles in policies.roles_by_org(user).items() if Role.ORG_HEAD in roles)


def may_see_subsidies(user: Actor) -> bool:
    return policies.is_supervisor(user) or bool(head_orgs(user))


# -- the standard -----------------------------------------------------------------------------


def _amount(label: StrOrPromise) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=10, decimal_places=2, min_value=0)


class StandardForm(JsonForm):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    simple = _amount(gettext_lazy("简易"))
    general = _amount(gettext_lazy("一般"))
    difficult = _amount(gettext_lazy("疑难"))
    major = _amount(gettext_lazy("重大"))
    extra_written = _amount(gettext_lazy("书面协议加发"))
    extra_confirmation = _amount(gettext_lazy("司法确认加发"))
    extra_priority = _amount(gettext_lazy("优先群体当事人加发"))
    extra_cross_township = _amount(gettext_lazy("跨乡镇纠纷加发"))

    def clean(self) -> Data:
        super().clean()
        d = self.cleaned_data
        order: list[Decimal] = [d[g] for g in SubsidyGrade.values if d.get(g) is not None]
        if len(order) == len(SubsidyGrade.values) and order != sorted(order):
            self.add_error("major", _("等级越高补贴不应越低：简易 ≤ 一般 ≤ 疑难 ≤ 重大"))
        return d


def standard_json(s: SubsidyStandard) -> dict[str, Any]:
    return {"year": s.year, **{f: money(getattr(s, f)) for f in AMOUNT_FIELDS}}


def set_standard(user: User, data: Data, *, now: dt.datetime | None = None) -> SubsidyStandard:
    """The supervisor sets (or replaces) a year's standard; lines already written keep the
    amounts they were written with."""
    now = now or timezone.now()
    if not policies.is_supervisor(user):
        raise NotPermitted(_("只有司法局监督管理人员可以制定以案定补标准"))
    form = StandardForm(data)
    if not form.is_valid():
        raise InvalidFields(_("提交的内容有误"), errors_of(form))
    cd = form.cleaned_data
    with transaction.atomic():
        standard, _created = SubsidyStandard.objects.update_or_create(
            year=cd["year"],
            defaults={**{f: cd[f] for f in AMOUNT_FIELDS}, "updated_at": now, "updated_by": user},
        )
        audit("subsidy.standard", user, standard_json(standard), at=now)
    return standard


# -- the sheet --------------------------------------------------------------------------------


def _scope(user: Actor, org: int | None) -> list[int] | None:
    """The organisations of the sheet `user` may read: None for all (the supervisor)."""
    if policies.is_supervisor(user):
        return None if org is None else [org]
    mine = head_orgs(user)
    if not mine:
        raise NotPermitted(_("只有调解组织负责人和司法局监督管理人员可以查看补贴表"))
    if org is not None:
        if org not in mine:
            raise NotVisible(_("组织不存在"))
        return [org]
    return mine


def sheet(user: Actor, month: dt.date, org: int | None = None) -> dict[str, Any]:
    """The month's sheet: per organisation its status, case count and total, per mediator
    the same, and the lines; totals summed by the database."""
    orgs = _scope(user, org)
    lines = SubsidyLine.objects.filter(month=month)
    months = SubsidyMonth.objects.filter(month=month)
    if orgs is not None:
        lines = lines.filter(org_id__in=orgs)
        months = months.filter(org_id__in=orgs)
    by_org = {
        r["org_id"]: r
        for r in lines.values("org_id").annotate(
            total=Sum("amount"), cases=Count("case", distinct=True)
        )
    }
    by_mediator: dict[int, list[dict[str, Any]]] = {}
    for r in (
        lines.values("org_id", "mediator_id", "mediator__first_name", "mediator__username")
        .annotate(total=Sum("amount"), cases=Count("case", distinct=True))
        .order_by("org_id", "mediator_id")
    ):
        by_mediator.setdefault(r["org_id"], []).append(
            {
                "mediator": r["mediator_id"],
                "name": r["mediator__first_name"] or r["mediator__username"] or _("未指派"),
                "cases": r["cases"],
                "total": money(r["total"]),
            }
        )
    rows_by_org: dict[int, list[dict[str, Any]]] = {}
    grades = {k: str(v) for k, v in SubsidyGrade.choices}
    # Plain rows, not model instances: a district month holds tens of thousands of lines.
    for line in lines.order_by("org_id", "id").values(
        "org_id",
        "case_id",
        "case__number",
        "mediator__first_name",
        "mediator__username",
        "grade",
        "base",
        "extras",
        "amount",
        "adjustment",
        "reason",
    ):
        rows_by_org.setdefault(line["org_id"], []).append(
            {
                "case": line["case_id"],
                "number": line["case__number"],
                "mediator": line["mediator__first_name"] or line["mediator__username"] or "",
                "grade": line["grade"],
                "grade_label": grades[line["grade"]],
                "base": money(line["base"]),
                "extras": money(line["extras"]),
                "amount": money(line["amount"]),
                "adjustment": line["adjustment"],
                "reason": line["reason"],
            }
        )
    status = {m.org_id: m for m in months}
    ids = sorted(set(by_org) | set(status))
    names = dict(Organization.objects.filter(pk__in=ids).values_list("pk", "name"))
    labels = dict(SubsidyMonthStatus.choices)
    out = []
    for oid in ids:
        m = status.get(oid)
        st = m.status if m else SubsidyMonthStatus.OPEN
        agg = by_org.get(oid, {})
        out.append(
            {
                "org": oid,
                "org_name": names[oid],
                "status": st,
                "status_label": str(labels[st]),
                "return_reason": m.return_reason if m else "",
                "cases": agg.get("cases", 0),
                "total": money(agg.get("total")),
                "mediators": by_mediator.get(oid, []),
                "lines": rows_by_org.get(oid, []),
            }
        )
    total = lines.aggregate(s=Sum("amount"))["s"]
    return {"month": f"{month:%Y-%m}", "orgs": out, "total": money(total)}


def month_total(month: dt.date) -> dict[str, Any]:
    """The dashboard's figure: the month's total, and how much of it is approved."""
    approved = SubsidyMonth.objects.filter(month=month, status=SubsidyMonthStatus.APPROVED).values(
        "org_id"
    )
    agg = SubsidyLine.objects.filter(month=month).aggregate(
        total=Sum("amount"),
        approved=Sum("amount", filter=Q(org_id__in=approved)),
        cases=Count("case", distinct=True),
    )
    return {
        "month": f"{month:%Y-%m}",
        "total": money(agg["total"]),
        "approved": money(agg["approved"]),
        "cases": agg["cases"],
    }


# -- submit, approve, return ----------------------------------------------------------------------


def _org_of(data: Data) -> int:
    raw = data.get("org")
    if isinstance(raw, bool) or not isinstance(raw, (int, str)) or not str(raw).isdigit():
        raise InvalidFields(_("提交的内容有误"), {"org": [_("请选择调解组织")]})
    return int(raw)


def _locked(org_id: int, month: dt.date) -> SubsidyMonth:
    if not Organization.objects.filter(pk=org_id).exists():
        raise InvalidFields(_("提交的内容有误"), {"org": [_("组织不存在")]})
    SubsidyMonth.objects.get_or_create(org_id=org_id, month=month)
    return SubsidyMonth.objects.select_for_update().get(org_id=org_id, month=month)


def _conflict(m: SubsidyMonth, month: dt.date) -> StateConflict:
    if m.status == SubsidyMonthStatus.APPROVED:
        detail = _("%(m)s补贴表已审核通过并冻结，不能再更改；更正计入以后月份") % {
            "m": f"{month:%Y-%m}"
        }
    else:
        detail = _("%(m)s补贴表当前状态为“%(s)s”，不能执行此操作") % {
            "m": f"{month:%Y-%m}",
            "s": m.get_status_display(),
        }
    return StateConflict(detail, m.status)


def submit(
    user: User, month: dt.date, data: Data, *, now: dt.datetime | None = None
) -> SubsidyMonth:
    now = now or timezone.now()
    org_id = _org_of(data)
    if org_id not in head_orgs(user):
        raise NotPermitted(_("只有本组织负责人可以报送补贴表"))
    if month >= timezone.localdate(now).replace(day=1):
        raise InvalidFields(_("提交的内容有误"), {"month": [_("该月尚未结束，不能报送补贴表")]})
    with transaction.atomic():
        m = _locked(org_id, month)
        if m.status not in (SubsidyMonthStatus.OPEN, SubsidyMonthStatus.RETURNED):
            raise _conflict(m, month)
        m.status = SubsidyMonthStatus.SUBMITTED
        m.submitted_by, m.submitted_at = user, now
        m.save()
        audit("subsidy.submitted", user, {"org": org_id, "month": f"{month:%Y-%m}"}, at=now)
    return m


def decide(
    user: User, month: dt.date, data: Data, *, approve: bool, now: dt.datetime | None = None
) -> SubsidyMonth:
    """The supervisor approves (freezing the month) or returns it with the reason."""
    now = now or timezone.now()
    if not policies.is_supervisor(user):
        raise NotPermitted(_("只有司法局监督管理人员可以审核补贴表"))
    org_id = _org_of(data)
    raw = data.get("reason")
    reason = raw.strip() if isinstance(raw, str) else ""
    if not approve and not reason:
        raise InvalidFields(_("提交的内容有误"), {"reason": [_("请说明退回理由")]})
    if len(reason) > 500:
        raise InvalidFields(_("提交的内容有误"), {"reason": [_("不超过500字")]})
    with transaction.atomic():
        m = _locked(org_id, month)
        if m.status != SubsidyMonthStatus.SUBMITTED:
            raise _conflict(m, month)
        m.status = SubsidyMonthStatus.APPROVED if approve else SubsidyMonthStatus.RETURNED
        m.decided_by, m.decided_at = user, now
        m.return_reason = "" if approve else reason
        m.save()
        audit(
            "subsidy.approved" if approve else "subsidy.returned",
            user,
            {"org": org_id, "month": f"{month:%Y-%m}", "reason": reason},
            at=now,
        )
    return m

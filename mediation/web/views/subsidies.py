"""以案定补 pages (DESIGN §12.4): the month's sheet for the committee's head (submit) and the
bureau's supervisor (approve, return, the yearly standard), and a case's grade for the head.

Thin like the other pages: the same calls as the API (mediation.county.subsidies,
mediation.actions.subsidies), their refusals shown by the fields."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.actions import subsidies as grading
from mediation.county import subsidies
from mediation.errors import DomainError
from mediation.law.subsidies import SubsidyGrade
from mediation.models import CaseSubsidy, SubsidyStandard

from .. import AuthedRequest


def _previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _refused(request: AuthedRequest, message: str, status: int) -> HttpResponse:
    return render(request, "error.html", {"message": message}, status=status)


def _standard_fields(
    standard: SubsidyStandard | None, posted: Any, errors: dict[str, list[str]]
) -> list[dict[str, Any]]:
    labels = {
        **{g.value: g.label for g in SubsidyGrade},
        "extra_written": _("书面协议加发"),
        "extra_confirmation": _("司法确认加发"),
        "extra_priority": _("优先群体当事人加发"),
        "extra_cross_township": _("跨乡镇纠纷加发"),
    }
    shown = subsidies.standard_json(standard) if standard else {}
    return [
        {
            "name": name,
            "label": labels[name],
            "value": posted.get(name, shown.get(name, "")),
            "errors": errors.get(name, []),
        }
        for name in subsidies.AMOUNT_FIELDS
    ]


@login_required
def subsidy_sheet(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not subsidies.may_see_subsidies(user):
        return _refused(request, _("只有调解组织负责人和司法局监督管理人员可以查看补贴表"), 403)
    today = timezone.localdate()
    raw = request.GET.get("month") or request.POST.get("month") or ""
    try:
        month = subsidies.parse_month(raw) if raw else _previous_month(today)
    except DomainError:
        month = _previous_month(today)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        data: dict[str, Any] = request.POST.dict()
        try:
            if action == "submit":
                subsidies.submit(user, month, data)
                messages.success(request, _("补贴表已报送"))
            elif action in ("approve", "return"):
                subsidies.decide(user, month, data, approve=action == "approve")
                messages.success(request, _("已审核通过") if action == "approve" else _("已退回"))
            elif action == "standard":
                subsidies.set_standard(user, data)
                messages.success(request, _("以案定补标准已保存"))
            return redirect(f"{request.path}?month={month:%Y-%m}")
        except DomainError as exc:
            status = exc.status
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
            messages.error(request, exc.detail)
    sheet = subsidies.sheet(user, month)
    heads = set(subsidies.head_orgs(user))
    for org in sheet["orgs"]:
        org["may_submit"] = org["org"] in heads and org["status"] in ("open", "returned")
    supervisor = policies.is_supervisor(user)
    standard = SubsidyStandard.objects.filter(year=month.year).first()
    months = [_previous_month(today)]
    for _i in range(5):
        months.append(_previous_month(months[-1]))
    context = {
        "nav": "subsidies",
        "sheet": sheet,
        "month": month,
        "months": [today.replace(day=1), *months],
        "supervisor": supervisor,
        "heads": sorted(heads),
        "standard": subsidies.standard_json(standard) if standard else None,
        "year": month.year,
        "errors": errors,
        "post": request.POST if request.method == "POST" else {},
        "standard_fields": _standard_fields(standard, request.POST, errors),
    }
    return render(request, "county/subsidies.html", context, status=status)


@login_required
def case_subsidy(request: AuthedRequest, pk: int) -> HttpResponse:
    user = request.user
    case = policies.visible_cases(user).filter(pk=pk).first()
    if case is None:
        return _refused(request, _("案件不存在"), 404)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            grading.grade_case(case.pk, user, request.POST.dict())
            messages.success(request, _("补贴等级已评定"))
            return redirect("case_subsidy", pk=case.pk)
        except DomainError as exc:
            status = exc.status
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
            messages.error(request, exc.detail)
    current = CaseSubsidy.objects.filter(case=case).first()
    cross = current.cross_township if current else grading.cross_township(case)
    context = {
        "case": case,
        "current": current,
        "proposed": SubsidyGrade(grading.propose(case, cross)),
        "cross": cross,
        "grades": list(SubsidyGrade),
        "may_grade": policies.has_role(user, case.org_id, "org_head"),
        "errors": errors,
        "post": request.POST if request.method == "POST" else {},
    }
    return render(request, "county/case_subsidy.html", context, status=status)

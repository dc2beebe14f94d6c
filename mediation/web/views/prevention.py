"""Pages before and beside the dispute: a committee's screening rounds (矛盾纠纷排查) and
the intake desk's legal consultations (12348 热线、窗口法律咨询).

Thin like the other pages: rights from mediation.policies, writes through
mediation.prevention.records, a found dispute or a consultation becomes a case through the same
intake form as any other registration."""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from mediation import policies
from mediation.errors import DomainError, InvalidFields, NotVisible
from mediation.law.choices import (
    CONSULTATION_CHANNELS,
    Category,
    Channel,
    ConsultationTopic,
    PartyKind,
    PartyRole,
    RiskLevel,
)
from mediation.law.identity import mask_phone
from mediation.models import Organization
from mediation.prevention import records as prevention

from .. import AuthedRequest
from .intake import intake_page

BLANK = [("", "—")]
FOUND_ROWS = 3


def _text(label: StrOrPromise, max_length: int, rows: int | None = None) -> forms.CharField:
    # Page fields validate nothing themselves: the service's messages are the only ones
    # (shown once, by the field); the length still stops typing in the browser.
    attrs = {"maxlength": max_length}
    if rows:
        return forms.CharField(
            label=label, required=False, widget=forms.Textarea(attrs={**attrs, "rows": rows})
        )
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))


def _date(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _choice(label: StrOrPromise, choices: Sequence[tuple[str, StrOrPromise]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[*BLANK, *choices], required=False)


class ScreeningForm(forms.Form):
    org = forms.ChoiceField(label=gettext_lazy("调解委员会"), required=False)
    period_start = _date(gettext_lazy("排查开始日期"))
    period_end = _date(gettext_lazy("排查结束日期"))
    places = _text(gettext_lazy("排查地点"), 2000, rows=2)
    note = _text(gettext_lazy("备注"), 2000, rows=2)

    def __init__(self, *args: Any, orgs: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field = cast(forms.ChoiceField, self.fields["org"])
        org_field.choices = [
            *BLANK,
            *((str(o.pk), o.name) for o in orgs),
        ]
        if len(orgs) == 1:
            self.fields["org"].initial = str(orgs[0].pk)


class FindingRowForm(forms.Form):
    summary = _text(gettext_lazy("发现的纠纷"), 5000, rows=2)
    category = _choice(gettext_lazy("纠纷类型"), Category.choices)
    risk = _choice(gettext_lazy("风险等级"), RiskLevel.choices)


class ConsultationForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("渠道"),
        choices=[(c.value, c.label) for c in CONSULTATION_CHANNELS],
        required=False,
    )
    topic = _choice(gettext_lazy("咨询类别"), ConsultationTopic.choices)
    category = _choice(gettext_lazy("涉及纠纷类型"), Category.choices)
    caller_name = _text(gettext_lazy("来电（访）人"), 50)
    caller_phone = _text(gettext_lazy("联系电话"), 30)
    question = _text(gettext_lazy("咨询问题"), 5000, rows=3)
    answer = _text(gettext_lazy("解答内容"), 5000, rows=3)


def _put_errors(
    form: forms.Form, errors: dict[str, list[str]], rows: Sequence[forms.Form] = ()
) -> None:
    """Service messages next to the fields they name (`found[1].summary` → row 1)."""
    for key, msgs in errors.items():
        target, name = form, key
        if key.startswith("found[") and "]." in key:
            index, name = key[len("found[") :].split("].", 1)
            target = (
                rows[int(index)]
                if (index.isascii() and index.isdigit()) and int(index) < len(rows)
                else form
            )
        field = name if name in target.fields else None
        for m in msgs:
            target.add_error(field, m)


# -- screening -------------------------------------------------------------------------


@login_required
def screening_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    orgs = policies.screening_recorders(user)
    if not policies.may_see_screenings(user, orgs):
        return render(request, "error.html", {"message": _("您无权查看排查记录")}, status=403)
    status = 200
    form = ScreeningForm(request.POST or None, orgs=orgs)
    rows = [FindingRowForm(request.POST or None, prefix=f"found-{i}") for i in range(FOUND_ROWS)]
    if request.method == "POST" and orgs:
        found: list[dict[str, str]] = []
        for row in rows:
            d = {k: (row.data.get(row.add_prefix(k)) or "").strip() for k in row.fields}
            if any(d.values()):
                found.append(d)
        data: dict[str, Any] = {k: (request.POST.get(k) or "").strip() for k in form.fields}
        data["found"] = found
        try:
            round_ = prevention.record_screening(user, data)
        except DomainError as exc:
            form.is_valid()
            _put_errors(form, exc.errors or {"__all__": [exc.detail]}, rows)
            status = 400 if isinstance(exc, InvalidFields) else 403
        else:
            messages.success(
                request,
                _("已登记排查情况：发现纠纷%(n)d件") % {"n": round_.found.count()},
            )
            return redirect("screening_list")
    rounds = (
        policies.visible_screenings(user)
        .select_related("org")
        .prefetch_related("found__case")[:100]
    )
    month = timezone.localdate().replace(day=1)
    supervisor = policies.is_supervisor(user)
    unscreened = prevention.committees_without_screening(month) if supervisor else None
    return render(
        request,
        "prevention/screenings.html",
        {
            "nav": "screenings",
            "form": form if orgs else None,
            "rows": rows,
            "rounds": rounds,
            "unscreened": unscreened,
            "month": month,
        },
        status=status,
    )


@login_required
def screening_register(request: AuthedRequest, pk: int, fid: int) -> HttpResponse:
    try:
        finding = prevention.get_finding(request.user, pk, fid)
    except NotVisible:
        return render(request, "error.html", {"message": _("排查记录不存在")}, status=404)
    if finding.case_id:
        messages.info(request, _("该纠纷已登记为案件"))
        return redirect("case_detail", pk=finding.case_id)
    initial = {
        "org": str(finding.round.org_id),
        "channel": Channel.PROACTIVE,
        "category": finding.category,
        "summary": finding.summary,
        "region": finding.round.org.region,
    }
    origin = _("来源：%(org)s %(start)s至%(end)s排查发现的纠纷（风险：%(risk)s）") % {
        "org": finding.round.org.name,
        "start": finding.round.period_start.isoformat(),
        "end": finding.round.period_end.isoformat(),
        "risk": finding.get_risk_display(),
    }
    return intake_page(
        request,
        lambda body: prevention.register_finding(request.user, pk, fid, body),
        initial=initial,
        parties=finding.parties or None,
        origin=origin,
    )


# -- consultations ---------------------------------------------------------------------


@login_required
def consultation_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    desks = policies.consultation_orgs(user)
    if not policies.may_see_consultations(user, desks):
        return render(request, "error.html", {"message": _("您无权查看法律咨询")}, status=403)
    status = 200
    form = ConsultationForm(request.POST or None) if desks else None
    if request.method == "POST" and form is not None:  # a form: the user has a desk
        data = {k: (request.POST.get(k) or "").strip() for k in form.fields}
        try:
            prevention.record_consultation(user, data)
        except DomainError as exc:
            form.is_valid()
            _put_errors(form, exc.errors or {"__all__": [exc.detail]})
            status = 400 if isinstance(exc, InvalidFields) else 403
        else:
            messages.success(request, _("已登记法律咨询"))
            return redirect("consultation_list")
    rows = []
    for c in policies.visible_consultations(user).select_related("case")[:100]:
        phone = c.caller_phone if policies.sees_caller(user, c) else mask_phone(c.caller_phone)
        may_register = policies.may_register_consultation(user, c, desks)
        rows.append({"c": c, "phone": phone, "may_register": may_register})
    return render(
        request,
        "prevention/consultations.html",
        {"nav": "consultations", "form": form, "rows": rows},
        status=status,
    )


@login_required
def consultation_register(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        c = prevention.get_consultation(request.user, pk)
    except NotVisible:
        return render(request, "error.html", {"message": _("咨询记录不存在")}, status=404)
    if c.case_id:
        messages.info(request, _("该咨询已登记为案件"))
        return redirect("case_detail", pk=c.case_id)
    initial = {"channel": c.channel, "category": c.category, "summary": c.question}
    parties = [
        {
            "role": PartyRole.APPLICANT,
            "kind": PartyKind.PERSON,
            "name": c.caller_name,
            "phone": c.caller_phone,
        },
        {"role": PartyRole.RESPONDENT, "kind": PartyKind.PERSON},
    ]
    origin = _("来源：%(channel)s法律咨询（%(topic)s），%(at)s") % {
        "channel": c.get_channel_display(),
        "topic": c.get_topic_display(),
        "at": timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
    }
    return intake_page(
        request,
        lambda body: prevention.register_consultation(request.user, pk, body),
        initial=initial,
        parties=parties,
        origin=origin,
    )

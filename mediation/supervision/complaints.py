"""Complaints against mediators or organisations and the negative list (DESIGN.md §8).

One door for every change: `submit` (anyone, from the portal or the API) and `perform`
(supervisors): permission, fields, the FSM method and one AuditEvent in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed, can_proceed

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.law import clocks
from mediation.law.choices import MEDIATING_KINDS, Role
from mediation.law.identity import NameField, validate_phone
from mediation.law.jsonform import JsonForm, errors_of
from mediation.law.limits import Stage
from mediation.models import (
    AuditEvent,
    Case,
    Complaint,
    Membership,
    NegativeListEntry,
    Organization,
)
from mediation.policies import Actor


def complaint_due(received_at: dt.datetime) -> tuple[dt.datetime, str]:
    """The handling deadline of a complaint and its basis, from the legal-clocks table
    (stage `complaint_handle`; no statute fixes it, the bureau's own limit is seeded)."""
    c = clocks.clock(Stage.COMPLAINT_HANDLE, received_at)
    return c.due, c.basis


def audit(
    type_: str,
    actor: Actor | None,
    payload: dict[str, Any],
    *,
    complaint: Complaint | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        type=type_,
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        complaint=complaint,
        payload=payload,
    )


class SubmitForm(JsonForm):
    org = forms.IntegerField(label=gettext_lazy("被投诉组织"))
    mediator = forms.IntegerField(label=gettext_lazy("被投诉调解员"), required=False)
    case_number = forms.CharField(label=gettext_lazy("相关案号"), max_length=64, required=False)
    complainant = NameField(label=gettext_lazy("投诉人姓名"), max_length=50)
    contact = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=30,
        error_messages={"required": gettext_lazy("请留下联系电话，以便告知处理结果")},
    )
    facts = forms.CharField(
        label=gettext_lazy("投诉事实"),
        max_length=4000,
        error_messages={"required": gettext_lazy("请写明投诉的事实和理由")},
    )

    def clean_contact(self) -> str:
        return validate_phone(self.cleaned_data["contact"])

    def clean_org(self) -> Organization:
        org = Organization.objects.filter(pk=self.cleaned_data["org"]).first()
        if org is None or org.kind not in MEDIATING_KINDS:
            raise forms.ValidationError(_("请选择被投诉的调解组织"))
        return org

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        org, mediator_id = data.get("org"), data.get("mediator")
        if org is not None and mediator_id:
            member = Membership.objects.filter(
                org=org, user_id=mediator_id, role__in=[Role.MEDIATOR, Role.ORG_HEAD]
            ).first()
            if member is None:
                self.add_error("mediator", _("该调解员不属于所选组织"))
            else:
                data["mediator_user"] = member.user
        number = (data.get("case_number") or "").strip()
        # The same answer whether or not the number exists (an anonymous form must not
        # tell which case numbers are real): a known case is linked, an unknown number is
        # kept as the complainant wrote it, for the supervisor to check.
        data["case"] = Case.objects.filter(number=number).only("pk").first() if number else None
        if number and data["case"] is None and data.get("facts"):
            data["facts"] = (
                _("【投诉人填写的案号：%(n)s（系统中未找到）】") % {"n": number} + data["facts"]
            )
        return data


def submit(
    data: dict[str, Any], *, actor: Actor | None = None, now: dt.datetime | None = None
) -> Complaint:
    now = now or timezone.now()
    form = SubmitForm(data or {})
    if not form.is_valid():
        raise InvalidFields(_("投诉内容不完整"), errors_of(form))
    f = form.cleaned_data
    due, basis = complaint_due(now)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            org=f["org"],
            mediator=f.get("mediator_user"),
            case=f.get("case"),
            complainant=f["complainant"],
            contact=f["contact"],
            facts=f["facts"],
            received_at=now,
            due_at=due,
            due_basis=basis,
        )
        audit("complaint.received", actor, {"state": complaint.state}, complaint=complaint, at=now)
    return complaint


class NoteForm(JsonForm):
    note = forms.CharField(label=gettext_lazy("办理情况"), max_length=4000)


class ConclusionForm(JsonForm):
    conclusion = forms.CharField(label=gettext_lazy("处理结论"), max_length=4000)


class UpholdForm(ConclusionForm):
    # An upheld complaint may put the conduct on the negative list (不良执业信息).
    negative_list = forms.BooleanField(label=gettext_lazy("记入不良执业信息"), required=False)
    conduct = forms.CharField(label=gettext_lazy("不良执业行为"), max_length=500, required=False)
    occurred_on = forms.DateField(label=gettext_lazy("发生日期"), required=False)
    until = forms.DateField(label=gettext_lazy("公示截止日期"), required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("negative_list"):
            for field in ("conduct", "occurred_on", "until"):
                if not data.get(field) and field not in self.errors:
                    self.add_error(field, _("记入不良执业信息时必须填写此项"))
            start, end = data.get("occurred_on"), data.get("until")
            if start and end and end <= start:
                self.add_error("until", _("公示截止日期须晚于发生日期"))
            today = timezone.localdate()
            if start and start > today:
                self.add_error("occurred_on", _("发生日期不得晚于今天"))
        return data


TRANSITIONS = {
    "investigate": (NoteForm, gettext_lazy("开始调查")),
    "uphold": (UpholdForm, gettext_lazy("投诉成立")),
    "dismiss": (ConclusionForm, gettext_lazy("投诉不成立")),
}


def available(complaint: Complaint, user: Actor) -> list[str]:
    if not policies.may_supervise(user):
        return []
    return [n for n in TRANSITIONS if can_proceed(getattr(complaint, n))]


def perform(
    complaint_id: int | str,
    name: str,
    user: User,
    data: dict[str, Any] | None = None,
    *,
    now: dt.datetime | None = None,
) -> Complaint:
    """Run a complaint transition; 404 / 403 / 409 / 400, nothing written on any."""
    if name not in TRANSITIONS:
        raise NotVisible(_("没有名为“%(name)s”的操作") % {"name": name})
    now = now or timezone.now()
    try:
        with transaction.atomic():
            complaint = (
                policies.visible_complaints(user)
                .select_for_update()
                .filter(pk=complaint_id)
                .first()
            )
            if complaint is None:
                raise NotVisible(_("投诉不存在"))
            if not policies.may_supervise(user):
                raise NotPermitted(_("只有司法局监督管理人员可以办理投诉"))
            form_class, _label = TRANSITIONS[name]
            form = form_class(data or {})
            method = getattr(complaint, name)
            if not can_proceed(method):
                raise StateConflict(
                    _("投诉当前状态为“%(s)s”，不能执行此操作")
                    % {"s": complaint.get_state_display()},
                    complaint.state,
                )
            if not form.is_valid():
                raise InvalidFields(_("提交的内容有误"), errors_of(form))
            f = form.cleaned_data
            source = complaint.state
            if name == "investigate":
                method(at=now, handler=user)
            else:
                method(at=now, conclusion=f["conclusion"])
            complaint.save()
            payload = {"transition": name, "from": source, "to": complaint.state}
            payload["note"] = f.get("note") or f.get("conclusion") or ""
            if name == "uphold" and f.get("negative_list"):
                entry = NegativeListEntry.objects.create(
                    mediator=complaint.mediator,
                    org=complaint.org,
                    complaint=complaint,
                    conduct=f["conduct"],
                    occurred_on=f["occurred_on"],
                    until=f["until"],
                    created_at=now,
                    created_by=user,
                )
                payload["negative_entry"] = entry.pk
            audit("complaint.transitioned", user, payload, complaint=complaint, at=now)
    except (ConcurrentTransition, TransitionNotAllowed):
        current = Complaint.objects.filter(pk=complaint_id).values_list("state", flat=True).first()
        raise StateConflict(_("投诉状态已被他人更改，请刷新后重试"), current or "") from None
    return complaint


def active_entries(
    user_ids: Iterable[int] | None = None,
    org_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
) -> QuerySet[NegativeListEntry]:
    """Negative-list entries still in force (until today or later)."""
    today = today or timezone.localdate()
    qs = NegativeListEntry.objects.filter(until__gte=today).select_related("org", "mediator")
    if user_ids is not None:
        qs = qs.filter(mediator_id__in=list(user_ids))
    if org_ids is not None:
        qs = qs.filter(org_id__in=list(org_ids))
    return qs


def warnings_for(user_ids: Iterable[int], today: dt.date | None = None) -> dict[int, list[str]]:
    """{mediator id: ["不良执业信息：… （至 2027-05-01）"]} for the assignment forms."""
    out: dict[int, list[str]] = {}
    # Four columns, no joins (values_list drops active_entries' select_related): every
    # accept and reassign answers with these.
    rows = active_entries(user_ids=user_ids, today=today)
    for mediator, conduct, start, until in rows.values_list(
        "mediator_id", "conduct", "occurred_on", "until"
    ):
        out.setdefault(mediator, []).append(
            _("不良执业信息：%(what)s（%(start)s 至 %(until)s）")
            % {"what": conduct, "start": start, "until": until}
        )
    return out

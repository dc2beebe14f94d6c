"""Fields and business conditions of each transition (DESIGN.md §3 and §6).

One form per transition: it validates the caller's fields against the case and yields the
keyword arguments of the django-fsm method, plus the rows written beside it. Messages are
the UI's (Chinese, through gettext).
"""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import clocks, policies
from .choices import (
    MEDIATING_KINDS,
    ROUTE_TARGET_KIND,
    AgreementForm,
    Channel,
    FailReason,
    HandoffKind,
    Network,
    OrgKind,
    ReferRoute,
    Role,
    State,
)
from .jsonform import JsonForm
from .limits import Stage
from .models import Agreement, Membership, Organization


def _open_court_referral(case):
    return (
        case.handoffs.filter(kind=HandoffKind.COURT_REFERRAL, status="open").order_by("-id").first()
        if case.channel == Channel.COURT_REFERRAL
        else None
    )


def mediation_clock(case, now, referral=None) -> clocks.Clock:
    """The mediation time limit, set at acceptance (mediation.clocks). A court referral
    runs from the day the organisation signs for the court's materials — acceptance —
    unless the court's letter fixed its own date."""
    if referral is not None:
        if referral.data.get("due_set_by_court") and referral.due_at:
            basis = _("法院委派/委托调解函指定的调解期限")
            return clocks.fixed_clock(Stage.MEDIATION, now, referral.due_at, basis)
        return clocks.mediation_clock(case, now, referral=referral.data)
    return clocks.mediation_clock(case, now)


def restarted_mediation_clock(case, now) -> clocks.Clock:
    """Mediation taken up again (resume, reopen): a new period from today."""
    return clocks.clock(Stage.MEDIATION, now, case.network, case.category)


def refer_routes(network: str) -> list[str]:
    if network == Network.JUDICIAL:
        return [ReferRoute.LITIGATION]
    if network == Network.ADMINISTRATIVE:
        return [
            ReferRoute.ARBITRATION,
            ReferRoute.LITIGATION,
            ReferRoute.ADMINISTRATIVE_ADJUDICATION,
            ReferRoute.LEGAL_AID,
        ]
    return [ReferRoute.ARBITRATION, ReferRoute.LITIGATION, ReferRoute.LEGAL_AID]


LEGAL_AID_REFUSAL = gettext_lazy(
    "当事人均不符合法律援助条件：须为经济困难（低收入、建档立卡户）或属老年人、残疾人、"
    "军人军属、退役军人等群体（《中华人民共和国法律援助法》第三十一条、第四十二条）"
)


class MustBeTrue(forms.BooleanField):
    """A consent checkbox: absent or false is a field error, not a silent default."""

    def __init__(self, message, **kwargs):
        super().__init__(required=True, error_messages={"required": message}, **kwargs)


class TransitionForm(JsonForm):
    """Base: bound to the case, the acting user and the operation's single `now`."""

    label = ""

    def __init__(self, data, *, case, user, now):
        super().__init__(data)
        self.case, self.user, self.now = case, user, now

    def method_kwargs(self) -> dict:
        return {}

    def after(self, case) -> None:
        """Rows written beside the state change, inside the same transaction."""

    def event_data(self) -> dict:
        """Extra fields recorded in the CaseEvent (free text stays in the case record)."""
        return {}

    def _org_member(self, user_id, field):
        roles = [Role.MEDIATOR, Role.ORG_HEAD]
        member = (
            Membership.objects.select_related("user")
            .filter(user_id=user_id, user__is_active=True, org_id=self.case.org_id, role__in=roles)
            .first()
        )
        if member is not None:
            return member.user
        # Not a mediator here: find out which message applies.
        User = get_user_model()
        try:
            user = User.objects.get(pk=user_id, is_active=True)
        except (User.DoesNotExist, ValueError, TypeError):
            self.add_error(field, _("用户不存在"))
            return None
        if not Membership.objects.filter(
            user=user, org_id=self.case.org_id, role__in=[Role.MEDIATOR, Role.ORG_HEAD]
        ).exists():
            self.add_error(field, _("该用户不是本组织的调解员"))
            return None
        return user


class AcceptForm(TransitionForm):
    label = gettext_lazy("受理")
    mediator = forms.IntegerField(label=gettext_lazy("调解员"))

    def clean(self):
        data = super().clean()
        if "mediator" in data:
            data["mediator_user"] = self._org_member(data["mediator"], "mediator")
        return data

    def method_kwargs(self):
        referral = _open_court_referral(self.case)
        self._clock = mediation_clock(self.case, self.now, referral)
        kwargs = {"mediator": self.cleaned_data["mediator_user"], "clock": self._clock}
        if referral is not None:
            # Accepting a court's referral is signing for its materials (签收移交材料).
            kwargs["materials_received_at"] = self.now
        self._referral = referral
        return kwargs

    def after(self, case):
        referral = getattr(self, "_referral", None)
        if referral is not None:
            referral.due_at = case.due_at
            referral.data = {**referral.data, "materials_received_at": self.now.isoformat()}
            referral.save(update_fields=["due_at", "data"])

    def event_data(self):
        return {"mediator": self.cleaned_data["mediator"]}


class DeclineForm(TransitionForm):
    label = gettext_lazy("不予受理")
    reason = forms.CharField(label=gettext_lazy("不予受理理由"), max_length=2000)
    routes = forms.CharField(label=gettext_lazy("告知的其他途径"), max_length=2000)

    def method_kwargs(self):
        return {"reason": self.cleaned_data["reason"], "routes": self.cleaned_data["routes"]}


class TransferForm(TransitionForm):
    label = gettext_lazy("移交")
    target_org = forms.IntegerField(label=gettext_lazy("接收组织"))
    reason = forms.CharField(label=gettext_lazy("移交理由"), max_length=2000)

    def clean_target_org(self):
        org = Organization.objects.filter(pk=self.cleaned_data["target_org"]).first()
        if org is None:
            raise forms.ValidationError(_("接收组织不存在"))
        if org.kind not in MEDIATING_KINDS:
            raise forms.ValidationError(
                _("只能移交给调解组织（人民调解委员会、行政机关、法院或律师调解工作室）")
            )
        if org.pk == self.case.org_id:
            raise forms.ValidationError(_("接收组织与当前组织相同"))
        return org

    def method_kwargs(self):
        return {
            "target_org": self.cleaned_data["target_org"],
            "clock": clocks.acceptance_clock(self.case, self.now),
        }

    def event_data(self):
        return {
            "from_org": self.case.org_id,
            "target_org": self.cleaned_data["target_org"].pk,
            "reason": self.cleaned_data["reason"],
        }


class BeginForm(TransitionForm):
    label = gettext_lazy("开始调解")
    consent = MustBeTrue(
        gettext_lazy("人民调解遵循自愿原则，须记录被申请人同意调解"),
        label=gettext_lazy("被申请人同意调解"),
    )


class ExtendForm(TransitionForm):
    label = gettext_lazy("延长期限")
    due_at = forms.DateTimeField(label=gettext_lazy("新期限"))
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=2000)
    consent = MustBeTrue(
        gettext_lazy("延长调解期限须经双方当事人同意"), label=gettext_lazy("当事人同意延期")
    )

    def clean_due_at(self):
        due = self.cleaned_data["due_at"]
        if self.case.due_at and due <= self.case.due_at:
            raise forms.ValidationError(_("新期限须晚于当前期限"))
        if due <= self.now:
            raise forms.ValidationError(_("新期限须晚于当前时间"))
        return due

    def method_kwargs(self):
        case, due = self.case, self.cleaned_data["due_at"]
        previous = timezone.localtime(case.due_at).date().isoformat() if case.due_at else ""
        basis = _("经当事人同意延长调解期限（原期限 %(previous)s）；原依据：%(basis)s") % {
            "previous": previous,
            "basis": case.due_basis or "—",
        }
        start = case.due_from or case.accepted_at or self.now
        clock = clocks.fixed_clock(Stage.MEDIATION, start, due, basis[:400], case.due_unit)
        return {"clock": clock}

    def event_data(self):
        return {
            "due_at": self.cleaned_data["due_at"].isoformat(),
            "previous_due_at": self.case.due_at.isoformat() if self.case.due_at else None,
        }


class ReassignForm(AcceptForm):
    label = gettext_lazy("更换调解员")
    reason = forms.CharField(label=gettext_lazy("更换理由"), max_length=2000)

    def method_kwargs(self):
        return {"mediator": self.cleaned_data["mediator_user"]}

    def event_data(self):
        return {
            "mediator": self.cleaned_data["mediator"],
            "previous_mediator": self.case.mediator_id,
        }


class ReachAgreementForm(TransitionForm):
    label = gettext_lazy("达成协议")
    form = forms.ChoiceField(label=gettext_lazy("协议形式"), choices=AgreementForm.choices)
    terms = forms.CharField(label=gettext_lazy("协议内容"), max_length=20000)
    performance_method = forms.CharField(label=gettext_lazy("履行方式"), max_length=2000)
    performance_due = forms.DateField(label=gettext_lazy("履行期限"))
    effective_date = forms.DateField(label=gettext_lazy("生效日期"))
    concerns_status = forms.BooleanField(label=gettext_lazy("涉及身份关系"), required=False)

    def clean(self):
        data = super().clean()
        eff, due = data.get("effective_date"), data.get("performance_due")
        if eff and due and due < eff:
            self.add_error("performance_due", _("履行期限不得早于协议生效日期"))
        return data

    def after(self, case):
        d = self.cleaned_data
        Agreement.objects.create(
            case=case,
            form=d["form"],
            terms=d["terms"],
            performance_method=d["performance_method"],
            performance_due=d["performance_due"],
            effective_date=d["effective_date"],
            concerns_status=d["concerns_status"],
            created_at=self.now,
            created_by=self.user,
        )

    def event_data(self):
        return {"form": self.cleaned_data["form"]}


class FailForm(TransitionForm):
    label = gettext_lazy("终止调解")
    reason = forms.ChoiceField(label=gettext_lazy("终止原因"), choices=FailReason.choices)
    routes = forms.CharField(label=gettext_lazy("告知的其他途径"), max_length=2000)
    # Lawyer mediation only: the facts both sides accept, recorded for a later suit
    # (《关于开展律师调解试点工作的意见》).
    undisputed_facts = forms.CharField(
        label=gettext_lazy("无争议事实（律师调解）"), max_length=20000, required=False
    )

    def clean_undisputed_facts(self):
        value = (self.cleaned_data.get("undisputed_facts") or "").strip()
        if value and self.case.network != Network.LAWYER:
            raise forms.ValidationError(_("无争议事实记载仅适用于律师调解"))
        return value

    def method_kwargs(self):
        return {
            "reason": self.cleaned_data["reason"],
            "routes": self.cleaned_data["routes"],
            "undisputed_facts": self.cleaned_data["undisputed_facts"],
        }

    def event_data(self):
        return {"reason": self.cleaned_data["reason"]}


class NoteForm(TransitionForm):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000)


class WithdrawForm(NoteForm):
    label = gettext_lazy("撤回")

    def method_kwargs(self):
        return {"note": self.cleaned_data["note"]}


class RequestConfirmationForm(TransitionForm):
    label = gettext_lazy("申请司法确认")
    court = forms.IntegerField(label=gettext_lazy("受理法院"))
    joint_application = MustBeTrue(
        gettext_lazy("司法确认须由双方当事人共同申请（一方申请须经另一方同意）"),
        label=gettext_lazy("双方共同申请"),
    )

    def clean_court(self):
        org = Organization.objects.filter(pk=self.cleaned_data["court"]).first()
        if org is None or org.kind != OrgKind.COURT:
            raise forms.ValidationError(_("请选择人民法院"))
        return org

    def clean(self):
        data = super().clean()
        agreement = self.case.current_agreement
        if agreement is None:
            raise forms.ValidationError(_("案件没有调解协议"))
        if agreement.concerns_status:
            raise forms.ValidationError(
                _("涉及婚姻、收养、亲子关系等身份关系的协议不能申请司法确认"), code="status"
            )
        today = timezone.localdate(self.now)
        window = clocks.rule(Stage.CONFIRMATION_APPLY, self.case.network, self.case.category)
        limit = clocks.last_day(agreement.effective_date, window.count, window.unit)
        if today > limit:
            raise forms.ValidationError(
                _("已超过协议生效之日起%(days)d日的申请期限（截止%(limit)s；%(basis)s）")
                % {"days": window.count, "limit": limit.isoformat(), "basis": window.basis},
                code="late",
            )
        return data

    def method_kwargs(self):
        return {
            "court": self.cleaned_data["court"],
            "clock": clocks.confirmation_clock(self.now),
        }

    def event_data(self):
        return {"court": self.cleaned_data["court"].pk}


class ConfirmForm(TransitionForm):
    label = gettext_lazy("确认有效")
    ruling_date = forms.DateField(label=gettext_lazy("裁定日期"), required=False)

    def method_kwargs(self):
        return {"ruling_date": self.cleaned_data.get("ruling_date") or timezone.localdate(self.now)}


class RejectConfirmationForm(ConfirmForm):
    label = gettext_lazy("不予确认")
    grounds = forms.CharField(label=gettext_lazy("不予确认理由"), max_length=4000)

    def method_kwargs(self):
        return {**super().method_kwargs(), "grounds": self.cleaned_data["grounds"]}


class ResumeForm(NoteForm):
    label = gettext_lazy("重新调解")

    def method_kwargs(self):
        return {"clock": restarted_mediation_clock(self.case, self.now)}


class ReopenForm(ResumeForm):
    label = gettext_lazy("重新启动调解")


class ReferForm(TransitionForm):
    label = gettext_lazy("移送")
    route = forms.ChoiceField(label=gettext_lazy("移送途径"), choices=ReferRoute.choices)
    target_org = forms.IntegerField(label=gettext_lazy("接收机构"), required=False)

    def clean(self):
        data = super().clean()
        route = data.get("route")
        if route and route not in refer_routes(self.case.network):
            self.add_error("route", _("该调解类型不能移送此途径"))
            return data
        target_id = data.get("target_org")
        data["target"] = None
        if route == ReferRoute.LEGAL_AID:
            if not policies.legal_aid_parties(self.case):
                self.add_error("route", LEGAL_AID_REFUSAL)
                return data
            if target_id is None:
                # The legal aid centre reviews the application itself (法律援助法 art 43).
                self.add_error("target_org", _("转法律援助须选择法律援助中心"))
                return data
        if route and target_id is not None:
            org = Organization.objects.filter(pk=target_id).first()
            if org is None:
                self.add_error("target_org", _("接收机构不存在"))
            elif org.kind != ROUTE_TARGET_KIND[route]:
                self.add_error("target_org", _("接收机构类型与移送途径不符"))
            else:
                data["target"] = org
        return data

    def method_kwargs(self):
        return {"route": self.cleaned_data["route"], "target_org": self.cleaned_data["target"]}

    def event_data(self):
        t = self.cleaned_data["target"]
        return {"route": self.cleaned_data["route"], "target_org": t.pk if t else None}


class RecordResultForm(TransitionForm):
    label = gettext_lazy("登记处理结果")
    result = forms.CharField(label=gettext_lazy("处理结果"), max_length=4000)

    def method_kwargs(self):
        return {"result": self.cleaned_data["result"]}


class CloseForm(TransitionForm):
    label = gettext_lazy("结案")
    note = forms.CharField(label=gettext_lazy("结案说明"), max_length=2000, required=False)

    def clean(self):
        data = super().clean()
        case = self.case
        needs_follow_up = case.network == Network.PEOPLE and case.state in (
            State.AGREED,
            State.CONFIRMED,
        )
        if needs_follow_up and not case.follow_ups.exists():
            raise forms.ValidationError(
                _("人民调解达成协议的案件结案前须有回访记录（协议履行情况）"), code="follow_up"
            )
        return data


class ArchiveForm(TransitionForm):
    label = gettext_lazy("归档")


FORMS: dict[str, type[TransitionForm]] = {
    "accept": AcceptForm,
    "decline": DeclineForm,
    "transfer": TransferForm,
    "begin": BeginForm,
    "extend": ExtendForm,
    "reassign": ReassignForm,
    "reach_agreement": ReachAgreementForm,
    "fail": FailForm,
    "withdraw": WithdrawForm,
    "request_confirmation": RequestConfirmationForm,
    "confirm": ConfirmForm,
    "reject_confirmation": RejectConfirmationForm,
    "resume": ResumeForm,
    "reopen": ReopenForm,
    "refer": ReferForm,
    "record_result": RecordResultForm,
    "close": CloseForm,
    "archive": ArchiveForm,
}
TRANSITION_NAMES = tuple(FORMS)


def describe_fields(name: str) -> list[dict]:
    """Field list of a transition for `available_transitions` (name, label, required, type)."""
    out = []
    for fname, field in FORMS[name].base_fields.items():
        kind = {
            forms.IntegerField: "integer",
            forms.BooleanField: "boolean",
            MustBeTrue: "boolean",
            forms.DateField: "date",
            forms.DateTimeField: "datetime",
            forms.ChoiceField: "choice",
        }.get(type(field), "string")
        item = {"name": fname, "label": str(field.label), "required": field.required, "type": kind}
        if isinstance(field, forms.ChoiceField):
            item["choices"] = [c for c, _label in field.choices]
        out.append(item)
    return out

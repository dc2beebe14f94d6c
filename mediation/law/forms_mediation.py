"""The transition forms of the mediation itself (DESIGN.md §3 and §6): acceptance, the
clock, the agreement or failure, the routes onward, closing and archiving."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation.law.parties import legal_aid_parties
from mediation.models import Case, Organization

from . import clocks, handoffs
from .case_rules import closing_follow_up_error
from .choices import (
    MEDIATING_KINDS,
    ROUTE_TARGET_KIND,
    AgreementForm,
    ArbitrationScope,
    Category,
    FailReason,
    Network,
    ReferRoute,
    State,
)
from .forms_base import (
    MustBeTrue,
    NoteForm,
    TransitionForm,
    mediation_clock,
    open_court_referral,
    restarted_mediation_clock,
)
from .jsonform import DeadlineField
from .limits import Stage
from .remits import remit_error
from .routes import (
    LEGAL_AID_REFUSAL,
    NOT_ARBITRABLE,
    SCOPE_MISMATCH,
    WRITTEN_ONLY,
    agreement_forms,
    arbitration_scope,
    refer_routes,
)


class AcceptForm(TransitionForm):
    label = gettext_lazy("受理")
    mediator = forms.IntegerField(label=gettext_lazy("调解员"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "mediator" in data:
            data["mediator_user"] = self._org_member(data["mediator"], "mediator")
        return data

    def method_kwargs(self) -> dict[str, Any]:
        referral = open_court_referral(self.case)
        self._clock = mediation_clock(self.case, self.now, referral)
        kwargs = {"mediator": self.cleaned_data["mediator_user"], "clock": self._clock}
        if referral is not None:
            # Accepting a court's referral is signing for its materials (签收移交材料).
            kwargs["materials_received_at"] = self.now
        return kwargs

    def event_data(self) -> dict[str, Any]:
        return {"mediator": self.cleaned_data["mediator"]}


class DeclineForm(TransitionForm):
    label = gettext_lazy("不予受理")
    reason = forms.CharField(label=gettext_lazy("不予受理理由"), max_length=2000)
    routes = forms.CharField(label=gettext_lazy("告知的其他途径"), max_length=2000)

    def method_kwargs(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"], "routes": self.cleaned_data["routes"]}


class TransferForm(TransitionForm):
    label = gettext_lazy("移交")
    target_org = forms.IntegerField(label=gettext_lazy("接收组织"))
    reason = forms.CharField(label=gettext_lazy("移交理由"), max_length=2000)

    def clean_target_org(self) -> Organization:
        org = Organization.objects.filter(pk=self.cleaned_data["target_org"]).first()
        if org is None:
            raise forms.ValidationError(_("接收组织不存在"))
        if org.kind not in MEDIATING_KINDS:
            raise forms.ValidationError(
                _("只能移交给调解组织（人民调解委员会、行政机关、法院或律师调解工作室）")
            )
        if org.pk == self.case.org_id:
            raise forms.ValidationError(_("接收组织与当前组织相同"))
        error = remit_error(org, self.case.category)
        if error:
            raise forms.ValidationError(error)
        return org

    def method_kwargs(self) -> dict[str, Any]:
        return {
            "target_org": self.cleaned_data["target_org"],
            "clock": clocks.acceptance_clock(self.case, self.now),
        }

    def event_data(self) -> dict[str, Any]:
        return {
            "from_org": self.case.org_id,
            # The sender's number heads its 移送函, whatever the receiver numbers it later.
            "from_number": self.case.number,
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
    due_at = DeadlineField(label=gettext_lazy("新期限"))
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=2000)
    consent = MustBeTrue(
        gettext_lazy("延长调解期限须经双方当事人同意"), label=gettext_lazy("当事人同意延期")
    )

    def clean_due_at(self) -> dt.datetime:
        due = self.cleaned_data["due_at"]
        if self.case.due_at and due <= self.case.due_at:
            raise forms.ValidationError(_("新期限须晚于当前期限"))
        if due <= self.now:
            raise forms.ValidationError(_("新期限须晚于当前时间"))
        return due

    def method_kwargs(self) -> dict[str, Any]:
        case, due = self.case, self.cleaned_data["due_at"]
        previous = timezone.localtime(case.due_at).date().isoformat() if case.due_at else ""
        basis = _("经当事人同意延长调解期限（原期限 %(previous)s）；原依据：%(basis)s") % {
            "previous": previous,
            "basis": case.due_basis or "—",
        }
        start = case.due_from or case.accepted_at or self.now
        clock = clocks.fixed_clock(Stage.MEDIATION, start, due, basis[:400], case.due_unit)
        return {"clock": clock}

    def event_data(self) -> dict[str, Any]:
        return {
            "due_at": self.cleaned_data["due_at"].isoformat(),
            "previous_due_at": self.case.due_at.isoformat() if self.case.due_at else None,
        }


class _ClockChangeForm(TransitionForm):
    """Suspend or resume: clean() sets the changed clock the transition stores."""

    _clock: clocks.Clock

    def method_kwargs(self) -> dict[str, Any]:
        return {"clock": self._clock}


class SuspendClockForm(_ClockChangeForm):
    """Stop the mediation clock while the law says its days do not count."""

    label = gettext_lazy("暂停计算期限")
    reason = forms.CharField(
        label=gettext_lazy("暂停理由（如医疗损害鉴定，鉴定时间不计入调解期限）"), max_length=2000
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        current = clocks.clock_from_json(self.case.due_clock)
        if current is None:  # the model's condition refuses this first
            raise forms.ValidationError(_("该案件的期限不能暂停"))
        self._clock = clocks.paused(current, timezone.localdate(self.now))
        return data

    def event_data(self) -> dict[str, Any]:
        return {
            "reason": self.cleaned_data["reason"],
            "previous_due_at": self.case.due_at.isoformat() if self.case.due_at else None,
        }


class ResumeClockForm(_ClockChangeForm):
    label = gettext_lazy("恢复计算期限")
    reason = forms.CharField(label=gettext_lazy("恢复理由（如鉴定意见已送达）"), max_length=2000)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        current = clocks.clock_from_json(self.case.due_clock)
        if current is None or current.paused_since is None:
            raise forms.ValidationError(_("该案件的期限未暂停"))
        self._clock = clocks.resumed(current, timezone.localdate(self.now))
        return data

    def event_data(self) -> dict[str, Any]:
        return {
            "reason": self.cleaned_data["reason"],
            "due_at": self._clock.due.isoformat(),
            "paused_days": clocks.paused_days(self._clock),
        }


class ReassignForm(AcceptForm):
    label = gettext_lazy("更换调解员")
    reason = forms.CharField(label=gettext_lazy("更换理由"), max_length=2000)

    def method_kwargs(self) -> dict[str, Any]:
        return {"mediator": self.cleaned_data["mediator_user"]}

    def event_data(self) -> dict[str, Any]:
        return {
            "mediator": self.cleaned_data["mediator"],
            "previous_mediator": self.case.mediator_id,
        }


class ReachAgreementForm(TransitionForm):
    label = gettext_lazy("达成协议")
    form = forms.ChoiceField(label=gettext_lazy("协议形式"), choices=AgreementForm.choices)
    facts = forms.CharField(label=gettext_lazy("纠纷主要事实、争议事项"), max_length=20000)
    responsibilities = forms.CharField(label=gettext_lazy("各方当事人的责任"), max_length=20000)
    terms = forms.CharField(label=gettext_lazy("协议内容"), max_length=20000)
    performance_method = forms.CharField(label=gettext_lazy("履行方式"), max_length=2000)
    performance_due = forms.DateField(label=gettext_lazy("履行期限"))
    effective_date = forms.DateField(
        label=gettext_lazy("生效日期（书面协议：最后签名盖章之日）"), required=False
    )
    concerns_status = forms.BooleanField(label=gettext_lazy("涉及身份关系"), required=False)
    amount = forms.DecimalField(
        label=gettext_lazy("协议涉及金额（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )

    @classmethod
    def field_choices(cls, case: Case) -> dict[str, list[str]]:
        return {"form": agreement_forms(case.category)}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        form, eff = data.get("form"), data.get("effective_date")
        today = timezone.localdate(self.now)
        if form and form not in agreement_forms(self.case.category):
            self.add_error("form", str(WRITTEN_ONLY[self.case.category]))
            return data
        if form == AgreementForm.ORAL:
            if eff is not None:
                self.add_error(
                    "effective_date",
                    _(
                        "口头调解协议自各方当事人达成协议之日起生效，不填写生效日期"
                        "（《人民调解法》第三十条）"
                    ),
                )
                return data
            data["effective_date"] = eff = today
        elif form == AgreementForm.WRITTEN and "effective_date" not in self.errors:
            consent_at = self.case.respondent_consent_at
            began = timezone.localdate(consent_at) if consent_at else None
            if eff is None:
                self.add_error(
                    "effective_date",
                    _(
                        "书面调解协议须填写生效日期，即各方当事人签名、盖章或按指印，调解员签名"
                        "并加盖调解委员会印章之日（《人民调解法》第二十九条）"
                    ),
                )
            elif eff > today:
                self.add_error(
                    "effective_date",
                    _("协议自签名盖章之日起生效，生效日期不得晚于今天（《人民调解法》第二十九条）"),
                )
            elif began and eff < began:
                self.add_error(
                    "effective_date",
                    _("生效日期不得早于调解开始之日（%(date)s）（《人民调解法》第二十九条）")
                    % {"date": began.isoformat()},
                )
        due = data.get("performance_due")
        if eff and due and due < eff:
            self.add_error("performance_due", _("履行期限不得早于协议生效日期"))
        return data

    def event_data(self) -> dict[str, Any]:
        return {
            "form": self.cleaned_data["form"],
            "effective_date": self.cleaned_data["effective_date"].isoformat(),
        }


class FailForm(TransitionForm):
    label = gettext_lazy("终止调解")
    reason = forms.ChoiceField(label=gettext_lazy("终止原因"), choices=FailReason.choices)
    routes = forms.CharField(label=gettext_lazy("告知的其他途径"), max_length=2000)
    # Lawyer mediation only: the facts both sides accept, recorded for a later suit
    # (《关于开展律师调解试点工作的意见》).
    undisputed_facts = forms.CharField(
        label=gettext_lazy("无争议事实（律师调解）"), max_length=20000, required=False
    )

    # Labour disputes: when the worker knew of the infringement, so the mediator is warned
    # near the end of the one-year arbitration time bar (《劳动争议调解仲裁法》第二十七条).
    rights_known_on = forms.DateField(
        label=gettext_lazy("当事人知道或应当知道权利被侵害之日（劳动争议）"), required=False
    )

    def clean_undisputed_facts(self) -> str:
        value = (self.cleaned_data.get("undisputed_facts") or "").strip()
        if value and self.case.network != Network.LAWYER:
            raise forms.ValidationError(_("无争议事实记载仅适用于律师调解"))
        return value

    def clean_rights_known_on(self) -> dt.date | None:
        day = self.cleaned_data.get("rights_known_on")
        if day is None:
            return None
        if self.case.category != Category.LABOR:
            raise forms.ValidationError(_("仅劳动争议需要填写（仲裁时效）"))
        if day > timezone.localdate(self.now):
            raise forms.ValidationError(_("日期不能晚于今天"))
        return day

    def method_kwargs(self) -> dict[str, Any]:
        return {
            "reason": self.cleaned_data["reason"],
            "routes": self.cleaned_data["routes"],
            "undisputed_facts": self.cleaned_data["undisputed_facts"],
        }

    def event_data(self) -> dict[str, Any]:
        data = {"reason": self.cleaned_data["reason"]}
        known = self.cleaned_data.get("rights_known_on")
        if known is not None:
            data["rights_known_on"] = known.isoformat()
            data["time_bar_ends"] = clocks.labour_time_bar(known).isoformat()
        return data


class WithdrawForm(NoteForm):
    label = gettext_lazy("撤回")

    def method_kwargs(self) -> dict[str, Any]:
        return {"note": self.cleaned_data["note"]}


class ResumeForm(NoteForm):
    label = gettext_lazy("重新调解")

    def method_kwargs(self) -> dict[str, Any]:
        return {"clock": restarted_mediation_clock(self.case, self.now)}


class ReopenForm(ResumeForm):
    label = gettext_lazy("重新启动调解")
    consent = MustBeTrue(
        gettext_lazy(
            "重新调解须经双方当事人同意：调解遵循自愿原则，一方明确拒绝的不得调解"
            "（《人民调解法》第三条、第十七条）"
        ),
        label=gettext_lazy("双方当事人同意重新调解"),
    )


class ReferForm(TransitionForm):
    label = gettext_lazy("移送")
    route = forms.ChoiceField(label=gettext_lazy("移送途径"), choices=ReferRoute.choices)
    target_org = forms.IntegerField(label=gettext_lazy("接收机构"), required=False)
    arbitration_agreement = forms.BooleanField(
        label=gettext_lazy("当事人已达成仲裁协议"), required=False
    )

    @classmethod
    def field_choices(cls, case: Case) -> dict[str, list[str]]:
        return {"route": refer_routes(case)}

    def _route_error(self, route: str) -> str | None:
        case = self.case
        if route in refer_routes(case):
            return None
        if case.network == Network.JUDICIAL:
            return _("法院调解不成的，转入诉讼")
        if case.category == Category.LABOR:
            return _("劳动争议须先经劳动人事争议仲裁（《劳动争议调解仲裁法》第五条）")
        if route == ReferRoute.ARBITRATION and case.category in NOT_ARBITRABLE:
            return _("婚姻、收养、监护、扶养、继承纠纷不能仲裁（《仲裁法》第三条）")
        return _("只有行政调解可以告知行政裁决途径")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        route = data.get("route")
        if not route:
            return data
        error = self._route_error(route)
        if error:
            self.add_error("route", error)
            return data
        scope = arbitration_scope(self.case.category)
        if (
            route == ReferRoute.ARBITRATION
            and scope == ArbitrationScope.COMMERCIAL
            and not data.get("arbitration_agreement")
        ):
            self.add_error(
                "arbitration_agreement",
                _("申请仲裁须有当事人自愿达成的仲裁协议（《仲裁法》第四条）"),
            )
            return data
        target_id = data.get("target_org")
        data["target"] = None
        if route == ReferRoute.LEGAL_AID:
            if not legal_aid_parties(self.case):
                self.add_error("route", LEGAL_AID_REFUSAL)
                return data
            if target_id is None:
                # The legal aid centre reviews the application itself (法律援助法 art 43).
                self.add_error("target_org", _("转法律援助须选择法律援助中心"))
                return data
        if target_id is not None:
            org = Organization.objects.filter(pk=target_id).first()
            if org is None:
                self.add_error("target_org", _("接收机构不存在"))
            elif org.kind != ROUTE_TARGET_KIND[route]:
                self.add_error("target_org", _("接收机构类型与移送途径不符"))
            elif route == ReferRoute.ARBITRATION and org.scope != scope:
                self.add_error("target_org", str(SCOPE_MISMATCH[scope]))
            else:
                data["target"] = org
        return data

    def method_kwargs(self) -> dict[str, Any]:
        return {"route": self.cleaned_data["route"], "target_org": self.cleaned_data["target"]}

    def event_data(self) -> dict[str, Any]:
        t = self.cleaned_data["target"]
        return {
            "route": self.cleaned_data["route"],
            "target_org": t.pk if t else None,
            "arbitration_agreement": bool(self.cleaned_data.get("arbitration_agreement")),
        }


class RecordResultForm(TransitionForm):
    label = gettext_lazy("登记处理结果")
    result = forms.CharField(label=gettext_lazy("处理结果"), max_length=4000)

    def method_kwargs(self) -> dict[str, Any]:
        return {"result": self.cleaned_data["result"]}


class CloseForm(TransitionForm):
    label = gettext_lazy("结案")
    note = forms.CharField(label=gettext_lazy("结案说明"), max_length=2000, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        case = self.case
        needs_follow_up = case.network == Network.PEOPLE and case.state in (
            State.AGREED,
            State.CONFIRMED,
        )
        # A court's 调解书 or its leave to withdraw ends a referred case by itself.
        if needs_follow_up and handoffs.court_instrument(case):
            needs_follow_up = False
        if needs_follow_up and not case.follow_ups.exists():
            raise forms.ValidationError(
                _("人民调解达成协议的案件结案前须有回访记录（协议履行情况）"), code="follow_up"
            )
        error = closing_follow_up_error(case) if needs_follow_up else None
        if error:
            raise forms.ValidationError(error, code="follow_up_early")
        return data


class ArchiveForm(TransitionForm):
    label = gettext_lazy("归档")

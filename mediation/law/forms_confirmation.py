"""The transition forms of judicial confirmation (DESIGN.md §3 and §6; CPL art 205 and
民诉法解释 art 355): the application, the court's ruling and the withdrawal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.law.parties import agent_may_apply_error
from mediation.models import Organization

from . import clocks, handoffs, signing
from .choices import AgreementForm, ConfirmationRuling, Network, OrgKind, State
from .forms_base import NoteForm, PartyIdsField, TransitionForm
from .limits import Stage
from .routes import STATUS_OR_TITLE_CATEGORIES, court_jurisdiction_error


class RequestConfirmationForm(TransitionForm):
    label = gettext_lazy("申请司法确认")
    court = forms.IntegerField(label=gettext_lazy("受理法院"))
    applicants = PartyIdsField(label=gettext_lazy("申请人（当事人）"), required=False)
    joint_application = forms.BooleanField(label=gettext_lazy("全体当事人共同申请"), required=False)
    consent_of = PartyIdsField(label=gettext_lazy("同意申请的其他当事人"), required=False)
    # The mediator's record that every applicant signed the paper application (its scan
    # attached as kind signed_application); otherwise each applicant confirms online.
    paper_signatures = forms.BooleanField(
        label=gettext_lazy("全体申请人已在纸质申请书上签名"), required=False
    )
    concerns_status = forms.NullBooleanField(
        label=gettext_lazy("协议是否涉及婚姻、收养、亲子等身份关系"), required=False
    )
    concerns_title = forms.NullBooleanField(
        label=gettext_lazy("协议是否涉及物权或知识产权的确权"), required=False
    )

    def clean_court(self) -> Organization:
        org = Organization.objects.filter(pk=self.cleaned_data["court"]).first()
        if org is None or org.kind != OrgKind.COURT:
            raise forms.ValidationError(_("请选择人民法院"))
        error = court_jurisdiction_error(self.case, org)
        if error:
            raise forms.ValidationError(error)
        # Whether a court confirms administrative mediation agreements is its own practice
        # (a setting of the court, or of the basic court a tribunal belongs to).
        basic = org.parent if org.parent_id else org
        if self.case.network == Network.ADMINISTRATIVE and not (
            org.confirms_admin_agreements and (basic is None or basic.confirms_admin_agreements)
        ):
            raise forms.ValidationError(
                _("%(court)s不受理行政调解协议的司法确认申请（本院设置）") % {"court": org.name}
            )
        return org

    def _party_ids(self, field: str) -> list[int] | None:
        raw: Any = self.cleaned_data.get(field)
        if raw in (None, "", []):
            return []
        try:
            return sorted({int(x) for x in raw})
        except (TypeError, ValueError):
            self.add_error(field, _("应为当事人编号的列表"))
            return None

    def _clean_applicants(self, data: dict[str, Any]) -> None:
        links = list(self.case.case_parties.select_related("party"))
        parties = {link.party_id: link.party for link in links}
        applicants = self._party_ids("applicants")
        consent_of = self._party_ids("consent_of")
        if applicants is None or consent_of is None:
            return
        if data.get("joint_application"):
            applicants = applicants or sorted(parties)
        unknown = sorted((set(applicants) | set(consent_of)) - set(parties))
        if unknown:
            self.add_error("applicants", _("不是本案当事人：%(ids)s") % {"ids": unknown})
            return
        if not applicants:
            self.add_error(
                "applicants",
                _(
                    "司法确认须由双方当事人共同申请：请列出申请人（或注明全体当事人共同申请）"
                    "（《民事诉讼法》第二百零五条）"
                ),
            )
            return
        missing = set(parties) - set(applicants) - set(consent_of)
        if missing:
            names = "、".join(parties[pk].name for pk in sorted(missing))
            self.add_error(
                "applicants",
                _(
                    "司法确认须由双方当事人共同申请；一方申请的，须记录其他当事人的同意"
                    "（《民事诉讼法》第二百零五条）。未申请也未同意：%(names)s"
                )
                % {"names": names},
            )
            return
        for pk in applicants:
            error = agent_may_apply_error(parties[pk])
            if error:
                self.add_error("applicants", error)
                return
        methods = signing.application_methods(
            self.case, applicants, bool(data.get("paper_signatures"))
        )
        unconfirmed = [pk for pk in applicants if str(pk) not in methods]
        if unconfirmed:
            names = "、".join(parties[pk].name for pk in unconfirmed)
            self.add_error(
                "applicants",
                _(
                    "司法确认申请须由申请人本人提出（《民事诉讼法》第二百零五条，法释〔2011〕5号"
                    "第二条）：%(names)s尚未在网上确认申请；全体申请人已在纸质申请书上签名的，"
                    "请注明（paper_signatures）并上传申请书扫描件"
                )
                % {"names": names},
            )
            return
        data["applicant_ids"], data["consent_ids"] = applicants, sorted(consent_of)
        data["applied"] = methods

    def _clean_excluded_matters(self, data: dict[str, Any]) -> None:
        asks = self.case.category in STATUS_OR_TITLE_CATEGORIES
        questions = {
            "concerns_status": _(
                "涉及身份关系的调解协议不能申请司法确认（《最高人民法院关于适用〈中华人民共和国"
                "民事诉讼法〉的解释》第三百五十五条）"
            ),
            "concerns_title": _(
                "涉及物权、知识产权确权的调解协议不能申请司法确认（《最高人民法院关于适用"
                "〈中华人民共和国民事诉讼法〉的解释》第三百五十五条）"
            ),
        }
        for field, refusal in questions.items():
            answer = data.get(field)
            if answer is None and asks:
                self.add_error(
                    field,
                    _("本类纠纷须明确回答此项（是/否）（民诉法解释第三百五十五条）"),
                )
            elif answer:
                self.add_error(field, refusal)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        agreement = self.case.current_agreement
        if agreement is None:
            raise forms.ValidationError(_("案件没有调解协议"))
        if handoffs.referral_kind(self.case) == handoffs.POST_FILING:
            raise forms.ValidationError(str(handoffs.POST_FILING_NO_CONFIRMATION), code="filed")
        if agreement.form == AgreementForm.ORAL:
            raise forms.ValidationError(
                _(
                    "口头调解协议不能申请司法确认：申请须提交书面调解协议（《最高人民法院关于人民"
                    "调解协议司法确认程序的若干规定》法释〔2011〕5号第三条；民诉法解释第三百五十四条）"
                ),
                code="oral",
            )
        if agreement.concerns_status:
            raise forms.ValidationError(
                _(
                    "涉及婚姻、收养、亲子关系等身份关系的协议不能申请司法确认"
                    "（民诉法解释第三百五十五条）"
                ),
                code="status",
            )
        self._clean_applicants(data)
        self._clean_excluded_matters(data)
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

    def method_kwargs(self) -> dict[str, Any]:
        return {
            "court": self.cleaned_data["court"],
            "applicants": self.cleaned_data["applicant_ids"],
            "consent_of": self.cleaned_data["consent_ids"],
            "clock": clocks.confirmation_clock(self.now),
        }

    def event_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "court": d["court"].pk,
            "applicants": d["applicant_ids"],
            "consent_of": d["consent_ids"],
            "concerns_status": d.get("concerns_status"),
            "concerns_title": d.get("concerns_title"),
            "refiled": self.case.state == State.CONFIRMATION_REJECTED,
            # how each applicant applied (online / paper / paper_all): the clerk sees it
            "applied": d["applied"],
            "paper_signatures": bool(d.get("paper_signatures")),
        }


class ConfirmForm(TransitionForm):
    label = gettext_lazy("确认有效")
    ruling_date = forms.DateField(label=gettext_lazy("裁定日期"), required=False)

    def clean_ruling_date(self) -> dt.date | None:
        day = self.cleaned_data.get("ruling_date")
        if day is not None:
            agreement = self.case.current_agreement
            effective = agreement.effective_date if agreement else None
            error = handoffs.ruling_date_error(day, effective, timezone.localdate(self.now))
            if error:
                raise forms.ValidationError(error)
        return day

    def method_kwargs(self) -> dict[str, Any]:
        return {"ruling_date": self.cleaned_data.get("ruling_date") or timezone.localdate(self.now)}


class RejectConfirmationForm(ConfirmForm):
    label = gettext_lazy("不予确认")
    reason = forms.ChoiceField(
        label=gettext_lazy("不予受理理由（立案登记时）"),
        choices=handoffs.REFUSAL_REASONS,
        required=False,
    )
    grounds = forms.CharField(label=gettext_lazy("不予确认理由"), max_length=4000, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The clerk refuses before registration (不予受理), and only on the grounds of
        # 民诉法解释 art 355; after it only the judge rules on the merits (驳回申请, art 358)
        # — policies.RULES lets each act only at their stage.
        self.registered = policies.confirmation_registered(self.case)
        reason, grounds = data.get("reason") or "", (data.get("grounds") or "").strip()
        if not self.registered:
            if not reason:
                self.add_error("reason", str(handoffs.CLERK_REFUSES_ONLY_INTAKE))
            else:
                data["grounds"] = handoffs.refusal_grounds(reason, grounds)
        elif reason:
            self.add_error("reason", _("已立案的申请由法官裁定驳回，不再以不予受理事由裁定"))
        elif not grounds:
            self.add_error("grounds", _("请填写驳回申请的理由（民诉法解释第三百五十八条）"))
        return data

    def _ruling(self) -> str:
        return ConfirmationRuling.REJECTED if self.registered else ConfirmationRuling.NOT_ACCEPTED

    def method_kwargs(self) -> dict[str, Any]:
        return {
            **super().method_kwargs(),
            "grounds": self.cleaned_data["grounds"],
            "ruling": self._ruling(),
        }

    def event_data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ruling": self._ruling()}
        if not self.registered:
            out["reason"] = self.cleaned_data["reason"]
        return out


class WithdrawConfirmationForm(NoteForm):
    label = gettext_lazy("撤回司法确认申请")

    def method_kwargs(self) -> dict[str, Any]:
        return {"note": self.cleaned_data["note"]}

"""Arbitration / litigation / legal-aid referral 移送仲裁、诉讼、法律援助 (DESIGN.md §4.4).

Started when `refer` commits with a target organisation in the system. The mediating
body only advises: the parties file, so an arbitration commission or a court first
records the party's filing (referral.filing), and its clocks start on that day. The body
then acknowledges and later records its result, which closes the case (record_result);
an arbitration award may be put off once. A legal aid centre receives the application and
decides whether to grant aid: 给予援助 or 不予援助 with the reason. The periods and their
statutes are the law's (mediation.law.referrals).
"""

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.law import clocks, referrals
from mediation.law.choices import HandoffKind, State
from mediation.law.clocks import Clock
from mediation.models import Case

from .common import Data, DecisionForm, Decisions, FlowBase, iso, parse_iso, today
from .models import CaseProcess, CaseTask
from .nodes import CaseTaskNode


class FilingForm(DecisionForm):
    filed_on = forms.DateField(label=gettext_lazy("当事人提交申请（起诉）日期"))
    number = forms.CharField(label=gettext_lazy("收件编号"), max_length=64, required=False)

    def clean_filed_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["filed_on"]
        error = referrals.filing_day_error(day, self.task.process.coerced.handoff.opened_at)
        if error:
            raise forms.ValidationError(error)
        return day


class ExtendAwardForm(DecisionForm):
    days = forms.IntegerField(label=gettext_lazy("延长天数"), min_value=1)
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=2000)

    def clean_days(self) -> int:
        award = self.task.process.coerced.data.get("award") or {}
        days: int = self.cleaned_data["days"]
        error = referrals.award_extension_error(referrals.award_stage(award), days)
        if error:
            raise forms.ValidationError(error)
        return days


class AcceptForm(DecisionForm):
    # The mediating body only advises the route; the party files, and the receiving body
    # records that filing here (its own clocks run from it).
    filed_on = forms.DateField(label=gettext_lazy("当事人申请（起诉）日期"), required=False)
    number = forms.CharField(label=gettext_lazy("受理案号"), max_length=64, required=False)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000, required=False)


class DeclineForm(DecisionForm):
    reason = forms.CharField(label=gettext_lazy("不予受理理由"), max_length=2000)


class ResultForm(DecisionForm):
    result = forms.CharField(label=gettext_lazy("处理结果"), max_length=4000)


class ReceiveForm(DecisionForm):
    number = forms.CharField(label=gettext_lazy("申请编号"), max_length=64, required=False)


class GrantForm(DecisionForm):
    note = forms.CharField(
        label=gettext_lazy("援助安排（如指派的律师）"), max_length=2000, required=False
    )


class RefuseAidForm(DecisionForm):
    reason = forms.CharField(label=gettext_lazy("不予援助理由"), max_length=2000)


class ReferralFlow(FlowBase, flow.Flow):
    """移送仲裁/诉讼"""

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=gettext_lazy("移送"))
        .Next(this.needs_filing)
    )
    needs_filing = (
        flow.If(this.party_files)
        .Annotation(title=gettext_lazy("是否须当事人申请（起诉）"))
        .Then(this.filing)
        .Else(this.acknowledge)
    )
    filing = (
        CaseTaskNode(
            "referral.filing",
            org=this.target_of,
            forms=[("record", FilingForm)],
            handler=this.on_filing,
            expects=[State.REFERRED],
        )
        .Annotation(title=gettext_lazy("接收机构登记当事人申请"))
        .Next(this.acknowledge)
    )
    acknowledge = (
        CaseTaskNode(
            "referral.acknowledge",
            org=this.target_of,
            due=this.acknowledge_due,
            # A legal-aid centre's "accept" is a receipt only (ReceiveForm).
            forms=[("accept", AcceptForm), ("decline", DeclineForm), ("accept", ReceiveForm)],
            decisions=this.acknowledge_decisions,
            handler=this.on_acknowledge,
            expects=[State.REFERRED],
        )
        .Annotation(title=gettext_lazy("接收机构决定是否受理（法律援助中心：收到申请）"))
        .Next(this.is_accepted)
    )
    is_accepted = (
        flow.If(this.accepted)
        .Annotation(title=gettext_lazy("是否受理"))
        .Then(this.result)
        .Else(this.end)
    )
    result = (
        CaseTaskNode(
            "referral.result",
            org=this.target_of,
            due=this.result_due,
            forms=[
                ("record", ResultForm),
                ("extend", ExtendAwardForm),
                ("grant", GrantForm),
                ("refuse", RefuseAidForm),
            ],
            decisions=this.result_decisions,
            handler=this.on_result,
            expects=[State.REFERRED],
        )
        .Annotation(title=gettext_lazy("登记处理结果（法律援助中心：是否给予援助）"))
        .Next(this.is_extended)
    )
    is_extended = (
        flow.If(this.just_extended)
        .Annotation(title=gettext_lazy("是否延长裁决期限"))
        .Then(this.result)
        .Else(this.end)
    )
    end = flow.End().Annotation(title=gettext_lazy("移送结束"))

    def start_process(
        self, activation: Activation, case: Case, actor: User, now: dt.datetime
    ) -> CaseProcess:
        process = activation.process
        process.case = case
        assert case.referral_org is not None  # the flow starts only for a target in the system
        aid = (
            referrals.legal_aid_clock(now) if referrals.is_legal_aid(case.referral_route) else None
        )
        process.handoff = services.open_handoff(
            case,
            HandoffKind(case.referral_route),
            case.referral_org,
            actor,
            now,
            due_at=aid.due if aid else None,
            data={"clock": clocks.clock_json(aid)} if aid else None,
        )
        return process

    @staticmethod
    def _legal_aid(process: CaseProcess) -> bool:
        return referrals.is_legal_aid(process.case.referral_route)

    @staticmethod
    def _aid_clock(process: CaseProcess) -> Clock | dt.datetime | None:
        recorded = process.handoff.data.get("clock") or {}
        if not recorded:
            return process.handoff.due_at
        return referrals.legal_aid_fixed_clock(recorded)

    @staticmethod
    def _acknowledge_clock(case: Case, filed_at: dt.datetime | None) -> Clock | None:
        return referrals.acknowledge_clock(case.referral_route, case.category, filed_at)

    def party_files(self, activation: Activation) -> bool:
        return referrals.party_files(activation.process.case.referral_route)

    def target_of(self, process: CaseProcess) -> int | None:
        return process.case.referral_org_id

    def acknowledge_due(
        self, process: CaseProcess, prev: Activation, now: dt.datetime
    ) -> Clock | dt.datetime | None:
        if self._legal_aid(process):
            return self._aid_clock(process)
        return self._acknowledge_clock(process.case, parse_iso(process.data.get("filed_at")))

    def result_due(
        self, process: CaseProcess, prev: Activation, now: dt.datetime
    ) -> Clock | dt.datetime | None:
        if self._legal_aid(process):
            return self._aid_clock(process)
        award = process.data.get("award")
        if not award:
            return None
        return referrals.recorded_award_clock(award)  # counted again when the calendar changes

    def on_filing(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process, handoff = activation.process, activation.process.handoff
        filed_on = data["filed_on"]
        filed_at = referrals.filed_at(filed_on)
        process.data.update(filed_at=iso(filed_at), filing_number=data.get("number") or "")
        process.save(update_fields=["data"])
        ack = self._acknowledge_clock(process.case, filed_at)
        record: dict[str, Any] = {"filed_on": filed_on.isoformat()}
        if ack is not None:
            record["clock"] = clocks.clock_json(ack)
        services.update_handoff(handoff, record, due_at=ack.due if ack else None)
        return {"filed_on": filed_on.isoformat(), "due_at": iso(handoff.due_at)}

    def acknowledge_decisions(self, task: CaseTask) -> Decisions:
        if self._legal_aid(task.process.coerced):
            # Receipt only: whether to grant aid is the decision of the result step.
            return {"accept": ReceiveForm}
        return {"accept": AcceptForm, "decline": DeclineForm}

    def result_decisions(self, task: CaseTask) -> Decisions:
        if self._legal_aid(task.process.coerced):
            return {"grant": GrantForm, "refuse": RefuseAidForm}
        out: Decisions = {"record": ResultForm}
        data = task.process.coerced.data
        if data.get("award") and not data.get("award_extended"):
            out["extend"] = ExtendAwardForm
        return out

    def just_extended(self, activation: Activation) -> bool:
        prev = activation.task.previous.order_by("-pk").first()
        return bool(prev and prev.coerced.decision.get("decision") == "extend")

    def accepted(self, activation: Activation) -> bool:
        return bool(activation.process.data.get("accepted_at"))

    def on_acknowledge(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        handoff = process.handoff
        if decision == "accept":
            process.data.update(accepted_at=iso(now), number=data.get("number") or "")
            process.save(update_fields=["data"])
            filed_on = data.get("filed_on")
            if filed_on and filed_on > today(now):
                raise InvalidFields(_("提交的内容有误"), {"filed_on": [_("申请日期不得晚于今天")]})
            record: dict[str, Any] = {
                "accepted_at": iso(now),
                "filed_on": filed_on.isoformat() if filed_on else None,
            }
            due_at = handoff.due_at if self._legal_aid(process) else None
            case = process.case
            award = referrals.award_clock(case.referral_route, case.category, now)
            if award is not None:
                process.data["award"] = clocks.clock_json(award)
                process.save(update_fields=["data"])
                record["clock"] = process.data["award"]
                due_at = award.due
            services.update_handoff(
                handoff, record, external_number=data.get("number") or "", due_at=due_at
            )
            return {"number": handoff.external_number, "due_at": iso(handoff.due_at)}
        result = _("不予受理：%(reason)s") % {"reason": data["reason"]}
        services.perform(process.case_id, "record_result", user, {"result": result}, now=now)
        services.close_handoff(handoff, "declined", now)
        return {}

    def on_result(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        if decision == "extend":
            award = process.data["award"]
            longer = referrals.extended_award(award, data["days"])
            process.data["award"] = {**clocks.clock_json(longer), "start": award["start"]}
            process.data["award_extended"] = {"days": data["days"], "reason": data["reason"]}
            process.save(update_fields=["data"])
            services.update_handoff(
                process.handoff, {"clock": process.data["award"]}, due_at=longer.due
            )
            return {"days": data["days"], "due_at": iso(longer.due)}
        if decision == "grant":
            note = data.get("note") or ""
            result = _("给予法律援助") + (_("：%(note)s") % {"note": note} if note else "")
        elif decision == "refuse":
            result = _("不予法律援助：%(reason)s") % {"reason": data["reason"]}
        else:
            result = data["result"]
        services.perform(process.case_id, "record_result", user, {"result": result}, now=now)
        services.close_handoff(process.handoff, "result_recorded", now)
        return {"result": result} if decision in ("grant", "refuse") else {}

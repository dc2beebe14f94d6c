"""Arbitration / litigation / legal-aid referral 移送仲裁、诉讼、法律援助 (DESIGN.md §4.4).

Started when `refer` commits with a target organisation in the system: the receiving
body acknowledges (labour arbitration decides acceptance within 5 days; a court's filing
review takes 7) and later records its result, which closes the case (record_result).
A legal aid centre receives the application and decides within 7 days whether to grant
aid (《中华人民共和国法律援助法》第四十三条): 给予援助 or 不予援助 with the reason.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow

from mediation import services
from mediation.choices import HandoffKind, ReferRoute, State

from .common import DecisionForm, FlowBase, close_handoff, days, iso, open_handoff
from .nodes import CaseTaskNode

# Civil Procedure Law art. 126: a court decides on filing within 7 days.
LITIGATION_FILING_DAYS = settings.LITIGATION_FILING_DAYS
# 法律援助法 art 43: the centre decides within 7 days of receiving the application.
LEGAL_AID_REVIEW_DAYS = 7


class AcceptForm(DecisionForm):
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
        .Next(this.acknowledge)
    )
    acknowledge = (
        CaseTaskNode(
            "referral.acknowledge",
            org=this.target_of,
            due=this.acknowledge_due,
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
            decisions=this.result_decisions,
            handler=this.on_result,
            expects=[State.REFERRED],
        )
        .Annotation(title=gettext_lazy("登记处理结果（法律援助中心：是否给予援助）"))
        .Next(this.end)
    )
    end = flow.End().Annotation(title=gettext_lazy("移送结束"))

    def start_process(self, activation, case, actor, now):
        process = activation.process
        process.case = case
        process.handoff = open_handoff(
            case,
            HandoffKind(case.referral_route),
            case.referral_org,
            actor,
            now,
            due_at=self._acknowledge_due(case, now),
        )
        return process

    def _acknowledge_due(self, case, now):
        if case.referral_route == ReferRoute.ARBITRATION:
            return now + days(settings.ARBITRATION_ACCEPT_DAYS)
        if case.referral_route == ReferRoute.LITIGATION:
            return now + days(LITIGATION_FILING_DAYS)
        if case.referral_route == ReferRoute.LEGAL_AID:
            return now + days(LEGAL_AID_REVIEW_DAYS)
        return None

    def _legal_aid(self, process) -> bool:
        return process.case.referral_route == ReferRoute.LEGAL_AID

    def target_of(self, process):
        return process.case.referral_org_id

    def acknowledge_due(self, process, prev, now):
        return self._acknowledge_due(process.case, now)

    def acknowledge_decisions(self, task):
        if self._legal_aid(task.process.coerced):
            # Receipt only: whether to grant aid is the decision of the result step.
            return {"accept": ReceiveForm}
        return {"accept": AcceptForm, "decline": DeclineForm}

    def result_decisions(self, task):
        if self._legal_aid(task.process.coerced):
            return {"grant": GrantForm, "refuse": RefuseAidForm}
        return {"record": ResultForm}

    def result_due(self, process, prev, now):
        # The 7 days of art 43 run from the referral, not from the receipt.
        return process.handoff.due_at if self._legal_aid(process) else None

    def accepted(self, activation):
        return bool(activation.process.data.get("accepted_at"))

    def on_acknowledge(self, activation, user, decision, data, now):
        process = activation.process
        handoff = process.handoff
        if decision == "accept":
            process.data.update(accepted_at=iso(now), number=data.get("number") or "")
            process.save(update_fields=["data"])
            handoff.external_number = data.get("number") or ""
            handoff.data = {**handoff.data, "accepted_at": iso(now)}
            if not self._legal_aid(process):
                handoff.due_at = None
            handoff.save(update_fields=["external_number", "data", "due_at"])
            return {"number": handoff.external_number}
        result = _("不予受理：%(reason)s") % {"reason": data["reason"]}
        services.perform(process.case_id, "record_result", user, {"result": result}, now=now)
        close_handoff(handoff, "declined", now)
        return {}

    def on_result(self, activation, user, decision, data, now):
        process = activation.process
        if decision == "grant":
            note = data.get("note") or ""
            result = _("给予法律援助") + (_("：%(note)s") % {"note": note} if note else "")
        elif decision == "refuse":
            result = _("不予法律援助：%(reason)s") % {"reason": data["reason"]}
        else:
            result = data["result"]
        services.perform(process.case_id, "record_result", user, {"result": result}, now=now)
        close_handoff(process.handoff, "result_recorded", now)
        return {"result": result} if decision in ("grant", "refuse") else {}

"""Arbitration / litigation referral 移送仲裁、诉讼 (DESIGN.md §4.4).

Started when `refer` commits with a target organisation in the system: the receiving
body acknowledges (labour arbitration decides acceptance within 5 days; a court's filing
review takes 7) and later records its result, which closes the case (record_result).
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow

from mediation import services
from mediation.choices import HandoffKind, ReferRoute, State
from mediation.errors import InvalidFields

from .common import DecisionForm, FlowBase, close_handoff, days, iso, open_handoff, today
from .nodes import CaseTaskNode

# Civil Procedure Law art. 126: a court decides on filing within 7 days.
LITIGATION_FILING_DAYS = settings.LITIGATION_FILING_DAYS


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
        .Annotation(title=gettext_lazy("接收机构决定是否受理"))
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
            decisions=this.result_decisions,
            handler=this.on_result,
            expects=[State.REFERRED],
        )
        .Annotation(title=gettext_lazy("登记处理结果"))
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
        return None

    def target_of(self, process):
        return process.case.referral_org_id

    def acknowledge_due(self, process, prev, now):
        return self._acknowledge_due(process.case, now)

    def acknowledge_decisions(self, task):
        return {"accept": AcceptForm, "decline": DeclineForm}

    def result_decisions(self, task):
        return {"record": ResultForm}

    def accepted(self, activation):
        return bool(activation.process.data.get("accepted_at"))

    def on_acknowledge(self, activation, user, decision, data, now):
        process = activation.process
        handoff = process.handoff
        if decision == "accept":
            process.data.update(accepted_at=iso(now), number=data.get("number") or "")
            process.save(update_fields=["data"])
            handoff.external_number = data.get("number") or ""
            filed_on = data.get("filed_on")
            if filed_on and filed_on > today(now):
                raise InvalidFields(_("提交的内容有误"), {"filed_on": [_("申请日期不得晚于今天")]})
            handoff.data = {
                **handoff.data,
                "accepted_at": iso(now),
                "filed_on": filed_on.isoformat() if filed_on else None,
            }
            handoff.due_at = None
            handoff.save(update_fields=["external_number", "data", "due_at"])
            return {"number": handoff.external_number}
        result = _("不予受理：%(reason)s") % {"reason": data["reason"]}
        services.perform(process.case_id, "record_result", user, {"result": result}, now=now)
        close_handoff(handoff, "declined", now)
        return {}

    def on_result(self, activation, user, decision, data, now):
        process = activation.process
        services.perform(
            process.case_id, "record_result", user, {"result": data["result"]}, now=now
        )
        close_handoff(process.handoff, "result_recorded", now)
        return {}

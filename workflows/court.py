"""Court referral 诉调对接 (委派/委托调解, DESIGN.md §4.3).

A court clerk refers a dispute to a mediation organisation (before filing 30 days, after
filing 15, or 7 under the summary procedure). When the case reaches an outcome a task
goes back to the court. Before filing (委派): an agreement may be confirmed (the clerk
files the parties' joint application at this court, which starts the judicial
confirmation flow) or closed by a court 调解书; a failed mediation is filed (立案).
After filing (委托): an agreement ends in a 调解书 or the suit's withdrawal; a failure
returns the case to its trial (恢复审理), not to a confirmation.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow

from mediation.actions import services
from mediation.law.choices import ReferRoute, State
from mediation.law.transitions import MustBeTrue

from .common import DecisionForm, FlowBase, NoteForm
from .nodes import CaseTaskNode, driving


class ConfirmForm(DecisionForm):
    joint_application = MustBeTrue(
        gettext_lazy("司法确认须由双方当事人共同申请（《民事诉讼法》第二百零五条）"),
        label=gettext_lazy("双方共同申请"),
    )
    concerns_status = forms.NullBooleanField(
        label=gettext_lazy("协议是否涉及身份关系"), required=False
    )
    concerns_title = forms.NullBooleanField(
        label=gettext_lazy("协议是否涉及物权或知识产权的确权"), required=False
    )


class WithdrawSuitForm(DecisionForm):
    note = forms.CharField(label=gettext_lazy("撤诉裁定/说明"), max_length=2000)


class ResumeTrialForm(DecisionForm):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000, required=False)


class DocumentForm(DecisionForm):
    number = forms.CharField(label=gettext_lazy("调解书案号"), max_length=64)


class FileForm(DecisionForm):
    filing_number = forms.CharField(label=gettext_lazy("立案案号"), max_length=64)


class CourtReferralFlow(FlowBase, flow.Flow):
    """诉调对接"""

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=gettext_lazy("法院委派/委托调解"))
        .Next(this.await_outcome)
    )
    await_outcome = flow.Handle().Annotation(title=gettext_lazy("等待调解结果")).Next(this.outcome)
    outcome = (
        CaseTaskNode(
            "court.outcome",
            org=this.court,
            forms=[
                ("confirm", ConfirmForm),
                ("mediation_document", DocumentForm),
                ("withdraw_suit", WithdrawSuitForm),
                ("resume_trial", ResumeTrialForm),
                ("file", FileForm),
                ("acknowledge", NoteForm),
            ],
            decisions=this.outcome_decisions,
            handler=this.on_outcome,
        )
        .Annotation(title=gettext_lazy("法院处理调解结果"))
        .Next(this.end)
    )
    end = flow.End().Annotation(title=gettext_lazy("诉调对接结束"))

    def start_process(self, activation, case, handoff):
        process = activation.process
        process.case = case
        process.handoff = handoff
        return process

    def court(self, process):
        return process.handoff.org_id

    def outcome_decisions(self, task):
        state = task.case.state
        # 委托调解 happens after the suit was filed: the court ends it with a 调解书 or the
        # plaintiff's withdrawal, and a failure goes back to the trial (CPL art 102:
        # judgment without delay), never to a judicial confirmation. 委派调解 (before
        # filing) may end in either.
        filed = task.process.coerced.handoff.data.get("kind") == "post_filing"
        out = {}
        if state == State.AGREED:
            if task.case.network != "judicial" and not filed:
                out["confirm"] = ConfirmForm
            out["mediation_document"] = DocumentForm
            if filed:
                out["withdraw_suit"] = WithdrawSuitForm
        if state == State.FAILED:
            out["resume_trial" if filed else "file"] = ResumeTrialForm if filed else FileForm
        out["acknowledge"] = NoteForm
        return out

    def on_outcome(self, activation, user, decision, data, now):
        process = activation.process
        case, handoff = process.case, process.handoff
        if decision == "confirm":
            # The parties' joint application is filed at the referring court; the
            # judicial confirmation flow starts from this transition like any other.
            application = {"court": handoff.org_id, "joint_application": True}
            for field in ("concerns_status", "concerns_title"):
                if data.get(field) is not None:
                    application[field] = data[field]
            services.perform(case.pk, "request_confirmation", user, application, now=now)
            services.close_handoff(handoff, "confirmation_requested", now)
            return {}
        if decision == "mediation_document":
            services.update_handoff(handoff, {"mediation_document": data["number"]})
            services.close_handoff(handoff, "mediation_document", now)
            return {"number": data["number"]}
        if decision == "file":
            # The court files the case itself: no referral flow back to the same court.
            with driving(quiet={"referral"}):
                services.perform(
                    case.pk,
                    "refer",
                    user,
                    {"route": ReferRoute.LITIGATION, "target_org": handoff.org_id},
                    now=now,
                )
                result = _("已立案：%(number)s") % {"number": data["filing_number"]}
                services.perform(case.pk, "record_result", user, {"result": result}, now=now)
            services.close_handoff(handoff, "filed", now)
            return {"filing_number": data["filing_number"]}
        if decision == "withdraw_suit":
            services.update_handoff(handoff, {"suit_withdrawn": data["note"]})
            services.close_handoff(handoff, "suit_withdrawn", now)
            return {}
        if decision == "resume_trial":
            # The suit is already on the court's docket: the case goes back to its trial.
            with driving(quiet={"referral"}):
                services.perform(
                    case.pk,
                    "refer",
                    user,
                    {"route": ReferRoute.LITIGATION, "target_org": handoff.org_id},
                    now=now,
                )
                result = _("委托调解未达成协议，恢复审理：%(number)s") % {
                    "number": handoff.external_number
                }
                if data.get("note"):
                    result = f"{result}（{data['note']}）"
                services.perform(case.pk, "record_result", user, {"result": result}, now=now)
            services.close_handoff(handoff, "trial_resumed", now)
            return {}
        services.close_handoff(handoff, "acknowledged", now)
        return {}

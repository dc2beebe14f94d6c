"""Court referral 诉调对接 (委派/委托调解, DESIGN.md §4.3).

A court clerk refers a dispute to a mediation organisation (before filing 30 days, after
filing 15, or 7 under the summary procedure). When the case reaches an outcome a task
goes back to the court: an agreement may be confirmed (the clerk files the parties' joint
application at this court, which starts the judicial confirmation flow) or closed by a
court 调解书; a failed mediation is filed (立案): the case is referred to litigation at
this court and its result recorded at once.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow

from mediation import services
from mediation.choices import ReferRoute, State
from mediation.transitions import MustBeTrue

from .common import DecisionForm, FlowBase, NoteForm, close_handoff
from .nodes import CaseTaskNode, driving


class ConfirmForm(DecisionForm):
    joint_application = MustBeTrue(
        gettext_lazy("司法确认须由双方当事人共同申请（一方申请须经另一方同意）"),
        label=gettext_lazy("双方共同申请"),
    )


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
        out = {}
        if state == State.AGREED:
            if task.case.network != "judicial":
                out["confirm"] = ConfirmForm
            out["mediation_document"] = DocumentForm
        if state == State.FAILED:
            out["file"] = FileForm
        out["acknowledge"] = NoteForm
        return out

    def on_outcome(self, activation, user, decision, data, now):
        process = activation.process
        case, handoff = process.case, process.handoff
        if decision == "confirm":
            # The parties' joint application is filed at the referring court; the
            # judicial confirmation flow starts from this transition like any other.
            services.perform(
                case.pk,
                "request_confirmation",
                user,
                {"court": handoff.org_id, "joint_application": True},
                now=now,
            )
            close_handoff(handoff, "confirmation_requested", now)
            return {}
        if decision == "mediation_document":
            handoff.data = {**handoff.data, "mediation_document": data["number"]}
            handoff.save(update_fields=["data"])
            close_handoff(handoff, "mediation_document", now)
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
            close_handoff(handoff, "filed", now)
            return {"filing_number": data["filing_number"]}
        close_handoff(handoff, "acknowledged", now)
        return {}

"""Court referral 诉调对接 (委派/委托调解, DESIGN.md §4.3).

A court clerk refers a dispute to a mediation organisation (before filing 30 days, after
filing 15, or 7 under the summary procedure). When the case reaches an outcome a task
goes back to the court. Before filing (委派): an agreement may be confirmed (the clerk
files the parties' joint application at this court, which starts the judicial
confirmation flow) or closed by a court 调解书; a failed mediation is filed (立案).
After filing (委托): an agreement ends in a 调解书 or the suit's withdrawal; a failure
returns the case to its trial (恢复审理), not to a confirmation.
"""

import datetime as dt

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation

from mediation.actions import services
from mediation.law import handoffs
from mediation.law.choices import ReferRoute
from mediation.law.transitions import MustBeTrue
from mediation.models import Case, Handoff

from .common import Data, DecisionForm, Decisions, FlowBase, NoteForm
from .models import CaseProcess, CaseTask
from .nodes import CaseTaskNode, driving


class ConfirmForm(DecisionForm):
    joint_application = MustBeTrue(
        handoffs.JOINT_APPLICATION_REQUIRED, label=gettext_lazy("双方共同申请")
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


FORMS: Decisions = {
    "confirm": ConfirmForm,
    "mediation_document": DocumentForm,
    "withdraw_suit": WithdrawSuitForm,
    "resume_trial": ResumeTrialForm,
    "file": FileForm,
    "acknowledge": NoteForm,
}


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
            forms=list(FORMS.items()),
            decisions=this.outcome_decisions,
            handler=this.on_outcome,
        )
        .Annotation(title=gettext_lazy("法院处理调解结果"))
        .Next(this.end)
    )
    end = flow.End().Annotation(title=gettext_lazy("诉调对接结束"))

    def start_process(self, activation: Activation, case: Case, handoff: Handoff) -> CaseProcess:
        process = activation.process
        process.case = case
        process.handoff = handoff
        return process

    def court(self, process: CaseProcess) -> int:
        return process.handoff.org_id

    def outcome_decisions(self, task: CaseTask) -> Decisions:
        # What the court may do with the outcome is the law's (before or after filing).
        case = task.case
        assert case is not None  # a human task always has its case
        kind = task.process.coerced.handoff.data.get("kind") or ""
        return {d: FORMS[d] for d in handoffs.court_outcomes(case.state, case.network, kind)}

    def on_outcome(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        case, handoff = process.case, process.handoff
        if decision == "confirm":
            # The parties' joint application is filed at the referring court, on paper
            # before its clerk (the task's joint_application); the judicial confirmation
            # flow starts from this transition like any other.
            application = {
                "court": handoff.org_id,
                "joint_application": True,
                "paper_signatures": True,
            }
            for field in ("concerns_status", "concerns_title"):
                if data.get(field) is not None:
                    application[field] = data[field]
            services.perform(case.pk, "request_confirmation", user, application, now=now)
            services.close_handoff(handoff, "confirmation_requested", now)
            return {}
        if decision == "mediation_document":
            services.update_handoff(handoff, {"mediation_document": data["number"]})
            _closed_by_court(case, user, _("人民法院出具调解书：%(number)s") % data, now)
            services.close_handoff(handoff, "mediation_document", now)
            return {"number": data["number"]}
        if decision == "file":
            # The court files the case itself: no referral flow back to the same court.
            result = _("已立案：%(number)s") % {"number": data["filing_number"]}
            _back_to_court(case, user, handoff, result, now)
            services.close_handoff(handoff, "filed", now)
            return {"filing_number": data["filing_number"]}
        if decision == "withdraw_suit":
            services.update_handoff(handoff, {"suit_withdrawn": data["note"]})
            note = _("人民法院准许撤诉：%(note)s") % {"note": data["note"]}
            _closed_by_court(case, user, note, now)
            services.close_handoff(handoff, "suit_withdrawn", now)
            return {}
        if decision == "resume_trial":
            # The suit is already on the court's docket: the case goes back to its trial.
            result = _("委托调解未达成协议，恢复审理：%(number)s") % {
                "number": handoff.external_number
            }
            if data.get("note"):
                result = f"{result}（{data['note']}）"
            _back_to_court(case, user, handoff, result, now)
            services.close_handoff(handoff, "trial_resumed", now)
            return {}
        services.close_handoff(handoff, "acknowledged", now)
        return {}


def _closed_by_court(case: Case, user: User, note: str, now: dt.datetime) -> None:
    """The court's 调解书 (CPL art 100) or its leave to withdraw the suit (art 148) ends the
    referred dispute: the case closes on the court's act, not on a later confirmation."""
    services.perform(case.pk, "close", user, {"note": note}, now=now)


def _back_to_court(case: Case, user: User, handoff: Handoff, result: str, now: dt.datetime) -> None:
    """The case leaves mediation for the court's own procedure (filed, or the suit resumed):
    referred to litigation at that court, with no referral flow back to it, and the result."""
    with driving(quiet={"referral"}):
        services.perform(
            case.pk,
            "refer",
            user,
            {"route": ReferRoute.LITIGATION, "target_org": handoff.org_id},
            now=now,
        )
        services.perform(case.pk, "record_result", user, {"result": result}, now=now)

"""Police referral 警调对接 (DESIGN.md §12.4), the petition transfer's shape (§4.2).

A police officer hands a dispute met on a call-out (接处警) to a people's mediation
committee; the case registers there (channel police_referral) and the station sees it.
When the case reaches an outcome the committee writes its feedback on the result; the
station accepts it (the handoff is closed) or returns it for a supplementary feedback.
A return never reopens the case: the station is no party to the mediation and cannot
bring the parties back to it (mediation is voluntary, PML arts 3, 17).
"""

import datetime as dt

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation

from mediation.actions import services
from mediation.models import Case, Handoff

from .common import Data, DecisionForm, FlowBase, NoteForm, RequiredNoteForm, iso
from .models import CaseProcess
from .nodes import CaseTaskNode


class ResultFeedbackForm(DecisionForm):
    feedback = forms.CharField(label=gettext_lazy("调解结果反馈"), max_length=4000)


class PoliceFlow(FlowBase, flow.Flow):
    """警调对接"""

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=gettext_lazy("派出所移交调解"))
        .Next(this.await_outcome)
    )
    await_outcome = flow.Handle().Annotation(title=gettext_lazy("等待调解结果")).Next(this.feedback)
    feedback = (
        CaseTaskNode(
            "police.feedback",
            org=this.mediation_org,
            due=this.feedback_due,
            forms=[("submit", ResultFeedbackForm)],
            handler=this.on_feedback,
        )
        .Annotation(title=gettext_lazy("调解组织向派出所反馈调解结果"))
        .Next(this.review)
    )
    review = (
        CaseTaskNode(
            "police.review",
            org=this.station,
            forms=[("accept", NoteForm), ("return", RequiredNoteForm)],
            handler=this.on_review,
        )
        .Annotation(title=gettext_lazy("派出所查看反馈"))
        .Next(this.after_review)
    )
    after_review = (
        flow.Switch()
        .Annotation(title=gettext_lazy("查看结论"))
        .Case(this.feedback, this.returned)
        .Default(this.end)
    )
    end = flow.End().Annotation(title=gettext_lazy("警调对接办结"))

    def start_process(self, activation: Activation, case: Case, handoff: Handoff) -> CaseProcess:
        process = activation.process
        process.case = case
        process.handoff = handoff
        process.data = {"reviews": []}
        return process

    def mediation_org(self, process: CaseProcess) -> int:
        return process.case.org_id

    def station(self, process: CaseProcess) -> int:
        return process.handoff.org_id

    def feedback_due(
        self, process: CaseProcess, prev: Activation, now: dt.datetime
    ) -> dt.datetime | None:
        return process.handoff.due_at

    def returned(self, activation: Activation) -> bool:
        return bool(activation.process.data.get("last_review") == "returned")

    def on_feedback(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        state = process.case.state
        process.data["feedback"] = {"text": data["feedback"], "state": state, "at": iso(now)}
        process.save(update_fields=["data"])
        # The handoff row is what the station's desk and the case page read.
        services.update_handoff(
            process.handoff,
            {"feedback": data["feedback"], "feedback_at": iso(now), "case_state": state},
        )
        return {"state": state}

    def on_review(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        outcome = "accepted" if decision == "accept" else "returned"
        if outcome == "accepted":
            services.close_handoff(process.handoff, "handled", now)
        review = {"decision": decision, "outcome": outcome, "note": data.get("note", "")}
        process.data["last_review"] = outcome
        process.data.setdefault("reviews", []).append({**review, "at": iso(now)})
        process.save(update_fields=["data"])
        handoff = process.handoff
        record: Data = {"reviews": [*handoff.data.get("reviews", []), {**review, "at": iso(now)}]}
        if outcome == "returned":
            record.update(return_note=review["note"], returned_at=iso(now))
        services.update_handoff(handoff, record)
        return {"outcome": outcome}

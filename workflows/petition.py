"""Petition transfer 访调对接 (DESIGN.md §4.2).

The petition officer transfers a petition dispute to a mediation organisation with a
feedback due date; the case registers there (channel petition_transfer). When the case
reaches an outcome (agreed, confirmed, failed, declined, withdrawn) the mediation
organisation writes its feedback; the petition officer accepts it (办结) or returns it
(退回重办). A returned failed case whose parties both consent is reopened (back to
mediating) and the flow waits for its next outcome. An agreed, confirmed, declined or
withdrawn case has no way back to mediating in the state machine (an agreement binds the
parties; only they or a court can undo it), and a failed one is reopened only when both
sides consent to mediate again; any other return asks the organisation for a
supplementary feedback instead.
"""

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation

from mediation.actions import services
from mediation.law import petitions
from mediation.law.choices import State
from mediation.models import Case, Handoff

from .common import Data, DecisionForm, FlowBase, NoteForm, RequiredNoteForm, iso
from .models import CaseProcess
from .nodes import CaseTaskNode


class FeedbackForm(DecisionForm):
    feedback = forms.CharField(label=gettext_lazy("办理情况反馈"), max_length=4000)


class ReturnForm(RequiredNoteForm):
    consent = forms.BooleanField(
        label=gettext_lazy("双方当事人同意重新调解"),
        required=False,
        help_text=gettext_lazy("未经双方同意的，退回只要求补充反馈，不重新启动调解"),
    )


class PetitionFlow(FlowBase, flow.Flow):
    """访调对接"""

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=gettext_lazy("信访转办"))
        .Next(this.await_outcome)
    )
    await_outcome = flow.Handle().Annotation(title=gettext_lazy("等待调解结果")).Next(this.feedback)
    feedback = (
        CaseTaskNode(
            "petition.feedback",
            org=this.mediation_org,
            due=this.feedback_due,
            forms=[("submit", FeedbackForm)],
            handler=this.on_feedback,
        )
        .Annotation(title=gettext_lazy("调解组织反馈办理结果"))
        .Next(this.review)
    )
    review = (
        CaseTaskNode(
            "petition.review",
            org=this.bureau,
            forms=[("accept", NoteForm), ("return", ReturnForm)],
            handler=this.on_review,
        )
        .Annotation(title=gettext_lazy("信访部门审核反馈"))
        .Next(this.after_review)
    )
    after_review = (
        flow.Switch()
        .Annotation(title=gettext_lazy("审核结论"))
        .Case(this.await_outcome, this.reopened)
        .Case(this.feedback, this.returned)
        .Default(this.end)
    )
    end = flow.End().Annotation(title=gettext_lazy("信访事项办结"))

    def start_process(self, activation: Activation, case: Case, handoff: Handoff) -> CaseProcess:
        process = activation.process
        process.case = case
        process.handoff = handoff
        process.data = {"reviews": []}
        return process

    def mediation_org(self, process: CaseProcess) -> int:
        return process.case.org_id

    def bureau(self, process: CaseProcess) -> int:
        return process.handoff.org_id

    def feedback_due(
        self, process: CaseProcess, prev: Activation, now: dt.datetime
    ) -> dt.datetime | None:
        return process.handoff.due_at

    def reopened(self, activation: Activation) -> bool:
        return bool(activation.process.data.get("last_review") == "reopened")

    def returned(self, activation: Activation) -> bool:
        return bool(activation.process.data.get("last_review") == "returned")

    def on_feedback(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        process.data["feedback"] = {
            "text": data["feedback"],
            "state": process.case.state,
            "by": user.pk,
            "at": iso(now),
        }
        process.save(update_fields=["data"])
        # The handoff row is the domain's record: the case page, the petition desk and the
        # case file read the feedback there, without reaching into the flow's tables.
        services.update_handoff(
            process.handoff,
            {
                "feedback": data["feedback"],
                "feedback_at": iso(now),
                "case_state": process.case.state,
            },
        )
        return {"state": process.case.state}

    def on_review(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        case = process.case
        if decision == "accept":
            outcome = "accepted"
            services.close_handoff(process.handoff, "handled", now)
        elif petitions.reopens(case.state == State.FAILED, bool(data.get("consent"))):
            # 退回重办: the policy lets the petition officer of the case reopen it.
            services.perform(
                case.pk, "reopen", user, {"note": data["note"], "consent": True}, now=now
            )
            outcome = "reopened"
        else:
            # Without that consent (or after an agreement) the return asks the mediation
            # organisation for a supplementary feedback instead.
            outcome = "returned"
        process.data["last_review"] = outcome
        process.data.setdefault("reviews", []).append(
            {"decision": decision, "outcome": outcome, "note": data.get("note", ""), "at": iso(now)}
        )
        process.save(update_fields=["data"])
        handoff = process.handoff
        review = {"decision": decision, "outcome": outcome, "note": data.get("note", "")}
        record: dict[str, Any] = {
            "reviews": [*handoff.data.get("reviews", []), {**review, "at": iso(now)}]
        }
        if decision == "return":
            record.update(return_note=data.get("note", ""), returned_at=iso(now))
        services.update_handoff(handoff, record)
        return {"outcome": outcome}

"""Judicial confirmation 司法确认 (DESIGN.md §4.1).

request_confirmation (mediator) → the court clerk registers the application under a
民特 number or refuses to accept it (不予受理, ruling `not_accepted`: the mediator may
file again at the right court) within 3 days → only then the judge confirms or rejects
(驳回, ruling `rejected`) within 15 days of registration; one 10-day extension, approved
by the court's president (院长) and recorded, loops back to the judge with the later due
date (法释〔2011〕5号 arts 4–5).
"""

import datetime as dt

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation

from mediation import policies
from mediation.actions import services
from mediation.actions.handoffs import check_number_free
from mediation.law import handoffs
from mediation.law.choices import HandoffKind, State
from mediation.law.clocks import Clock
from mediation.law.handoffs import REFUSAL_REASONS
from mediation.models import Case, Organization

from .common import Data, DecisionForm, Decisions, FlowBase, iso, parse_iso
from .models import CaseProcess, CaseTask
from .nodes import CaseTaskNode


class RegisterForm(DecisionForm):
    number = forms.CharField(label=gettext_lazy("案号"), max_length=64)

    def clean_number(self) -> str:
        number = str(self.cleaned_data["number"]).strip()
        court = Organization.objects.get(pk=self.task.org_id)
        error = handoffs.special_number_error(number, court, timezone.localdate())
        if error:
            raise forms.ValidationError(error)
        return number


class RefuseForm(DecisionForm):
    reason = forms.ChoiceField(label=gettext_lazy("不予受理理由"), choices=REFUSAL_REASONS)
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000, required=False)


class ConfirmForm(DecisionForm):
    ruling_date = forms.DateField(label=gettext_lazy("裁定日期"), required=False)

    def clean_ruling_date(self) -> dt.date | None:
        day = self.cleaned_data.get("ruling_date")
        if day is not None:
            case = self.task.case
            agreement = case.current_agreement if case else None
            effective = agreement.effective_date if agreement else None
            error = handoffs.ruling_date_error(day, effective, timezone.localdate())
            if error:
                raise forms.ValidationError(error)
        return day


class RejectForm(ConfirmForm):
    grounds = forms.CharField(label=gettext_lazy("不予确认理由"), max_length=4000)


class ExtendForm(DecisionForm):
    approved_by = forms.IntegerField(label=gettext_lazy("批准人"))
    reason = forms.CharField(label=gettext_lazy("延长理由"), max_length=2000)

    def clean_approved_by(self) -> int:
        pk = self.cleaned_data["approved_by"]
        approver = User.objects.filter(pk=pk, is_active=True).first()
        error = policies.may_approve_confirmation_extension(approver, self.task.org_id, self.user)
        if error:
            raise forms.ValidationError(error)
        assert approver is not None  # the policy refuses no approver
        return approver.pk


class ConfirmationFlow(FlowBase, flow.Flow):
    """司法确认"""

    start = (
        flow.StartHandle(this.start_process)
        .Annotation(title=gettext_lazy("申请司法确认"))
        .Next(this.register)
    )
    register = (
        CaseTaskNode(
            "confirmation.register",
            org=this.court_of,
            due=this.register_due,
            forms=[("register", RegisterForm), ("refuse", RefuseForm)],
            handler=this.on_register,
            expects=[State.CONFIRMING],
        )
        .Annotation(title=gettext_lazy("书记员立案登记"))
        .Next(this.is_registered)
    )
    is_registered = (
        flow.If(this.registered)
        .Annotation(title=gettext_lazy("是否立案"))
        .Then(this.decide)
        .Else(this.end)
    )
    decide = (
        CaseTaskNode(
            "confirmation.decide",
            org=this.court_of,
            due=this.decide_due,
            forms=[("confirm", ConfirmForm), ("reject", RejectForm), ("extend", ExtendForm)],
            decisions=this.decide_decisions,
            handler=this.on_decide,
            expects=[State.CONFIRMING],
        )
        .Annotation(title=gettext_lazy("法官审查并裁定"))
        .Next(this.is_extended)
    )
    is_extended = (
        flow.If(this.just_extended)
        .Annotation(title=gettext_lazy("是否延长审查期限"))
        .Then(this.decide)
        .Else(this.end)
    )
    end = flow.End().Annotation(title=gettext_lazy("司法确认结束"))

    # -- start ---------------------------------------------------------------------------

    def start_process(
        self, activation: Activation, case: Case, actor: User, now: dt.datetime
    ) -> CaseProcess:
        due = handoffs.register_clock(now).due
        process = activation.process
        process.case = case
        assert case.confirmation_court is not None  # request_confirmation names the court
        process.handoff = services.open_handoff(
            case, HandoffKind.CONFIRMATION, case.confirmation_court, actor, now, due_at=due
        )
        process.data = {"extended": False}
        return process

    # -- nodes' parameters -----------------------------------------------------------

    def court_of(self, process: CaseProcess) -> int | None:
        return process.case.confirmation_court_id

    def register_due(self, process: CaseProcess, prev: Activation, now: dt.datetime) -> Clock:
        return handoffs.register_clock(now)

    def decide_due(
        self, process: CaseProcess, prev: Activation, now: dt.datetime
    ) -> Clock | dt.datetime | None:
        due = parse_iso(process.data.get("decide_due"))
        registered = parse_iso(process.data.get("registered_at"))
        if due is None or registered is None:
            return due
        return handoffs.recorded_decide_clock(
            registered, due, process.data.get("decide_basis") or ""
        )

    def decide_decisions(self, task: CaseTask) -> Decisions:
        out: Decisions = {"confirm": ConfirmForm, "reject": RejectForm}
        if not task.process.coerced.data.get("extended"):
            out["extend"] = ExtendForm
        return out

    def registered(self, activation: Activation) -> bool:
        return bool(activation.process.data.get("registered_at"))

    def just_extended(self, activation: Activation) -> bool:
        prev = activation.task.previous.order_by("-pk").first()
        return bool(prev and prev.coerced.decision.get("decision") == "extend")

    # -- decisions -------------------------------------------------------------------

    def on_register(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        if decision == "register":
            handoff = process.handoff
            check_number_free(handoff.org_id, handoff.kind, data["number"], "number")
            decide = handoffs.decide_clock(now)
            due = decide.due
            process.data.update(
                registered_at=iso(now),
                decide_due=iso(due),
                decide_basis=decide.basis,
                number=data["number"],
            )
            process.save(update_fields=["data"])
            services.update_handoff(
                process.handoff,
                {"registered_at": iso(now)},
                external_number=data["number"],
                due_at=due,
            )
            return {"number": data["number"], "decide_due": iso(due)}
        # Refused at intake (不予受理): the clerk's reject_confirmation records the ruling
        # `not_accepted`, from which the mediator may file the same agreement again at the
        # right court, resume mediation or refer the dispute on.
        refusal = {"reason": data["reason"], "grounds": data.get("note") or ""}
        services.perform(process.case_id, "reject_confirmation", user, refusal, now=now)
        services.close_handoff(process.handoff, "refused", now)
        return {"reason": data["reason"]}

    def on_decide(
        self, activation: Activation, user: User, decision: str, data: Data, now: dt.datetime
    ) -> Data:
        process = activation.process
        if decision == "extend":
            registered = parse_iso(process.data.get("registered_at")) or now
            longer = handoffs.extended_decide_clock(registered)
            due = longer.due
            process.data.update(
                extended=True,
                decide_due=iso(due),
                decide_basis=longer.basis,
                extension={
                    "approved_by": data["approved_by"],
                    "reason": data["reason"],
                    "by": user.pk,
                    "at": iso(now),
                },
            )
            process.save(update_fields=["data"])
            services.court_extended_review(
                process.handoff, longer, process.data["extension"], user, now
            )
            return {"approved_by": data["approved_by"], "due_at": iso(due)}
        ruling = data.get("ruling_date")
        fields = {"ruling_date": ruling.isoformat() if ruling else ""}
        if decision == "confirm":
            services.perform(process.case_id, "confirm", user, fields, now=now)
            services.close_handoff(process.handoff, "confirmed", now)
        else:
            fields["grounds"] = data["grounds"]
            services.perform(process.case_id, "reject_confirmation", user, fields, now=now)
            services.close_handoff(process.handoff, "rejected", now)
        return {}

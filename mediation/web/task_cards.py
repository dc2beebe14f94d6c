"""What a task card shows beside its decision forms, so the task can be decided from
the inbox: the parties, the agreement's terms and the priority for the court's tasks; the
feedback in full for the petition officer's review; the return note for the mediator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mediation.law.choices import HandoffKind
from mediation.models import CaseParty

from .desks import parties_line

if TYPE_CHECKING:
    from workflows.models import CaseTask

AGREEMENT_TASKS = ("confirmation.register", "confirmation.decide", "court.outcome")
PETITION_TASKS = ("petition.feedback", "petition.review")
POLICE_TASKS = ("police.feedback", "police.review")


def card_for(task: CaseTask) -> dict[str, Any]:
    case = task.case
    if case is None:
        return {}
    # Names, not ID numbers: the receiving desk decides on these parties (DESIGN §9 masks
    # names only on the public portal).
    links = CaseParty.objects.filter(case=case).select_related("party").order_by("position", "id")
    card: dict[str, Any] = {"priority": case.priority, "parties": parties_line(links, True)}
    if task.kind in AGREEMENT_TASKS:
        agreement = case.current_agreement
        if agreement is not None:
            card["terms"] = agreement.terms
            card["agreement_form"] = agreement.get_form_display()
    if task.kind in PETITION_TASKS:
        handoff = case.handoffs.filter(kind=HandoffKind.PETITION).order_by("-id").first()
        data = (handoff.data or {}) if handoff else {}
        card["petition_number"] = handoff.external_number if handoff else ""
        if task.kind == "petition.review":
            card["feedback"] = data.get("feedback", "")
        card["return_note"] = data.get("return_note", "")
    if task.kind in POLICE_TASKS:
        handoff = case.handoffs.filter(kind=HandoffKind.POLICE).order_by("-id").first()
        data = (handoff.data or {}) if handoff else {}
        card["incident_number"] = handoff.external_number if handoff else ""
        if task.kind == "police.review":
            card["feedback"] = data.get("feedback", "")
        card["return_note"] = data.get("return_note", "")
    return card

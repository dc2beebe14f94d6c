"""The handoff rows (a court referral, a petition transfer, a confirmation request, a
referral to another authority) and their events. The workflows drive the handoffs; their
rows are written here, and the transitions that move a handoff's dates call these."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from mediation.errors import NumberTaken
from mediation.events import record_event
from mediation.law import clocks
from mediation.law.choices import Channel, EventType, HandoffKind, HandoffStatus, State
from mediation.law.clocks import Clock
from mediation.law.days import local_iso
from mediation.law.jsonform import Data
from mediation.models import Case, Handoff, Organization

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediation.models import CaseEvent


def open_handoff(
    case: Case,
    kind: str,
    org: Organization,
    actor: User | None,
    now: dt.datetime,
    *,
    external_number: str = "",
    due_at: dt.datetime | None = None,
    data: Data | None = None,
) -> Handoff:
    """The domain row of a handoff and the `handoff.opened` event. The partner already
    sees the case: the transition or registration that opens a handoff grants it (perform,
    register_case), before its own event, so the partner receives that event too."""
    handoff = Handoff.objects.create(
        case=case,
        kind=kind,
        org=org,
        external_number=external_number or "",
        due_at=due_at,
        status=HandoffStatus.OPEN,
        opened_at=now,
        data=data or {},
    )
    record_event(
        case,
        EventType.HANDOFF_OPENED,
        actor,
        {
            "handoff": handoff.pk,
            "kind": kind,
            "org": org.pk,
            "external_number": handoff.external_number,
            "due_at": due_at.isoformat() if due_at else None,
        },
        at=now,
    )
    return handoff


def check_number_free(org_id: int, kind: str, number: str, field: str) -> None:
    """A partner's number names one case per issuing organisation (DESIGN.md §12.3): a
    second use is a 409 naming the case that has it (an integrity rule; the database's
    `handoff_number_once` holds it against a concurrent insert as well)."""
    taken = (
        Handoff.objects.filter(org_id=org_id, kind=kind, external_number=number)
        .select_related("case")
        .only("case__id", "case__number", "case__state")
        .first()
    )
    if taken is not None:
        case = taken.case
        raise NumberTaken(
            _("编号 %(number)s 已用于案件 %(case)s（id %(id)s），同一机构的编号不能重复")
            % {"number": number, "case": case.number, "id": case.pk},
            field,
            case.pk,
            case.number,
            case.state,
        )


def close_handoff(
    handoff: Handoff | None, result: str, now: dt.datetime, status: str = HandoffStatus.CLOSED
) -> None:
    """End an open handoff with its result (`cancelled` when the case moved on without it)."""
    if handoff is None or handoff.status != HandoffStatus.OPEN:
        return
    handoff.status = status
    handoff.result = result
    handoff.closed_at = now
    handoff.save(update_fields=["status", "result", "closed_at"])


def update_handoff(handoff: Handoff | None, data: Data | None = None, **fields: Any) -> None:
    """What the partner reported on an open handoff: `data` is merged into its record
    (a document number, a filing day, a clock), `fields` (external_number, due_at) set."""
    if handoff is None:
        return
    if data:
        handoff.data = {**handoff.data, **data}
    for name, value in fields.items():
        setattr(handoff, name, value)
    handoff.save(update_fields=[*(["data"] if data else []), *fields])


def update_handoff_clocks(
    handoff: Handoff, clocks_state: Data, user: User | None, event: Data, now: dt.datetime
) -> None:
    """The petition bureau's own clocks on the handoff, and the `case.updated` event."""
    update_handoff(handoff, {"clocks": clocks_state})
    record_event(handoff.case, EventType.CASE_UPDATED, user, event, at=now)


def record_task_completed(
    case: Case, user: User | None, payload: Data, now: dt.datetime
) -> CaseEvent:
    """The `task.completed` event of a handoff task (inside the task's transaction)."""
    return record_event(case, EventType.TASK_COMPLETED, user, payload, at=now)


# -- a court referral's dates follow the case's (inside `perform`'s transaction) ----------


def court_referral_signed_for(case: Case, now: dt.datetime) -> None:
    """Accepting a court's referral is signing for its materials (签收移交材料): the open
    referral records the day and takes the mediation limit the acceptance set."""
    if case.channel != Channel.COURT_REFERRAL:
        return
    referral = (
        Handoff.objects.filter(
            case=case, kind=HandoffKind.COURT_REFERRAL, status=HandoffStatus.OPEN
        )
        .order_by("-id")
        .first()
    )
    if referral is None:
        return
    referral.due_at = case.due_at
    referral.data = {**referral.data, "materials_received_at": local_iso(now)}
    referral.save(update_fields=["due_at", "data"])


def court_follows_agreed_extension(case: Case, now: dt.datetime) -> None:
    """The parties agreed to extend a court referral's mediation (法释〔2016〕14号: the
    limit runs unless the parties agree to extend it): the court's own date on the open
    referral moves with the case's, so its desk and sweep do not call it overdue."""
    referral = (
        Handoff.objects.select_for_update()
        .filter(case=case, kind=HandoffKind.COURT_REFERRAL, status=HandoffStatus.OPEN)
        .order_by("-id")
        .first()
    )
    if referral is None or case.due_at is None or referral.due_at == case.due_at:
        return
    referral.data = {
        **referral.data,
        "agreed_extension": {
            "previous_due_at": local_iso(referral.due_at),
            "due_at": local_iso(case.due_at),
            "at": local_iso(now),
        },
    }
    referral.due_at = case.due_at
    referral.save(update_fields=["due_at", "data"])


# -- the court's review clock moves the case's (inside the flow's transaction) ------------


def court_extended_review(
    handoff: Handoff, clock: Clock, extension: Data, user: User | None, now: dt.datetime
) -> None:
    """The court's president extended the review of a confirmation (法释〔2011〕5号 第五条):
    the handoff's due date and the case's move together, and the case says so with one
    `case.updated` event, so no desk calls the case overdue on the old date."""
    update_handoff(handoff, {"extension": extension}, due_at=clock.due)
    case = Case.objects.select_for_update().get(pk=handoff.case_id)
    if case.state != State.CONFIRMING or case.due_at == clock.due:
        return
    previous = case.due_at
    case.set_clock(clock)
    case.updated_at = now
    case.save(
        update_fields=["due_at", "due_from", "due_unit", "due_basis", "due_clock", "updated_at"]
    )
    record_event(
        case,
        EventType.CASE_UPDATED,
        user,
        {
            "fields": ["due_at"],
            "reason": "confirmation_extended",
            "previous_due_at": local_iso(previous),
            "due_at": local_iso(clock.due),
            "due_basis": case.due_basis,
            "due_confirmed": clocks.due_confirmed(clock.due),
        },
        at=now,
    )

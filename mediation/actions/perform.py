"""The one door for a transition (DESIGN.md §3): `perform` runs one on a case.

Visibility, permission (policies), state and network conditions (django-fsm), fields
(mediation.law.transitions), the FSM method, the rows written beside it and the CaseEvent,
all in one transaction; the live push runs on commit. Also what a user may run now."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from mediation import policies
from mediation.documents import records
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.events import record_events
from mediation.law import clocks
from mediation.law.choices import AccessReason, Category, EventType
from mediation.law.jsonform import Data, errors_of
from mediation.law.transitions import FORMS, TRANSITION_NAMES, TransitionForm, describe_fields
from mediation.models import Case, CaseAccess, case_sql
from mediation.models.case_sql import StaleCase
from mediation.supervision.complaints import warnings_for

from . import agreements, handoffs, party_notify, party_signing
from .base import CaseRef, _in_transaction_hooks, grant_access, load_for_update
from .registration import allocate_number

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediation.events import EventItem


def perform(
    case_or_id: CaseRef,
    name: str,
    user: User,
    data: Data | None = None,
    *,
    now: dt.datetime | None = None,
) -> Case:
    """Run transition `name` on a case as `user` with the caller's `data`.

    Raises NotVisible (404), NotPermitted (403), StateConflict (409), InvalidFields (400);
    on any of them nothing is written."""
    if name not in FORMS:
        raise NotVisible(_("没有名为“%(name)s”的操作") % {"name": name})
    now = now or timezone.now()
    try:
        return _perform_atomic(case_or_id, name, user, data, now)
    except StaleCase:
        # Read after the block: the stale write rolled its transaction back.
        pk = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
        current = Case.objects.filter(pk=pk).values_list("state", flat=True).first()
        raise StateConflict(_("案件状态已被他人更改，请刷新后重试"), current or "") from None


_CASE_FIELDS = [f.attname for f in Case._meta.concrete_fields if not f.primary_key]


def _values(case: Case) -> Data:
    return {name: getattr(case, name) for name in _CASE_FIELDS}


def _perform_atomic(
    case_or_id: CaseRef, name: str, user: User, data: Data | None, now: dt.datetime
) -> Case:
    with transaction.atomic():
        case = load_for_update(case_or_id, user)
        if case.is_frozen:
            raise StateConflict(_("案件已归档，不能再变更"), case.state)
        if not policies.may_transition(user, case, name):
            raise NotPermitted(_("您无权对该案件执行“%(op)s”") % {"op": FORMS[name].label})
        method = getattr(case, name)
        if not can_proceed(method):
            raise StateConflict(
                _("案件当前状态为“%(state)s”，不能执行“%(op)s”")
                % {"state": case.get_state_display(), "op": FORMS[name].label},
                case.state,
            )
        form = FORMS[name](data or {}, case=case, user=user, now=now)
        if not form.is_valid():
            raise InvalidFields(_("提交的内容有误"), errors_of(form))
        source, previous_org = case.state, case.org_id
        event_data = {"transition": name, "from": source, **form.event_data()}
        before = _values(case)
        kwargs = form.method_kwargs()
        if name == "transfer":
            # the receiving organisation numbers the case (the old number stays as 原案号)
            target = kwargs["target_org"]
            kwargs["number"] = allocate_number(target, timezone.localtime(now).year)
        method(at=now, **kwargs)
        # Write only what the transition changed (the state check still guards the row).
        changed = [name for name, value in _values(case).items() if before[name] != value]
        case.updated_at = now
        _write_beside(name, case, form, user, now)
        if case.org_id != previous_org:
            CaseAccess.objects.filter(case=case, org_id=previous_org).update(
                reason=AccessReason.FORMER_HANDLER
            )
            grant_access(case, case.org_id, AccessReason.HANDLER, now)
        # The partner named by the transition sees it from this event on (its handoff, if
        # any, opens after: open_handoff grants nothing).
        if name == "refer" and case.referral_org_id:
            grant_access(case, case.referral_org_id, AccessReason.HANDOFF, now)
        if name == "request_confirmation" and case.confirmation_court_id:
            grant_access(case, case.confirmation_court_id, AccessReason.HANDOFF, now)
        event_data["to"] = case.state
        if name == "transfer":
            event_data.update(number=case.number, original_number=case.original_number)
        events: list[EventItem] = [(EventType.CASE_TRANSITIONED, event_data)]
        if name in ("accept", "reassign"):
            events.append((EventType.CASE_ASSIGNED, {"mediator": case.mediator_id}))
        # The case row is written with the events (one round trip on PostgreSQL); a stale
        # state writes nothing and becomes a 409 in perform.
        write = case_sql.case_changes(case, [*changed, "updated_at"], source)
        written = record_events(case, events, user, at=now, case_update=write)
        case_sql.mark_written(case)
        for fn in _in_transaction_hooks:
            fn(case, name, user, now)
        # The documents of this event are written once it commits (records, not views).
        records.after_event(case, name, written[0])
        party_notify.after_transition(case, name)
        if name == "request_confirmation":
            # after the application's own PDF (registered above, so produced first)
            transaction.on_commit(functools.partial(party_signing.sign_application_pdf, case.pk))
    return case


def _write_beside(
    name: str, case: Case, form: TransitionForm, user: User, now: dt.datetime
) -> None:
    """The rows a transition writes beside the case, in its transaction (its form only
    checked their fields)."""
    if name == "accept":
        handoffs.court_referral_signed_for(case, now)
    elif name == "reach_agreement":
        agreements.record_agreement(case, form.cleaned_data, user, now)
    elif name == "extend":
        handoffs.court_follows_agreed_extension(case, now)


@functools.cache
def transitions_from(state: str) -> tuple[str, ...]:
    """The transitions whose source admits `state`, in TRANSITION_NAMES order: django-fsm's
    own test (`has_transition`), which reads nothing but the state."""
    out = []
    for name in TRANSITION_NAMES:
        meta = getattr(Case, name)._django_fsm
        if meta.field is not Case._meta.get_field("state"):  # what the cache is keyed by
            raise TypeError(f"{name} is a transition of another field")
        if meta.has_transition(state):
            out.append(name)
    return tuple(out)


def transition_warnings(case: Case, name: str, data: Data, now: dt.datetime) -> list[str]:
    """What the actor must be told after a transition went through: the negative list of
    an assigned mediator (不良执业信息), a labour time bar about to run out."""
    out: list[str] = []
    if name in ("accept", "reassign") and case.mediator_id:
        out += warnings_for([case.mediator_id]).get(case.mediator_id, [])
    if name == "fail" and case.category == Category.LABOR:
        raw = data.get("rights_known_on") or ""
        try:
            known = dt.date.fromisoformat(str(raw)) if raw else None
        except ValueError:
            known = None
        text = clocks.labour_time_bar_warning(known, timezone.localdate(now))
        if text:
            out.append(text)
    return out


def available_transitions(case: Case, user: User) -> list[Data]:
    """What this user may run on this case now, each with its fields."""
    if case.is_frozen:
        return []
    out = []
    # The state machine's source check first (a lookup, where a rule may read more), and
    # once per state: a queue page asked it thirty times a row.
    for name in transitions_from(case.state):
        method = getattr(case, name)
        if policies.may_transition(user, case, name) and can_proceed(method):
            out.append(
                {
                    "name": name,
                    "label": str(FORMS[name].label),
                    "fields": describe_fields(name, case),
                }
            )
    return out

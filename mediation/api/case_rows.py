"""The case and party JSON of DESIGN.md §6, written out by hand.

Queues are read far more often than anything else; DRF's field-by-field serialisation (a
serializer per nested party, deep copies, lazy labels) costs more than the SQL at 50 rows.
The case and party shapes are therefore written here, with their fields still declared on
the serializers (mediation.api.serializers) for the OpenAPI schema; a test keeps the two
in step.
"""

import datetime as dt
from typing import Any, TypeAlias

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import get_language
from rest_framework import serializers

from mediation import policies
from mediation.actions import services
from mediation.law import clocks
from mediation.law.choices import OPEN_STATES, choice_labels
from mediation.law.identity import display_name, mask_id_number, mask_phone
from mediation.models import Case, CaseParty, Party

# A serializer context: the caller ("user"), "now", and what is computed once per request.
Context: TypeAlias = dict[str, Any]
# Choice labels by vocabulary, then by value (mediation.law.choices.choice_labels).
Labels: TypeAlias = dict[str, dict[str, str]]


def context_user(context: Context) -> User:
    """The caller: every API view that answers a case requires a signed-in user."""
    return context["user"]


def labels(context: Context) -> Labels:
    """Choice labels in the active language, computed once per request."""
    cached = context.get("_labels")
    if cached is None:
        cached = context["_labels"] = choice_labels(get_language())
    return cached


def request_tz(context: Context) -> dt.tzinfo:
    """The active time zone, looked up once per request (each lookup is a read of asgiref's
    context-local storage, and a queue page writes two times a row)."""
    tz = context.get("_tz")
    if tz is None:
        tz = context["_tz"] = timezone.get_current_timezone()
    return tz


def dt_json(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str | None:
    if value is None:
        return None
    value = timezone.localtime(value) if tz is None else value.astimezone(tz)
    offset = value.utcoffset()
    if offset is not None and offset.seconds % 60:
        # Before 1901 Asia/Shanghai is local mean time (+08:05:43), an offset RFC 3339
        # cannot write: such a (user-given) time is answered in UTC instead.
        value = value.astimezone(dt.UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class DateTimeField(serializers.DateTimeField):
    """DRF's, always RFC 3339 (see dt_json)."""

    def to_representation(self, value: dt.datetime | None) -> str | None:  # type: ignore[override]  # DRF answers None too
        return dt_json(value) if value else None


def date_json(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def party_json(link: CaseParty, full: bool, lab: Labels) -> dict[str, Any]:
    p = link.party
    return {
        "id": p.pk,
        "role": link.role,
        "role_label": lab["party_role"].get(link.role, link.role),
        "kind": p.kind,
        "name": p.name,
        "gender": p.gender,
        "ethnicity": p.ethnicity,
        "id_number": p.id_number if full else mask_id_number(p.id_number),
        # The birth date is six digits of the ID number: shown only with the number.
        "birth_date": date_json(p.birth_date) if full else None,
        "credit_code": p.credit_code,
        "legal_representative": p.representative,
        "representative": representative_json(p, full),
        "limited_capacity": p.limited_capacity,
        "phone": p.phone if full else mask_phone(p.phone),
        "address": p.address if full else "",
        "tags": list(p.tags or []),
        "masked": not full,
    }


def petition_json(case: Case) -> dict[str, Any] | None:
    """`petition` of the case JSON (DESIGN.md §6) from its petition handoff, with the
    petition's own clocks (workflows.petition_clock) for the petition officer."""
    handoff = next((h for h in reversed(case.handoffs.all()) if h.kind == "petition"), None)
    if handoff is None:
        return None
    state = handoff.data.get("clocks") or {}
    handle, notice = state.get("handle") or {}, state.get("accept_notice") or {}
    return {
        "number": handoff.external_number,
        "feedback_due": dt_json(handoff.due_at),
        "feedback": handoff.data.get("feedback", ""),
        "return_note": handoff.data.get("return_note", ""),
        "handle_due": handle.get("due"),
        "handle_basis": handle.get("basis", ""),
        "accept_notice_due": notice.get("due"),
        "notified_on": notice.get("done_on"),
    }


def representative_json(p: Party, full: bool) -> dict[str, Any] | None:
    rep = p.representative_info
    if rep is None:
        return None
    if not full:
        rep.update(
            id_number=mask_id_number(rep["id_number"]),
            phone=mask_phone(rep["phone"]),
            authorization="",
        )
    return rep


def handles_case(context: Context, case: Case) -> bool:
    """policies.handles, decided (and audited) once per case and response."""
    cache = context.setdefault("_handles", {})
    if case.pk not in cache:
        cache[case.pk] = policies.handles(context_user(context), case)
    return bool(cache[case.pk])


def case_row(case: Case, context: Context) -> dict[str, Any]:
    lab = labels(context)
    full = handles_case(context, case)
    now = context.get("now")
    tz = request_tz(context)
    m = case.mediator
    return {
        "id": case.pk,
        "number": case.number,
        "original_number": case.original_number,
        "network": case.network,
        "network_label": lab["network"].get(case.network, case.network),
        "org": case.org_id,
        "org_name": case.org.name,
        "state": case.state,
        "state_label": lab["state"].get(case.state, case.state),
        "channel": case.channel,
        "category": case.category,
        "category_label": lab["category"].get(case.category, case.category),
        "priority": case.priority,
        "region": case.region,
        "created_at": dt_json(case.created_at, tz),
        "due_at": dt_json(case.due_at, tz),
        "due_basis": case.due_basis if case.due_at else "",
        "due_unit": case.due_unit if case.due_at else "",
        "due_left": clocks.days_left_label(case.due_at, case.due_unit, now)
        if case.due_at and now and case.state in OPEN_STATES
        else "",
        # False: counted on the statutory estimate of a year whose arrangement is unpublished.
        "due_confirmed": clocks.due_confirmed(case.due_at),
        "due_note": clocks.unconfirmed_note(case.due_at),
        "overdue": bool(case.state in OPEN_STATES and case.due_at and now and case.due_at < now),
        "risk_level": case.risk_level,
        "mediator": None
        if m is None
        else {"id": m.pk, "username": m.username, "name": display_name(m)},
        "parties": [party_json(link, full, lab) for link in case.case_parties.all()],
        "available_transitions": services.available_transitions(case, context_user(context)),
        "petition": petition_json(case) if case.channel == "petition_transfer" else None,
    }

"""What the case page shows: its context (parties, records, timeline, the transition forms
this user may run), built once for the page, its live fragment and every page that answers
an error with the case page again (cases, corrections, attachments)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Max, TextChoices
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import documents, policies
from mediation.actions import party_access, party_signing, services
from mediation.api.serializers import petition_json
from mediation.documents import pades
from mediation.law import clocks
from mediation.law.choices import (
    OPEN_STATES,
    AttachmentKind,
    Channel,
    EventType,
    FailReason,
    HandoffKind,
    ReferRoute,
    RiskLevel,
    State,
    Tag,
)
from mediation.law.identity import display_name, mask_id_number, mask_phone
from mediation.law.parties import legal_aid_parties
from mediation.law.transitions import FORMS
from mediation.models import Case, CaseEvent

from .. import forms as page_forms
from ..forms import DECISION_LABELS, DECISION_LABELS_BY_TASK
from ..forms_desks import correction_text, corrections_context

if TYPE_CHECKING:
    from django.forms import Form
    from django_stubs_ext import StrOrPromise

    from mediation.policies import Actor

    from .. import AuthedRequest

SESSION_STATES = {State.ACCEPTED, State.MEDIATING}
FOLLOW_UP_STATES = {State.AGREED, State.CONFIRMED, State.CLOSED}
# Where the page tells a qualifying party about legal aid (the law's route after mediation).
LEGAL_AID_ON = frozenset({"fail", "decline", "refer"})


def last_event_id(user: Actor) -> int:
    """The newest event id this user may see: the live script resumes from here."""
    return policies.visible_events(user).aggregate(m=Max("id"))["m"] or 0


def due_left(case: Case, now: dt.datetime) -> str:
    """ "剩余 12 个工作日": days left in the clock's own unit (mediation.law.clocks)."""
    if not case.due_at or case.state not in OPEN_STATES:
        return ""
    return clocks.days_left_label(case.due_at, case.due_unit, now)


def _clock_pause(case: Case, now: dt.datetime) -> str:
    """ "期限暂停计算中（自 …起）" / "已暂停 N 日，不计入期限": the days a clock stood still."""
    c = clocks.clock_from_json(case.due_clock or {})
    if c is None or case.state not in OPEN_STATES:
        return ""
    if c.paused_since is not None:
        return _("期限暂停计算中（自 %(day)s 起，%(n)d 日）") % {
            "day": c.paused_since.isoformat(),
            "n": clocks.paused_days(c, timezone.localdate(now)),
        }
    n = clocks.paused_days(c)
    return _("已暂停 %(n)d 日，不计入期限") % {"n": n} if n else ""


def is_overdue(case: Case, now: dt.datetime) -> bool:
    return bool(case.due_at and case.due_at < now and case.state in OPEN_STATES)


def _party_rows(case: Case, full: bool) -> list[dict[str, Any]]:
    rows = []
    for link in case.case_parties.all():
        p = link.party
        rows.append(
            {
                "role": link.get_role_display(),
                "role_code": link.role,
                "kind": p.get_kind_display(),
                "name": p.name,
                "gender": p.get_gender_display(),
                "ethnicity": p.ethnicity,
                "id_number": p.id_number if full else mask_id_number(p.id_number),
                "credit_code": p.credit_code,
                "representative": p.representative,
                "proxy": p.representative_info,
                "proxy_kind": p.get_rep_kind_display(),
                "phone": p.phone if full else mask_phone(p.phone),
                "address": p.address if full else "",
                "tags": [choice_label(Tag, t) for t in p.tags],
            }
        )
    return rows


def choice_label(choices: type[TextChoices], value: str) -> str:
    """The label of a stored code, or the code itself when the choices no longer know it."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def state_label(code: str) -> str:
    return choice_label(State, code)


def event_text(event: CaseEvent) -> str:
    """One line describing an event in the timeline (shared by page and live fragment)."""
    data = event.payload.get("data", {})
    if event.type == EventType.CASE_TRANSITIONED:
        form = FORMS.get(data.get("transition"))
        op = str(form.label) if form else data.get("transition", "")
        return _("%(op)s：%(src)s → %(dst)s") % {
            "op": op,
            "src": state_label(data.get("from", "")),
            "dst": state_label(data.get("to", "")),
        }
    if event.type == EventType.CASE_UPDATED:
        if data.get("record") == "session":
            return _("登记调解记录")
        if data.get("record") == "follow_up":
            return _("登记回访记录")
        if data.get("correction"):
            return correction_text(data)
    if event.type == EventType.TASK_COMPLETED:
        kind, decision = data.get("type", ""), data.get("decision", "")
        label = DECISION_LABELS_BY_TASK.get((kind, decision)) or DECISION_LABELS.get(decision)
        if label:
            return _("衔接任务办结：%(decision)s") % {"decision": label}
    if event.type == EventType.HANDOFF_OPENED:
        kind = data.get("kind") or ""
        if kind in HandoffKind.values:
            return _("衔接流程开启：%(kind)s") % {"kind": HandoffKind(kind).label}
    if event.type == EventType.CASE_RISK_FLAGGED:
        return _("标记矛盾激化风险（%(level)s）：%(note)s") % {
            "level": choice_label(RiskLevel, data.get("level", "")),
            "note": data.get("note", ""),
        }
    if event.type == EventType.PARTY_NOTICE_READ:
        return _("%(party)s已阅读%(title)s（电子送达）") % {
            "party": data.get("party_name", ""),
            "title": data.get("title", ""),
        }
    return event.get_type_display()


def _timeline(case: Case) -> list[dict[str, Any]]:
    events = list(case.events.select_related("actor").order_by("-id"))
    return [
        {
            "id": e.id,
            "type": e.type,
            "type_label": e.get_type_display(),
            "at": e.at,
            "actor": (e.payload.get("actor") or {}).get("name", ""),
            "text": event_text(e),
        }
        for e in events
    ]


def _documents(case: Case) -> list[dict[str, str]]:
    """Links to the documents that exist for the case now (mediation.documents decides)."""
    return [
        {"kind": kind, "label": title, "url": f"/api/cases/{case.pk}/documents/{kind}.pdf"}
        for kind, title in documents.available(case)
    ]


def visible_case_or_404(user: Actor, pk: int) -> Case:
    return get_object_or_404(
        policies.visible_cases(user).select_related("org", "mediator", "registering_org"), pk=pk
    )


def _live_labels() -> dict[str, dict[str, StrOrPromise]]:
    """Labels live.js needs to describe an event the same way the timeline does."""
    return {
        "transitions": {name: str(form.label) for name, form in FORMS.items()},
        "events": dict(EventType.choices),
    }


def detail_context(
    request: AuthedRequest,
    case: Case,
    *,
    open_form: str | None = None,
    form_errors: dict[str, list[str]] | None = None,
    session_form: Form | None = None,
    follow_up_form: Form | None = None,
    risk_form: Form | None = None,
    kept_form: Form | None = None,
) -> dict[str, Any]:
    user = request.user
    specs = services.available_transitions(case, user)
    forms_ = []
    for spec in specs:
        if spec["name"] == open_form:
            forms_.append(
                page_forms.transition_form(case, spec, data=request.POST, errors=form_errors)
            )
        else:
            forms_.append(page_forms.transition_form(case, spec))
    full = policies.handles(user, case, via="page")
    legal_aid = []
    if LEGAL_AID_ON & {spec["name"] for spec in specs}:
        legal_aid = [p.name for p in legal_aid_parties(case)]
    may_record = policies.may_record(user, case) and not case.is_frozen
    now = timezone.now()
    return {
        "case": case,
        "full": full,
        "parties": _party_rows(case, full),
        "agreement": case.current_agreement,
        "sessions": list(case.sessions.all()),
        "follow_ups": list(case.follow_ups.all()),
        "handoffs": [
            {"h": h, "status": h.get_status_display()} for h in case.handoffs.select_related("org")
        ],
        "timeline": _timeline(case),
        "transition_forms": forms_,
        "legal_aid": legal_aid,
        "legal_aid_on": LEGAL_AID_ON,
        "open_form": open_form,
        "session_form": session_form
        or (page_forms.SessionForm() if may_record and case.state in SESSION_STATES else None),
        "follow_up_form": follow_up_form
        or (
            page_forms.FollowUpForm(routes=services.performance_routes(case))
            if may_record and case.state in FOLLOW_UP_STATES
            else None
        ),
        "risk_form": risk_form
        or (page_forms.RiskForm() if policies.may_flag_risk(user, case) else None),
        "corrections": corrections_context(user, case),
        "kept_form": kept_form,
        "documents": _documents(case),
        "signatures": pades.signature_notes(case, full=full),
        "attachments": list(case.attachments.all()),
        "party_online": {
            "receipts": party_access.receipts(case),
            "signatures": party_signing.signature_rows(case),
            "application": party_signing.application_rows(case),
            "sms": list(case.sms_messages.order_by("-id")[:20]) if full else [],
        },
        "attachment_kinds": AttachmentKind.choices if may_record else None,
        "overdue": is_overdue(case, now),
        "due_left": due_left(case, now),
        "clock_pause": _clock_pause(case, now),
        "petition": petition_json(case) if case.channel == Channel.PETITION_TRANSFER else None,
        "mediator": display_name(case.mediator),
        "last_event_id": last_event_id(user),
        "state_labels": dict(State.choices),
        "live_labels": _live_labels(),
        "end_reason": choice_label(FailReason, case.end_reason),
        "referral_route": choice_label(ReferRoute, case.referral_route),
        "nav": "cases",
    }

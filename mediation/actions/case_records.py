"""Records under a case that change no state: mediation sessions, follow-ups on an
agreement's performance, the risk flag, and the record of every document served."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from mediation import policies
from mediation.documents import records
from mediation.errors import InvalidFields, NotPermitted, StateConflict
from mediation.events import record_event
from mediation.law.case_rules import (
    ROUTE_REFUSALS,
    performance_routes,
    police_report_errors,
    record_day_error,
)
from mediation.law.choices import (
    EscalationKind,
    EventType,
    PerformanceRoute,
    RiskLevel,
    Satisfaction,
    State,
)
from mediation.law.jsonform import Data, Errors, JsonForm, errors_of
from mediation.models import Case, FollowUp, MediationSession

from . import party_notify, video
from .base import CaseRef, load_for_update

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediation.models import CaseEvent


class SessionForm(JsonForm):
    held_at = forms.DateTimeField()
    place = forms.CharField(max_length=200)
    attendees = forms.CharField(max_length=2000)
    record = forms.CharField(max_length=50000)

    def __init__(self, data: Data, *, case: Case, now: dt.datetime) -> None:
        super().__init__(data)
        self.case, self.now = case, now

    def clean_held_at(self) -> dt.datetime:
        held_at: dt.datetime = self.cleaned_data["held_at"]
        if held_at > self.now:
            raise ValidationError(_("调解时间不能晚于现在"))
        error = record_day_error(
            timezone.localdate(held_at), self.case, timezone.localdate(self.now)
        )
        if error:
            raise ValidationError(error)
        return held_at


class FollowUpForm(JsonForm):
    date = forms.DateField()
    performed = forms.NullBooleanField()
    note = forms.CharField(max_length=5000, required=False)
    route = forms.ChoiceField(choices=PerformanceRoute.choices, required=False)
    satisfaction = forms.ChoiceField(choices=Satisfaction.choices, required=False)
    escalation_signs = forms.BooleanField(required=False)
    early_reason = forms.CharField(max_length=500, required=False)

    def __init__(self, data: Data, *, case: Case, now: dt.datetime) -> None:
        super().__init__(data)
        self.case, self.now = case, now

    def clean_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["date"]
        error = record_day_error(day, self.case, timezone.localdate(self.now))
        if error:
            raise ValidationError(error)
        return day

    def clean_performed(self) -> bool:
        value = self.cleaned_data.get("performed")
        if value is None:
            raise ValidationError(_("请填写协议是否已履行"))
        return bool(value)

    def clean(self) -> Data:
        super().clean()
        data = self.cleaned_data
        route = data.get("route")
        if not route:
            return data
        if data.get("performed"):
            self.add_error("route", _("协议已履行，无需选择救济途径"))
        elif route not in performance_routes(self.case):
            self.add_error("route", str(ROUTE_REFUSALS[route]))
        return data


def _record(
    case_or_id: CaseRef,
    user: User,
    allowed_states: Collection[str],
    check: Callable[[User, Case], bool],
) -> Case:
    case = load_for_update(case_or_id, user)
    if case.is_frozen:
        raise StateConflict(_("案件已归档，不能再变更"), case.state)
    if not check(user, case):
        raise NotPermitted(_("您无权在该案件中登记记录"))
    if case.state not in allowed_states:
        raise StateConflict(
            _("案件当前状态为“%(state)s”，不能登记此记录") % {"state": case.get_state_display()},
            case.state,
        )
    return case


def add_session(
    case_or_id: CaseRef, user: User, data: Data | None, *, now: dt.datetime | None = None
) -> MediationSession:
    now = now or timezone.now()
    if isinstance(data, dict) and data.get("online") is True:
        # scheduled, not held: its own door (DESIGN §12.6)
        return video.schedule(case_or_id, user, data, now=now)
    with transaction.atomic():
        case = _record(case_or_id, user, {State.ACCEPTED, State.MEDIATING}, policies.may_record)
        form = SessionForm(data or {}, case=case, now=now)
        if not form.is_valid():
            raise InvalidFields(_("提交的内容有误"), errors_of(form))
        session = MediationSession.objects.create(
            case=case, recorded_by=user, created_at=now, **form.cleaned_data
        )
        event = record_event(
            case, EventType.CASE_UPDATED, user, {"record": "session", "session": session.pk}, at=now
        )
        records.after_event(case, "session", event, subject=f"session:{session.pk}")
        party_notify.after_session(case, session)
    return session


def add_follow_up(
    case_or_id: CaseRef, user: User, data: Data | None, *, now: dt.datetime | None = None
) -> FollowUp:
    now = now or timezone.now()
    with transaction.atomic():
        case = _record(
            case_or_id, user, {State.AGREED, State.CONFIRMED, State.CLOSED}, policies.may_record
        )
        form = FollowUpForm(data or {}, case=case, now=now)
        if not form.is_valid():
            raise InvalidFields(_("提交的内容有误"), errors_of(form))
        follow_up = FollowUp.objects.create(
            case=case, recorded_by=user, created_at=now, **form.cleaned_data
        )
        event = record_event(
            case,
            EventType.CASE_UPDATED,
            user,
            {
                "record": "follow_up",
                "follow_up": follow_up.pk,
                "performed": follow_up.performed,
                "route": follow_up.route,
                "satisfaction": follow_up.satisfaction,
                "escalation_signs": follow_up.escalation_signs,
                "routes_open": [] if follow_up.performed else performance_routes(case),
            },
            at=now,
        )
        records.after_event(case, "follow_up", event, subject=f"follow_up:{follow_up.pk}")
    return follow_up


def _parse_moment(value: object) -> dt.datetime | None:
    if value in (None, ""):
        return None
    moment: dt.datetime | None
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = parse_datetime(str(value))
        if moment is None:
            return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def flag_risk(
    case_or_id: CaseRef, user: User, data: Data | None, *, now: dt.datetime | None = None
) -> Case:
    now = now or timezone.now()
    data = data or {}
    # The body's own values (JSON may carry anything): checked below before any write.
    level: Any = data.get("level")
    raw_note = data.get("note")
    # JSON may carry anything here: only text is a note (a boolean was a 500).
    note = raw_note.strip() if isinstance(raw_note, str) else ""
    raw_to = data.get("reported_to")
    reported_to = raw_to.strip() if isinstance(raw_to, str) else ""
    reported_at = _parse_moment(data.get("reported_at"))
    kind: Any = data.get("kind")
    kind = "" if kind is None or kind == "" else kind  # absent; an empty {} is not absent
    errors: Errors = {}
    if kind != "" and (not isinstance(kind, str) or kind not in EscalationKind.values):
        errors["kind"] = [_("应为 criminal、mass_petition、mass_fight 或 suicide")]
    if level not in RiskLevel.values:
        errors["level"] = [_("风险等级应为 low、medium 或 high")]
    if not note:
        errors["note"] = [_("请说明风险情况")]
    if len(reported_to) > 100:
        errors["reported_to"] = [_("不超过100字")]
    if raw_to is not None and not isinstance(raw_to, str):
        errors["reported_to"] = [_("应为文本")]
    # The pages leave blank fields out; over JSON an empty time is not a time.
    if data.get("reported_at") is not None and reported_at is None:
        errors["reported_at"] = [_("时间格式应为 ISO 8601")]
    elif reported_at is not None and reported_at > now:
        errors["reported_at"] = [_("报告时间不得晚于现在")]
    if level == RiskLevel.HIGH:
        missing = police_report_errors(reported_to, reported_at)
        if "reported_to" in missing:
            errors.setdefault("reported_to", []).extend(missing["reported_to"])
        if "reported_at" in missing and "reported_at" not in errors:
            errors["reported_at"] = missing["reported_at"]
    with transaction.atomic():
        case = load_for_update(case_or_id, user)
        if not policies.may_flag_risk(user, case):
            raise NotPermitted(_("您无权标记该案件的风险"))
        if errors:
            raise InvalidFields(_("提交的内容有误"), errors)
        # risk fields are not FSM state: a queryset update is fine here
        if level != RiskLevel.HIGH:
            reported_to, reported_at = "", None
        Case.objects.filter(pk=case.pk).update(
            risk_level=level,
            risk_note=note,
            risk_kind=kind,
            risk_reported_to=reported_to,
            risk_reported_at=reported_at,
            updated_at=now,
        )
        case.risk_level, case.risk_note, case.risk_kind = level, note, kind
        case.risk_reported_to, case.risk_reported_at = reported_to, reported_at
        payload: Data = {"level": level, "note": note}
        if kind:
            payload["kind"] = kind
        if level == RiskLevel.HIGH and reported_at is not None:  # required for HIGH above
            payload.update(reported_to=reported_to, reported_at=reported_at.isoformat())
        record_event(case, EventType.CASE_RISK_FLAGGED, user, payload, at=now)
    return case


# -- documents served and stored -------------------------------------------------------------


def record_export(
    case: Case, user: User, kind: str, *, full: bool, versions: list[int]
) -> CaseEvent:
    """Every document served is on the record: who exported what, masked or in full."""
    with transaction.atomic():
        return record_event(
            case,
            EventType.CASE_UPDATED,
            user,
            {"record": "export", "document": kind, "masked": not full, "versions": versions},
        )

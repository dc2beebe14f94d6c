"""The one door for every change to a case (DESIGN.md §3).

`perform` runs a transition: visibility, permission (policies), state and network
conditions (django-fsm), fields (mediation.law.transitions), the FSM method, the rows written
beside it and the CaseEvent, all in one transaction; the live push runs on commit.
`register_case` is the intake used by every channel. Views, API, flows and commands call
these and nothing else to change a case.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar, overload

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_fsm import can_proceed

from mediation import policies
from mediation.documents import records
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.events import record_event, record_events
from mediation.law import clocks, lengths
from mediation.law.choices import (
    DERIVED_TAGS,
    MEDIATING_KINDS,
    NETWORK_WORD,
    PRIORITY_TAGS,
    AccessReason,
    Category,
    Channel,
    EventType,
    Gender,
    HandoffKind,
    HandoffStatus,
    Outcome,
    PartyKind,
    PartyRole,
    PerformanceRoute,
    RepresentativeKind,
    RiskLevel,
    State,
    Tag,
)
from mediation.law.clocks import acceptance_clock
from mediation.law.identity import (
    age_on,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_resident_id,
    reject_direction_controls,
    validate_credit_code,
    validate_phone,
)
from mediation.law.jsonform import JsonForm
from mediation.law.transitions import FORMS, TRANSITION_NAMES, describe_fields
from mediation.models import (
    Case,
    CaseAccess,
    CaseNumberSequence,
    CaseParty,
    FollowUp,
    Handoff,
    MediationSession,
    Organization,
    Party,
    case_sql,
)
from mediation.models.case_sql import StaleCase
from mediation.supervision.complaints import warnings_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediation.events import EventItem
    from mediation.models import CaseEvent

# A JSON-like body (a request's, an event's data) and the field errors of one.
Data: TypeAlias = dict[str, Any]
Errors: TypeAlias = dict[str, list[str]]
# A case, or its id as a caller has it (a URL's text, a JSON number).
CaseRef: TypeAlias = "Case | int | str"

# -- access ---------------------------------------------------------------------------


def grant_access(case: Case, org: Organization | int, reason: str, now: dt.datetime) -> None:
    """Let `org` see the case (and its earlier events) from now on. Idempotent."""
    org_id = org.pk if isinstance(org, Organization) else org
    obj, created = CaseAccess.objects.get_or_create(
        case=case, org_id=org_id, defaults={"reason": reason, "since": now}
    )
    if not created and obj.reason != reason and reason == AccessReason.HANDLER:
        CaseAccess.objects.filter(pk=obj.pk).update(reason=reason)


# -- handoffs (the workflows drive them; their rows and events are written here) -------------


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


def set_case_file(case_id: int, file_name: str) -> None:
    """The archive's copy of the 卷宗 (`Case.case_file`), written when it is stored."""
    Case.objects.filter(pk=case_id).update(case_file=file_name)


def _load_for_update(case_or_id: CaseRef, user: User | None) -> Case:
    # A case's pk, or the id as given (a URL's text, a JSON value: anything may arrive).
    ref: Any = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
    try:
        pk = int(ref)
    except (ValueError, TypeError):
        raise NotVisible(_("案件不存在")) from None
    case = case_sql.lock_case(pk, _probes)
    if case is None or (user is not None and not policies.can_see(user, case)):
        raise NotVisible(_("案件不存在"))
    return case


def _errors_of(form: forms.Form) -> Errors:
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return errors


# -- transitions ------------------------------------------------------------------------


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
        case = _perform_atomic(case_or_id, name, user, data, now)
    except StaleCase:
        # Read after the block: the stale write rolled its transaction back.
        pk = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
        current = Case.objects.filter(pk=pk).values_list("state", flat=True).first()
        raise StateConflict(_("案件状态已被他人更改，请刷新后重试"), current or "") from None
    _after_commit(case, name)
    return case


_CASE_FIELDS = [f.attname for f in Case._meta.concrete_fields if not f.primary_key]


def _values(case: Case) -> Data:
    return {name: getattr(case, name) for name in _CASE_FIELDS}


def _perform_atomic(
    case_or_id: CaseRef, name: str, user: User, data: Data | None, now: dt.datetime
) -> Case:
    with transaction.atomic():
        case = _load_for_update(case_or_id, user)
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
            raise InvalidFields(_("提交的内容有误"), _errors_of(form))
        source, previous_org = case.state, case.org_id
        event_data = {"transition": name, "from": source, **form.event_data()}
        before = _values(case)
        method(at=now, **form.method_kwargs())
        # Write only what the transition changed (the state check still guards the row).
        changed = [name for name, value in _values(case).items() if before[name] != value]
        case.updated_at = now
        form.after(case)
        if name == "extend":
            _court_follows_agreed_extension(case, now)
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
    return case


def _court_follows_agreed_extension(case: Case, now: dt.datetime) -> None:
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
            "previous_due_at": referral.due_at.isoformat() if referral.due_at else None,
            "due_at": case.due_at.isoformat(),
            "at": now.isoformat(),
        },
    }
    referral.due_at = case.due_at
    referral.save(update_fields=["due_at", "data"])


# fn(case, name, user, now), inside the transition's transaction; fn(case), after commit.
InTransition: TypeAlias = Callable[[Case, str, "User", dt.datetime], None]
AfterCommit: TypeAlias = Callable[[Case], None]
_H = TypeVar("_H", bound=Callable[..., None])

_after_hooks: dict[str, list[AfterCommit]] = {}
_in_transaction_hooks: list[InTransition] = []
_probes: dict[str, Callable[[Any], Any]] = {}


@overload
def in_transition(fn: _H, *, probe: Callable[[Any], Any] | None = None) -> _H: ...
@overload
def in_transition(
    fn: None = None, *, probe: Callable[[Any], Any] | None = None
) -> Callable[[_H], _H]: ...
def in_transition(
    fn: _H | None = None, *, probe: Callable[[Any], Any] | None = None
) -> _H | Callable[[_H], _H]:
    """Register `fn(case, name, user, now)` to run inside every transition's transaction,
    after its event: the workflows start and advance their handoffs there, so a case and
    its flow tasks commit (or roll back) together.

    `probe(case_ref)`, optional, returns a query expression that the service annotates on
    the row it locks, as `probe_<fn name>`: the hook learns whether it has anything to do
    without a query of its own on the hot path."""

    def deco(fn: _H) -> _H:
        _in_transaction_hooks.append(fn)
        if probe is not None:
            _probes[f"probe_{fn.__name__}"] = probe
        return fn

    return deco(fn) if fn is not None else deco


def on_transition(name: str) -> Callable[[_H], _H]:
    """Register `fn(case)` to run after a committed transition (slow work: PDFs)."""

    def deco(fn: _H) -> _H:
        _after_hooks.setdefault(name, []).append(fn)
        return fn

    return deco


def _after_commit(case: Case, name: str) -> None:
    for fn in _after_hooks.get(name, ()):
        transaction.on_commit(functools.partial(fn, case))


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


# -- intake -----------------------------------------------------------------------------


class _CaseForm(JsonForm):
    org = forms.IntegerField()
    channel = forms.ChoiceField(choices=Channel.choices)
    category = forms.ChoiceField(choices=Category.choices)
    summary = forms.CharField(max_length=lengths.SUMMARY, error_messages=lengths.MESSAGES)
    claims = forms.CharField(
        max_length=lengths.CLAIMS, required=False, error_messages=lengths.MESSAGES
    )
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False
    )
    region = forms.CharField(
        max_length=lengths.REGION, required=False, error_messages=lengths.MESSAGES
    )
    village = forms.CharField(
        max_length=lengths.REGION, required=False, error_messages=lengths.MESSAGES
    )


class _PartyForm(JsonForm):
    role = forms.ChoiceField(choices=PartyRole.choices)
    kind = forms.ChoiceField(choices=PartyKind.choices)
    name = forms.CharField(
        max_length=lengths.NAME,
        error_messages=lengths.MESSAGES,
        validators=[reject_direction_controls],
    )
    gender = forms.ChoiceField(choices=Gender.choices, required=False)
    ethnicity = forms.CharField(
        max_length=lengths.ETHNICITY, required=False, error_messages=lengths.MESSAGES
    )
    id_number = forms.CharField(max_length=18, required=False)
    birth_date = forms.DateField(required=False)
    credit_code = forms.CharField(max_length=18, required=False)
    legal_representative = forms.CharField(
        max_length=lengths.REPRESENTATIVE,
        required=False,
        error_messages=lengths.MESSAGES,
        validators=[reject_direction_controls],
    )
    phone = forms.CharField(max_length=lengths.PHONE, required=False)
    address = forms.CharField(
        max_length=lengths.ADDRESS, required=False, error_messages=lengths.MESSAGES
    )
    tags = forms.JSONField(required=False)
    limited_capacity = forms.BooleanField(required=False)
    representative = forms.Field(required=False)  # an object: see _representative

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number") or ""
        return parse_resident_id(value).number if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        return validate_phone(value) if value else ""

    def clean_credit_code(self) -> str:
        value = self.cleaned_data.get("credit_code") or ""
        return validate_credit_code(value) if value else ""

    def clean_tags(self) -> list[str]:
        tags = self.cleaned_data.get("tags")
        tags = [] if tags is None else tags  # absent or null; an empty {} or "" is no list
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise ValidationError(_("特殊群体标签应为列表"))
        unknown = sorted(set(tags) - set(Tag.values))
        if unknown:
            raise ValidationError(_("未知的特殊群体标签：%(tags)s") % {"tags": "、".join(unknown)})
        return sorted(set(tags) - DERIVED_TAGS)  # derived tags come from the ID number

    def clean(self) -> Data:
        super().clean()
        data = self.cleaned_data
        data["representative"] = self._representative(data)
        if data.get("kind") == PartyKind.PERSON and data.get("id_number"):
            rid = parse_resident_id(data["id_number"])
            data["birth_date"] = rid.birth_date
            if data.get("gender") and data["gender"] != rid.gender:
                self.add_error("gender", _("性别与公民身份号码不符"))
            data["gender"] = rid.gender
        if data.get("kind") == PartyKind.ORGANIZATION:
            data["gender"], data["id_number"], data["birth_date"] = "", "", None
        return data

    def _representative(self, data: Data) -> Data | None:
        """A natural person's guardian or agent `{"kind", "name", "id_number", "phone",
        "authorization"}`. For an organisation a plain string is its legal representative
        (the field's earlier meaning)."""
        raw = self.data.get("representative")
        if raw in (None, "", {}):
            return None
        if isinstance(raw, str):
            if data.get("kind") == PartyKind.ORGANIZATION:
                data["legal_representative"] = data.get("legal_representative") or raw[:50]
                return None
            raw = None
        form = _RepresentativeForm(raw if isinstance(raw, dict) else {})
        if not isinstance(raw, dict):
            self.add_error(
                "representative",
                _(
                    "代理人应为对象：kind（guardian 监护人 / agent 委托代理人）、name、id_number、"
                    "phone、authorization"
                ),
            )
            return None
        if data.get("kind") == PartyKind.ORGANIZATION:
            self.add_error("representative", _("组织当事人请填写法定代表人/负责人"))
            return None
        if not form.is_valid():
            for field, messages in _errors_of(form).items():
                for m in messages:
                    self.add_error("representative", f"{field}: {m}")
            return None
        return form.cleaned_data


class _RepresentativeForm(JsonForm):
    kind = forms.ChoiceField(choices=RepresentativeKind.choices)
    name = forms.CharField(max_length=50)
    id_number = forms.CharField(max_length=18, required=False)
    phone = forms.CharField(max_length=30, required=False)
    authorization = forms.CharField(max_length=2000, required=False)

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number") or ""
        return parse_resident_id(value).number if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        return validate_phone(value) if value else ""


def representative_fields(rep: Data | None) -> dict[str, str]:
    rep = rep or {}
    return {
        "rep_kind": rep.get("kind") or "",
        "rep_name": rep.get("name") or "",
        "rep_id_number": rep.get("id_number") or "",
        "rep_phone": rep.get("phone") or "",
        "rep_authorization": rep.get("authorization") or "",
    }


def guardian_error(party: Data) -> str | None:
    """Registration is refused for a minor or a person without full capacity who has no
    guardian: the guardian acts as their legal representative (民法典 arts 23, 27–28)."""
    if party.get("kind") != PartyKind.PERSON:
        return None
    needs = Tag.MINOR in party.get("tags", ()) or party.get("limited_capacity")
    rep = party.get("representative") or {}
    if needs and rep.get("kind") != RepresentativeKind.GUARDIAN:
        who = (
            _("未成年人")
            if Tag.MINOR in party.get("tags", ())
            else _("无民事行为能力或限制民事行为能力人")
        )
        return _(
            "当事人“%(name)s”是%(who)s，须登记其监护人作为法定代理人（《民法典》第二十三条）"
        ) % {"name": party.get("name", ""), "who": who}
    return None


def derived_tags(
    kind: str, birth_date: dt.date | None, tags: Iterable[str], today: dt.date
) -> list[str]:
    out = set(tags)
    if kind == PartyKind.PERSON and birth_date:
        age = age_on(birth_date, today)
        if age >= 60:
            out.add(Tag.ELDERLY)
        if age < 18:
            out.add(Tag.MINOR)
    return sorted(out)


def _allocate_number(org: Organization, year: int) -> str:
    """Next number for (org, year), inside the caller's transaction: the counter row is
    locked until commit, so numbers are never duplicated and a rollback leaves no gap."""
    CaseNumberSequence.objects.bulk_create(
        [CaseNumberSequence(org=org, year=year, last=0)], ignore_conflicts=True
    )
    seq = CaseNumberSequence.objects.select_for_update().get(org=org, year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    word = NETWORK_WORD[org.network]
    # One network word after the organisation's code: "律" + "律调" is "律调", not "律律调".
    if org.short_code.endswith(word[0]):
        word = word[1:]
    return f"（{year}）{org.short_code}{word}字第{seq.last:04d}号"


@dataclass
class Registration:
    """A registration that passed validation: the case's cleaned fields, its mediating
    organisation, the cleaned parties (with their derived tags) and the priority flag."""

    fields: dict[str, Any]
    org: Organization
    parties: list[dict[str, Any]]
    priority: bool


def validate_registration(
    data: Data | None,
    *,
    channel: str | None = None,
    now: dt.datetime | None = None,
    authorize: Callable[[Organization], None] | None = None,
) -> Registration:
    """The intake's validation, without writing: the cleaned registration, or InvalidFields
    with every message. `authorize(org)` is called as soon as the organisation is known
    and the body is well formed, before the checks of the parties' ages and guardians, so
    a user who may not register there is refused before being told more about the body."""
    now = now or timezone.now()
    data = dict(data or {})
    if channel:
        data["channel"] = channel
    form = _CaseForm(data)
    errors: Errors = {} if form.is_valid() else _errors_of(form)
    parties_in = data.get("parties")
    parties: list[Data] = []
    if not isinstance(parties_in, list) or not parties_in:
        errors.setdefault("parties", []).append(_("至少需要一名申请人和一名被申请人"))
    else:
        for i, raw in enumerate(parties_in):
            pform = _PartyForm(raw if isinstance(raw, dict) else {})
            if pform.is_valid():
                parties.append(pform.cleaned_data)
                continue
            who = raw.get("name") if isinstance(raw, dict) and raw.get("name") else f"#{i + 1}"
            for field, messages in _errors_of(pform).items():
                errors[f"parties[{i}].{field}"] = [
                    _("当事人“%(who)s”：%(msg)s") % {"who": who, "msg": m} for m in messages
                ]
        roles = {p["role"] for p in parties}
        if not errors and not {PartyRole.APPLICANT, PartyRole.RESPONDENT} <= roles:
            errors.setdefault("parties", []).append(_("至少需要一名申请人和一名被申请人"))
    org = None
    if "org" not in errors and form.is_valid():
        org = Organization.objects.filter(pk=form.cleaned_data["org"]).first()
        if org is None:
            errors["org"] = [_("组织不存在")]
        elif org.kind not in MEDIATING_KINDS:
            errors["org"] = [_("只能登记到调解组织")]
    if errors or org is None:
        raise InvalidFields(_("提交的内容有误"), errors)
    if authorize is not None:
        authorize(org)

    today = timezone.localdate(now)
    for i, p in enumerate(parties):
        p["tags"] = derived_tags(p["kind"], p.get("birth_date"), p.get("tags") or [], today)
        error = guardian_error(p)
        if error:
            errors[f"parties[{i}].representative"] = [error]
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    priority = any(set(p["tags"]) & PRIORITY_TAGS for p in parties)
    return Registration(form.cleaned_data, org, parties, priority)


def register_case(
    user: User | None,
    data: Data | None,
    *,
    channel: str | None = None,
    now: dt.datetime | None = None,
    check_permission: bool = True,
    extra_access: Iterable[Organization | int] = (),
    event_data: Data | None = None,
) -> Case:
    """Intake for every channel. `channel` forces the channel (petition, court referral)."""
    now = now or timezone.now()

    def authorize(org: Organization) -> None:
        if check_permission and not policies.may_register(user, org):
            raise NotPermitted(_("您无权为该组织登记案件"))

    registration = validate_registration(data, channel=channel, now=now, authorize=authorize)
    return _write_registration(
        registration, user, now=now, extra_access=extra_access, event_data=event_data
    )


def _write_registration(
    registration: Registration,
    user: User | None,
    *,
    now: dt.datetime,
    extra_access: Iterable[Organization | int] = (),
    event_data: Data | None = None,
) -> Case:
    """The intake's writes, in one transaction: the case with its number and acceptance
    clock, its parties, its access grants and its `case.created` event."""
    cd, org, parties = registration.fields, registration.org, registration.parties
    with transaction.atomic():
        case: Case = Case(
            number=_allocate_number(org, timezone.localtime(now).year),
            network=org.network,
            org=org,
            registering_org=org,
            registered_by=user,
            channel=cd["channel"],
            category=cd["category"],
            summary=cd["summary"],
            claims=cd.get("claims") or "",
            amount=cd.get("amount"),
            region=cd.get("region") or org.region,
            village=cd.get("village") or "",
            priority=registration.priority,
            created_at=now,
        )
        case.set_clock(acceptance_clock(registration.priority, now))
        case.save()
        for i, p in enumerate(parties):
            party = Party.objects.create(
                kind=p["kind"],
                name=p["name"],
                gender=p.get("gender") or "",
                ethnicity=p.get("ethnicity") or "",
                id_number=p.get("id_number") or "",
                birth_date=p.get("birth_date"),
                credit_code=p.get("credit_code") or "",
                representative=p.get("legal_representative") or "",
                limited_capacity=bool(p.get("limited_capacity")),
                **representative_fields(p.get("representative")),
                phone=p.get("phone") or "",
                address=p.get("address") or "",
                tags=p["tags"],
            )
            CaseParty.objects.create(case=case, party=party, role=p["role"], position=i)
        grant_access(case, org, AccessReason.HANDLER, now)
        # The intake desk routes what it registers (transfer, withdraw): it must see it.
        for org_id in policies.intake_desks(user, org):
            grant_access(case, org_id, AccessReason.INTAKE, now)
        for partner in extra_access:  # the referring court or petition bureau
            grant_access(case, partner, AccessReason.HANDOFF, now)
        created = record_event(
            case,
            EventType.CASE_CREATED,
            user,
            {"channel": case.channel, "priority": registration.priority, **(event_data or {})},
            at=now,
        )
        records.after_event(case, "created", created)
    return case


# -- records under a case ---------------------------------------------------------------


class _SessionForm(JsonForm):
    held_at = forms.DateTimeField()
    place = forms.CharField(max_length=200)
    attendees = forms.CharField(max_length=2000)
    record = forms.CharField(max_length=50000)


def performance_routes(case: Case) -> list[str]:
    """What a party may do when the other side does not perform the agreement: enforce a
    confirmed one (CPL art 206); sue on an unconfirmed one (PML art 32); for labour
    disputes, arbitration or — for wages, injury costs and compensation — a payment order
    (LDMAL arts 15–16)."""
    confirmed = case.state == State.CONFIRMED or case.outcome == Outcome.CONFIRMED
    routes: list[str] = [PerformanceRoute.ENFORCEMENT] if confirmed else []
    if case.category == Category.LABOR:
        routes += [PerformanceRoute.LABOUR_ARBITRATION, PerformanceRoute.PAYMENT_ORDER]
    elif not confirmed:
        routes.append(PerformanceRoute.SUIT)
    return routes


ROUTE_REFUSALS = {
    PerformanceRoute.ENFORCEMENT: _lazy(
        "只有经人民法院确认有效的调解协议才能申请强制执行（《民事诉讼法》第二百零六条）"
    ),
    PerformanceRoute.SUIT: _lazy(
        "已经司法确认的协议应申请强制执行；劳动争议调解协议不履行的，应申请仲裁或支付令"
        "（《人民调解法》第三十二条、《劳动争议调解仲裁法》第十五条）"
    ),
    PerformanceRoute.LABOUR_ARBITRATION: _lazy(
        "只有劳动争议调解协议不履行的才申请劳动争议仲裁（《劳动争议调解仲裁法》第十五条）"
    ),
    PerformanceRoute.PAYMENT_ORDER: _lazy(
        "只有劳动争议调解协议中的劳动报酬、工伤医疗费、经济补偿或赔偿金事项可以申请支付令"
        "（《劳动争议调解仲裁法》第十六条）"
    ),
}


class _FollowUpForm(JsonForm):
    date = forms.DateField()
    performed = forms.NullBooleanField()
    note = forms.CharField(max_length=5000, required=False)
    route = forms.ChoiceField(choices=PerformanceRoute.choices, required=False)

    def __init__(self, data: Data, *, case: Case) -> None:
        super().__init__(data)
        self.case = case

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
    case = _load_for_update(case_or_id, user)
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
    with transaction.atomic():
        case = _record(case_or_id, user, {State.ACCEPTED, State.MEDIATING}, policies.may_record)
        form = _SessionForm(data or {})
        if not form.is_valid():
            raise InvalidFields(_("提交的内容有误"), _errors_of(form))
        session = MediationSession.objects.create(
            case=case, recorded_by=user, created_at=now, **form.cleaned_data
        )
        event = record_event(
            case, EventType.CASE_UPDATED, user, {"record": "session", "session": session.pk}, at=now
        )
        records.after_event(case, "session", event, subject=f"session:{session.pk}")
    return session


def add_follow_up(
    case_or_id: CaseRef, user: User, data: Data | None, *, now: dt.datetime | None = None
) -> FollowUp:
    now = now or timezone.now()
    with transaction.atomic():
        case = _record(
            case_or_id, user, {State.AGREED, State.CONFIRMED, State.CLOSED}, policies.may_record
        )
        form = _FollowUpForm(data or {}, case=case)
        if not form.is_valid():
            raise InvalidFields(_("提交的内容有误"), _errors_of(form))
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
    errors: Errors = {}
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
        # PML art 25: a risk of crime or public-order harm is reported to the police.
        rule = _(
            "可能激化为治安案件、刑事案件的纠纷，应当及时向当地公安机关报告"
            "（《人民调解法》第二十五条）：请填写%(what)s"
        )
        if not reported_to:
            errors.setdefault("reported_to", []).append(rule % {"what": _("报告的公安派出所")})
        if reported_at is None and "reported_at" not in errors:
            errors["reported_at"] = [rule % {"what": _("报告时间")}]
    with transaction.atomic():
        case = _load_for_update(case_or_id, user)
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
            risk_reported_to=reported_to,
            risk_reported_at=reported_at,
            updated_at=now,
        )
        case.risk_level, case.risk_note = level, note
        case.risk_reported_to, case.risk_reported_at = reported_to, reported_at
        payload: Data = {"level": level, "note": note}
        if level == RiskLevel.HIGH and reported_at is not None:  # required for HIGH above
            payload.update(reported_to=reported_to, reported_at=reported_at.isoformat())
        record_event(case, EventType.CASE_RISK_FLAGGED, user, payload, at=now)
    return case


# -- corrections (PATCH /api/cases/{id}/ and …/parties/{pid}/) -----------------------------

CORRECTABLE_CASE_FIELDS = ("summary", "claims", "amount", "region", "category")
CORRECTABLE_PARTY_FIELDS = (
    "kind",
    "name",
    "gender",
    "ethnicity",
    "id_number",
    "credit_code",
    "representative",
    "phone",
    "address",
    "tags",
)
# What a correction event may carry of a value: events reach every desk that sees the
# case, so personal values are masked and free text is named, never copied.
_EVENT_VALUE: dict[str, Callable[[str], str] | None] = {
    "name": mask_name,
    "id_number": mask_id_number,
    "phone": mask_phone,
    "summary": None,
    "claims": None,
    "address": None,
}


def _event_value(field: str, value: Any) -> Any:
    if field in _EVENT_VALUE:
        fn = _EVENT_VALUE[field]
        return fn(value or "") if fn else None
    if isinstance(value, Decimal):
        return str(value)
    return value


def _changes(field_values: Data, before: Data) -> Data:
    return {
        field: {"from": _event_value(field, before[field]), "to": _event_value(field, value)}
        for field, value in field_values.items()
    }


def _load_for_correction(case_or_id: CaseRef, user: User) -> Case:
    case = _load_for_update(case_or_id, user)
    if case.is_frozen:
        raise StateConflict(_("案件已归档，卷宗已封存，不能再更正"), case.state)
    if not policies.may_correct(user, case):
        raise NotPermitted(_("只有办理组织可以更正案件信息"))
    return case


def _unknown_fields(data: Iterable[str], allowed: Sequence[str]) -> Errors:
    unknown = sorted(set(data) - set(allowed))
    if not unknown:
        return {}
    return {
        "non_field_errors": [
            _("不能更正的字段：%(f)s（可更正：%(ok)s）")
            % {"f": "、".join(unknown), "ok": "、".join(allowed)}
        ]
    }


def correct_case(
    case_or_id: CaseRef, user: User, data: Data | None, *, now: dt.datetime | None = None
) -> Case:
    """Correct the registered facts of a case (summary, claims, amount, region, category):
    one `case.updated` event names the changed fields. Nothing else of the case changes
    here: its state only by `perform`."""
    now = now or timezone.now()
    data = dict(data or {})
    errors = _unknown_fields(data, CORRECTABLE_CASE_FIELDS)
    with transaction.atomic():
        case = _load_for_correction(case_or_id, user)
        before = {f: getattr(case, f) for f in CORRECTABLE_CASE_FIELDS}
        merged = {**before, **data, "org": case.org_id, "channel": case.channel}
        if merged.get("amount") is None:
            merged.pop("amount")
        form = _CaseForm(merged)
        if not form.is_valid():
            errors.update({k: v for k, v in _errors_of(form).items() if k in data})
        if errors:
            raise InvalidFields(_("提交的内容有误"), errors)
        cd = form.cleaned_data
        new: Data = {f: cd.get(f) if f == "amount" else (cd.get(f) or "") for f in data}
        changed = {f: v for f, v in new.items() if v != before[f]}
        if changed:
            Case.objects.filter(pk=case.pk).update(**changed, updated_at=now)
            for f, v in changed.items():
                setattr(case, f, v)
            event = record_event(
                case,
                EventType.CASE_UPDATED,
                user,
                {
                    "correction": "case",
                    "fields": sorted(changed),
                    "changes": _changes(changed, before),
                },
                at=now,
            )
            _documents_after_correction(case, sorted(changed), event)
    return case


def _documents_after_correction(case: Case, fields: list[str], event: CaseEvent) -> None:
    # Stored documents are records: those that print a corrected field get a new version
    # after commit (mediation.documents.records); the old versions stay.
    from mediation.documents import records

    records.after_correction(case, fields, event)


def correct_party(
    case_or_id: CaseRef,
    party_id: int | str,
    user: User,
    data: Data | None,
    *,
    now: dt.datetime | None = None,
) -> Party:
    """Correct one party of a case; derived tags (elderly, minor) and the case's priority
    follow a changed ID number."""
    now = now or timezone.now()
    data = dict(data or {})
    errors = _unknown_fields(data, CORRECTABLE_PARTY_FIELDS)
    with transaction.atomic():
        case = _load_for_correction(case_or_id, user)
        link = (
            CaseParty.objects.select_related("party").filter(case=case, party_id=party_id).first()
        )
        if link is None:
            raise NotVisible(_("该案件没有这名当事人"))
        party = link.party
        before = {f: getattr(party, f) for f in CORRECTABLE_PARTY_FIELDS}
        manual_tags = sorted(set(party.tags) - DERIVED_TAGS)
        merged = {**before, "tags": manual_tags, **data, "role": link.role}
        if merged.get("kind") == PartyKind.ORGANIZATION:
            # an organisation has no gender or ID number: drop what a person carried
            merged.update(gender="", id_number="")
        elif "id_number" in data or "gender" in data:
            merged.setdefault("gender", "")
        pform = _PartyForm({k: v for k, v in merged.items() if v is not None})
        if not pform.is_valid():
            errors.update(_errors_of(pform))
        if errors:
            raise InvalidFields(_("提交的内容有误"), errors)
        cd = pform.cleaned_data
        today = timezone.localdate(now)
        new: Data = {f: cd.get(f) or ("" if f != "tags" else []) for f in CORRECTABLE_PARTY_FIELDS}
        new["tags"] = derived_tags(cd["kind"], cd.get("birth_date"), cd.get("tags") or [], today)
        changed = {f: v for f, v in new.items() if v != before[f]}
        if changed:
            Party.objects.filter(pk=party.pk).update(**changed, birth_date=cd.get("birth_date"))
            for f, v in changed.items():
                setattr(party, f, v)
            priority = (
                CaseParty.objects.filter(case=case)
                .exclude(party=party)
                .values_list("party__tags", flat=True)
            )
            is_priority = bool(set(new["tags"]) & PRIORITY_TAGS) or any(
                set(tags or []) & PRIORITY_TAGS for tags in priority
            )
            if is_priority != case.priority:
                Case.objects.filter(pk=case.pk).update(priority=is_priority, updated_at=now)
                case.priority = is_priority
            event = record_event(
                case,
                EventType.CASE_UPDATED,
                user,
                {
                    "correction": "party",
                    "party": party.pk,
                    "fields": sorted(changed),
                    "changes": _changes(changed, before),
                },
                at=now,
            )
            _documents_after_correction(case, ["party"], event)
    return party


# -- online application (网上申请调解, POST /api/portal/applications/) ------------------------


def apply_online(data: Data | None, *, now: dt.datetime | None = None) -> Case:
    """A party applies without an account: one applicant (a natural person who gives a
    phone and an ID number, so the case can be tracked and the person identified) and the
    other side; the chosen organisation, or the township's people's mediation committee.
    Consent to the privacy notice is required (个人信息保护法 art 14: consent must be
    given freely and explicitly)."""
    data = dict(data or {})
    errors: Errors = {}
    if data.get("privacy_consent") is not True:
        errors["privacy_consent"] = [
            _("请阅读并同意个人信息处理说明（《个人信息保护法》第十四条）")
        ]
    applicant = data.get("applicant") if isinstance(data.get("applicant"), dict) else None
    respondent = data.get("respondent") if isinstance(data.get("respondent"), dict) else None
    if applicant is None:
        errors["applicant"] = [_("请填写申请人信息")]
    else:
        if not str(applicant.get("phone") or "").strip():
            errors["applicant.phone"] = [_("请填写申请人联系电话，用于查询进度")]
        if not str(applicant.get("id_number") or "").strip():
            errors["applicant.id_number"] = [_("请填写申请人公民身份号码")]
    if respondent is None:
        errors["respondent"] = [_("请填写对方当事人信息")]
    org_id: Any = data.get("org")  # the body's own value: a number, text, anything
    region = data.get("region")
    region = region.strip() if isinstance(region, str) else ""
    org = None
    if org_id not in (None, ""):
        try:
            org_id = int(org_id)
        except (TypeError, ValueError):
            org_id = None
        org = Organization.objects.filter(pk=org_id, kind__in=MEDIATING_KINDS).first()
        if org is None:
            errors["org"] = [_("请选择调解组织")]
    elif region:
        org = (
            Organization.objects.filter(kind="people_committee", region=region, subtype="township")
            .order_by("id")
            .first()
        )
        if org is None:
            errors["region"] = [_("该乡镇（街道）暂无人民调解委员会，请直接选择调解组织")]
    else:
        errors["org"] = [_("请选择调解组织或所在乡镇（街道）")]
    applicant_body = {**(applicant or {}), "role": PartyRole.APPLICANT, "kind": PartyKind.PERSON}
    respondent_body = {"kind": PartyKind.PERSON, **(respondent or {})}
    respondent_body["role"] = PartyRole.RESPONDENT
    # Every message at once (a phone and a consent missing are both said), before writing.
    for key, raw, given in (
        ("applicant", applicant_body, applicant),
        ("respondent", respondent_body, respondent),
    ):
        pform = _PartyForm(raw)
        if given is not None and not pform.is_valid():
            for field, messages in _errors_of(pform).items():
                errors.setdefault(f"{key}.{field}", []).extend(messages)
    body = {
        "org": org.pk if org else 0,
        "channel": Channel.ONLINE,
        "category": data.get("category") or "",
        "summary": data.get("summary") or "",
        "claims": data.get("claims") or "",
        "region": region or (org.region if org else ""),
        "parties": [applicant_body, respondent_body],
    }
    form = _CaseForm(body)
    if not form.is_valid():
        errors.update({k: v for k, v in _errors_of(form).items() if k != "org"})
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    return register_case(None, body, channel=Channel.ONLINE, now=now, check_permission=False)

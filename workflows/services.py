"""The doors into the flows: start a handoff, list an inbox, complete a task.

Every case change inside a flow goes through `mediation.actions.services.perform`; the engine
itself checks no permission when driven from code, so `complete_task` asks the policy
module first, then runs the decision and the engine step under the flow's lock in one
transaction (IMMEDIATE on SQLite, a process row lock on PostgreSQL).

Flows that follow a transition (judicial confirmation after request_confirmation, the
referral after refer, the outcome tasks of petition transfers and court referrals) are
started inside that transition's transaction (`services.in_transition`), not after its
commit: a case in `confirming` without its court task, or a flow for a transition that
rolled back, can then never exist; the cost is that the transition waits for a few more
inserts.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from types import EllipsisType
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from viewflow.workflow.status import PROCESS, STATUS

from config.converters import ID_MAX
from mediation import policies
from mediation.actions import services as case_services
from mediation.actions.handoffs import check_number_free
from mediation.county.police import referring_stations
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.law import days, handoffs, petitions, police
from mediation.law.choices import OUTCOME_STATES, Channel, HandoffKind, HandoffStatus
from mediation.law.jsonform import errors_of
from mediation.law.transitions import describe_form_fields
from mediation.models import Case, Handoff, Organization

from .common import Decisions
from .confirmation import ConfirmationFlow
from .court import CourtReferralFlow
from .models import CaseTask
from .nodes import CaseTaskNode, driving, is_driving, is_quiet
from .petition import PetitionFlow
from .police import PoliceFlow
from .referral import ReferralFlow

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


# -- inbox ----------------------------------------------------------------------------------


def open_tasks(user: User) -> list[CaseTask]:
    """The caller's open tasks: their organisations' tasks that their role completes."""
    orgs = policies.org_ids(user)
    qs = (
        CaseTask.objects.filter(status__in=OPEN, org_id__in=orgs)
        .exclude(kind="")
        .select_related("case", "org", "process")
        .order_by("due_at", "pk")
    )
    return [t for t in qs if policies.may_complete_task(user, t.kind, t.org_id)]


def decisions_of(task: CaseTask) -> Decisions:
    decisions: Decisions = task.flow_task.decisions_for(task)
    return decisions


def describe_decisions(task: CaseTask) -> list[dict[str, Any]]:
    return [
        {"decision": value, "fields": describe_form_fields(form_class)}
        for value, form_class in decisions_of(task).items()
    ]


def get_task(task_id: int | str, user: User) -> CaseTask:
    """A task the user may see (member of the receiving organisation or supervisor)."""
    try:
        task = CaseTask.objects.exclude(kind="").select_related("case").get(pk=int(task_id))
    except (CaseTask.DoesNotExist, ValueError, TypeError):
        raise NotVisible(_("任务不存在")) from None
    if not policies.may_see_task(user, task.org_id):
        raise NotVisible(_("任务不存在"))
    return task


# -- completing a task --------------------------------------------------------------------


def complete_task(
    task_id: int | str,
    user: User,
    data: Mapping[str, Any] | None,
    *,
    now: dt.datetime | None = None,
) -> CaseTask:
    """Complete a task with `{"decision": …, …fields}`: 404 / 403 / 409 / 400 as the API."""
    now = now or timezone.now()
    data = dict(data or {})
    task = get_task(task_id, user)
    if not policies.may_complete_task(user, task.kind, task.org_id):
        raise NotPermitted(_("您无权办理该任务"))
    flow_class = task.flow_task.flow_class
    # Outer transaction first: on SQLite it is the IMMEDIATE write lock; the flow lock
    # then pins the process row on PostgreSQL. The status is re-read under both.
    with transaction.atomic(), flow_class.lock(task.process_id):
        task.refresh_from_db()
        case = task.case
        assert case is not None  # a human task (kind set) always has its case
        if task.status not in OPEN:
            raise StateConflict(_("该任务已办结或已取消"), case.state)
        choices = decisions_of(task)
        decision = data.pop("decision", None)
        if not isinstance(decision, str) or decision not in choices:
            raise InvalidFields(
                _("提交的内容有误"),
                {"decision": [_("可选的处理决定：%(d)s") % {"d": "、".join(choices)}]},
            )
        form = choices[decision](data, task=task, user=user)
        if not form.is_valid():
            raise InvalidFields(_("提交的内容有误"), _decision_errors(form, task, decision))
        activation = task.flow_task.activation_class(task)
        with driving(task_ids={task.pk}, now=now):
            extra = task.flow_task.handle(activation, user, decision, form.cleaned_data, now)
            task.decision = {"decision": decision, **_jsonable(form.cleaned_data)}
            task.completed_by = user
            if activation.assign.can_proceed():
                activation.assign(user)
            activation.start(None)
            task.started = now
            activation.execute()
        CaseTask.objects.filter(pk=task.pk).update(finished=now)
        case.refresh_from_db()
        case_services.record_task_completed(
            case,
            user,
            {
                "task": task.pk,
                "type": task.kind,
                "org": task.org_id,
                "decision": decision,
                **(extra or {}),
            },
            now,
        )
    return task


def _decision_errors(form: forms.Form, task: CaseTask, decision: str) -> dict[str, list[str]]:
    """The form's errors; a choice outside the decision's list says which list: the same
    decision name takes other fields in another kind of task (the API's one body schema is
    the union of them all), so the task, not the schema, says what it takes."""
    errors = errors_of(form)
    for name, refusals in form.errors.as_data().items():
        field = form.fields.get(name)
        if isinstance(field, forms.ChoiceField) and any(
            e.code == "invalid_choice" for e in refusals
        ):
            # a form's choices here are (value, label) pairs, never groups or a callable
            pairs = cast(list[tuple[Any, Any]], list(field.choices))  # type: ignore[arg-type]
            allowed = "、".join(str(value) for value, _label in pairs if value != "")
            errors[name] = [
                _(
                    "此任务（%(task)s）的“%(decision)s”决定中，%(field)s只能是："
                    "%(allowed)s（见任务的 decisions）"
                )
                % {"task": task.kind, "decision": decision, "field": name, "allowed": allowed}
            ]
    return errors


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        out[key] = value.isoformat() if isinstance(value, dt.date | dt.datetime) else value
    return out


# -- starting handoffs from the API -------------------------------------------------------


Errors = dict[str, list[str]]


def _deadline(
    value: object,
    field: str,
    errors: Errors,
    now: dt.datetime,
    default: dt.datetime | None = None,
) -> dt.datetime | None:
    if value in (None, ""):
        if default is None:
            errors[field] = [_("请填写期限")]
        return default
    # a date means the end of that day, local time (the law's end_of_day, as the clocks)
    parsed = days.deadline(value)
    if parsed is None:
        errors[field] = [_("日期格式应为 YYYY-MM-DD 或 ISO 8601 时间")]
    elif parsed <= now:
        errors[field] = [_("期限须晚于当前时间")]
    return parsed


def _past_date(
    value: object,
    field: str,
    errors: Errors,
    now: dt.datetime,
    default: dt.date | EllipsisType | None = ...,
    not_before: dt.date = dt.date(days.FIRST_YEAR, 1, 1),
) -> dt.date | None:
    """A day that has happened (the petition's receipt, the notice), not before
    `not_before`: today by default."""
    today = timezone.localdate(now)
    if value in (None, ""):
        return today if default is ... else default
    try:
        day = parse_date(str(value))
    except ValueError:  # well formed, no such day
        day = None
    if day is None:
        errors[field] = [_("日期格式应为 YYYY-MM-DD")]
    elif day > today:
        errors[field] = [_("日期不能晚于今天")]
    elif day < not_before:
        errors[field] = [_("日期不能早于%(day)s") % {"day": not_before.isoformat()}]
    return day


def _acting_org(orgs: list[int], requested: Any, field: str, errors: Errors) -> int | None:
    if not orgs:
        return None
    if requested in (None, ""):
        return orgs[0]
    try:
        requested = int(requested)
    except (TypeError, ValueError):
        requested = None
    if requested not in orgs:
        errors[field] = [_("您不属于该机构")]
        return None
    return requested


YES = (True, "true", "on", "1")


def _target_kind_check(
    data: Mapping[str, Any], rule: Callable[[str], str | None], errors: Errors
) -> None:
    """Who may receive a handoff as a mediation case is the law's (`rule` by org kind);
    an unknown organisation is the registration's own error."""
    raw = data.get("org")
    if isinstance(raw, bool) or not (
        isinstance(raw, int) or (isinstance(raw, str) and raw.isascii() and raw.isdigit())
    ):
        return
    if not 0 < int(raw) <= ID_MAX:
        return
    kind = Organization.objects.filter(pk=int(raw)).values_list("kind", flat=True).first()
    error = rule(kind) if kind else None
    if error:
        errors["org"] = [error]


def start_petition_transfer(
    user: User, data: Mapping[str, Any] | None, *, now: dt.datetime | None = None
) -> Case:
    """访调对接: register the case at the mediation organisation and open the handoff."""
    now = now or timezone.now()
    data = dict(data or {})
    bureaus = policies.may_transfer_petition(user)
    if not bureaus:
        raise NotPermitted(_("只有信访干部可以转办信访事项"))
    errors: Errors = {}
    number = str(data.pop("petition_number", "") or "").strip()
    if not number:
        errors["petition_number"] = [_("请填写信访件编号")]
    consent = data.pop("petitioner_consent", None)
    legal = data.pop("in_legal_proceedings", False)
    errors.update(petitions.transfer_refusals(consent in YES, legal in YES))
    due = _deadline(data.pop("feedback_due", None), "feedback_due", errors, now)
    if due is not None and "feedback_due" not in errors:
        error = petitions.feedback_due_error(due, now)
        if error:
            errors["feedback_due"] = [error]
    _target_kind_check(data, petitions.transfer_target_error, errors)
    bureau_id = _acting_org(bureaus, data.pop("petition_bureau", None), "petition_bureau", errors)
    received_on = _past_date(data.pop("received_on", None), "received_on", errors, now)
    notified_on = _past_date(data.pop("notified_on", None), "notified_on", errors, now, None)
    if notified_on and "notified_on" not in errors:
        error = petitions.notice_day_error(notified_on, received_on, timezone.localdate(now))
        if error:
            errors["notified_on"] = [error]
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    assert bureau_id is not None and received_on is not None  # else an error above
    petition_clocks = petitions.open_clocks(received_on, notified_on, now)
    return _register_with_handoff(
        user,
        data,
        now,
        Channel.PETITION_TRANSFER,
        HandoffKind.PETITION,
        PetitionFlow,
        partner=Organization.objects.get(pk=bureau_id),
        number=number,
        number_field="petition_number",
        due=due,
        event_data={"petition_number": number, "petitioner_consent": True},
        handoff_data={"clocks": petition_clocks, "petitioner_consent_at": days.local_iso(now)},
    )


def _register_with_handoff(
    user: User,
    data: dict[str, Any],
    now: dt.datetime,
    channel: str,
    kind: str,
    flow: type[PetitionFlow] | type[CourtReferralFlow] | type[PoliceFlow],
    *,
    partner: Organization,
    number: str,
    number_field: str,
    due: dt.datetime | None,
    event_data: dict[str, Any],
    handoff_data: dict[str, Any] | None = None,
) -> Case:
    """The case registers at the mediation organisation with the partner's sight of it,
    the handoff opens and its flow starts: all or nothing. The partner's number names one
    case (409 otherwise), also when two requests with it race (the unique constraint)."""
    try:
        with transaction.atomic(), driving(now=now):
            check_number_free(partner.pk, kind, number, number_field)
            case = case_services.register_case(
                user,
                data,
                channel=channel,
                now=now,
                check_permission=False,
                extra_access=[partner],
                event_data=event_data,
            )
            handoff = case_services.open_handoff(
                case,
                kind,
                partner,
                user,
                now,
                external_number=number,
                due_at=due,
                data=handoff_data,
            )
            flow.start.run(case=case, handoff=handoff)
        return case
    except IntegrityError:
        check_number_free(partner.pk, kind, number, number_field)  # the racing winner's
        raise


def start_court_referral(
    user: User, data: Mapping[str, Any] | None, *, now: dt.datetime | None = None
) -> Case:
    """诉调对接: a court clerk refers a dispute to a mediation organisation."""
    now = now or timezone.now()
    data = dict(data or {})
    courts = policies.may_refer_to_mediation(user)
    if not courts:
        raise NotPermitted(_("只有法院书记员可以委派或委托调解"))
    errors: Errors = {}
    number = str(data.pop("referral_number", "") or "").strip()
    if not number:
        errors["referral_number"] = [_("请填写委派/委托调解编号")]
    kind = data.pop("kind", handoffs.PRE_FILING) or handoffs.PRE_FILING
    kind_error = handoffs.referral_kind_error(kind)
    if kind_error:
        errors["kind"] = [kind_error]
    summary = data.pop("summary_procedure", None)
    if summary is None:  # null is an absent field (mediation.law.jsonform), as documented
        summary = False
    elif not isinstance(summary, bool):
        errors["summary_procedure"] = [_("应为 true 或 false")]
        summary = False
    # The court's time limit runs from the day the organisation signs for the materials
    # (accept, mediation.law.transitions); only a date the court's letter fixes is set now.
    explicit = data.pop("due_at", None)
    due = _deadline(explicit, "due_at", errors, now) if explicit not in (None, "") else None
    agreed = data.pop("extension_agreed", None) is True
    if due is not None and "due_at" not in errors and not kind_error:
        error = handoffs.referral_due_error(due, kind, summary, agreed, now)
        if error:
            errors["due_at"] = [error]
    court_id = _acting_org(courts, data.pop("court", None), "court", errors)
    _target_kind_check(data, handoffs.referral_target_error, errors)
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    assert court_id is not None  # else an error above
    return _register_with_handoff(
        user,
        data,
        now,
        Channel.COURT_REFERRAL,
        HandoffKind.COURT_REFERRAL,
        CourtReferralFlow,
        partner=Organization.objects.get(pk=court_id),
        number=number,
        number_field="referral_number",
        due=due,
        event_data={"referral_number": number, "kind": kind},
        handoff_data={
            "kind": kind,
            "summary_procedure": summary,
            "due_set_by_court": due is not None,
            "extension_agreed": agreed,
        },
    )


def start_police_referral(
    user: User, data: Mapping[str, Any] | None, *, now: dt.datetime | None = None
) -> Case:
    """警调对接: a police officer hands a dispute to a people's mediation committee."""
    now = now or timezone.now()
    data = dict(data or {})
    stations = referring_stations(user)
    if not stations:
        raise NotPermitted(_("只有派出所民警可以移交纠纷"))
    errors: Errors = {}
    raw = data.pop("incident_number", None)
    number = raw.strip() if isinstance(raw, str) else ""
    error = police.incident_number_error(number) if raw is None or isinstance(raw, str) else None
    if error or not (raw is None or isinstance(raw, str)):
        errors["incident_number"] = [error or _("应为文本")]
    explicit = data.pop("feedback_due", None)
    due = _deadline(explicit, "feedback_due", errors, now) if explicit not in (None, "") else None
    _target_kind_check(data, police.referral_target_error, errors)
    station_id = _acting_org(stations, data.pop("police_station", None), "police_station", errors)
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    assert station_id is not None  # else an error above
    return _register_with_handoff(
        user,
        data,
        now,
        Channel.POLICE_REFERRAL,
        HandoffKind.POLICE,
        PoliceFlow,
        partner=Organization.objects.get(pk=station_id),
        number=number,
        number_field="incident_number",
        due=due,
        event_data={"incident_number": number},
    )


# -- keeping flows in step with the case (runs inside every transition) -------------------


def _running_flows(case_ref: OuterRef) -> Exists:
    # Every flow opens its Handoff row when it starts and closes it when it ends (or is
    # cancelled), so "an open handoff" is the domain's own word for "a flow is running",
    # and a probe on that one indexed table is cheaper than joining viewflow's tables.
    return Exists(Handoff.objects.filter(case_id=case_ref, status=HandoffStatus.OPEN))


@case_services.in_transition(probe=_running_flows)
def on_case_transition(case: Case, name: str, user: User | None, now: dt.datetime) -> None:
    starts = name == "request_confirmation" or (name == "refer" and case.referral_org_id)
    # Most transitions touch a case with no running flow: the service's locking SELECT
    # already answered whether one runs (the probe), so those return at once.
    running = getattr(case, "probe_on_case_transition", None)
    if running is None:
        running = Handoff.objects.filter(case_id=case.pk, status=HandoffStatus.OPEN).exists()
    if not starts and not running:
        return
    with driving(now=now):
        _cancel_stale(case, now)
        if name == "request_confirmation":
            ConfirmationFlow.start.run(case=case, actor=user, now=now)
        elif name == "refer" and case.referral_org_id and not is_quiet("referral"):
            ReferralFlow.start.run(case=case, actor=user, now=now)
        _advance_outcome(case)


def _advance_outcome(case: Case) -> None:
    """Release the flows waiting for this case's outcome (petition, court referral)."""
    if case.state not in OUTCOME_STATES:
        return
    # Handle rows carry no case of their own: find them through their process.
    waiting = CaseTask.objects.filter(
        process__caseprocess__case=case, status=STATUS.NEW, flow_task_type="FUNCTION"
    )
    for task in waiting:
        node = task.flow_task
        if node is None or node.name != "await_outcome":
            continue
        node.run(task)


def _cancel_stale(case: Case, now: dt.datetime) -> None:
    """A task whose case has moved on by another door (e.g. the judge's ruling entered
    directly, a result recorded outside the referral flow) is cancelled with its flow,
    so no inbox keeps a task nobody can complete."""
    tasks = CaseTask.objects.filter(case_id=case.pk, status__in=OPEN).exclude(kind="")
    for task in tasks:
        node = task.flow_task
        if not isinstance(node, CaseTaskNode) or not node.expects or is_driving(task.pk):
            continue
        if case.state in node.expects:
            continue
        process = task.process.coerced
        flow_class = node.flow_class
        with flow_class.lock(process.pk):
            activation = node.activation_class(task)
            if activation.cancel.can_proceed():
                activation.cancel()
            if not process.task_set.filter(status__in=OPEN).exists():
                process.status = PROCESS.CANCELED
                process.finished = now
                process.save(update_fields=["status", "finished"])
            case_services.close_handoff(
                process.handoff, f"superseded:{case.state}", now, status=HandoffStatus.CANCELLED
            )


def task_is_open(task: CaseTask) -> bool:
    return task.status in OPEN

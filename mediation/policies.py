"""Who may see and do what (DESIGN.md §1, §3, §5). The one place that answers it:
models (django-fsm permissions), services, API, consumers and flows all ask here.

Outsiders (who may not see a case) get 404 from the callers; insiders without the right
get 403.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from config.converters import ID_MAX
from mediation.law import handoffs, partners
from mediation.law.choices import (
    MEDIATING_KINDS,
    Channel,
    HandoffKind,
    HandoffStatus,
    OrgKind,
    Role,
    State,
)
from mediation.models import (
    Case,
    CaseAccess,
    CaseEvent,
    Consultation,
    Membership,
    Organization,
    ScreeningRound,
)
from mediation.models.case import set_transition_policy
from mediation.models.case_sql import USER_SENTINEL, bind, compiled_once, roles_of
from mediation.models.supervision import Complaint

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.models import QuerySet


# Whoever asks: a signed-in user, or the anonymous user of a request. Functions that take
# `Actor | None` also answer for code that runs on no one's behalf.
Actor: TypeAlias = "User | AnonymousUser"

_CACHE_ATTR = "_dtj_roles"
# The organisation id _assignable's compiled query is built with (the user's is case_sql's).
_ORG_SENTINEL = -72_720_002


def roles_by_org(user: Actor | None) -> dict[int, frozenset[str]]:
    """{org_id: {role, ...}} for the user, cached on the user object for one request."""
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = roles_of(user.pk)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user: Actor) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def live_access(user_ids: Iterable[int]) -> dict[int, tuple[frozenset[int], bool]]:
    """For open sockets: {user id: (organisation ids, is supervisor)} of the users that are
    still active, in two queries however many users; a missing id lost access entirely."""
    active = set(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .values_list("pk", flat=True)
    )
    orgs, supervisors = defaultdict(set), set()
    rows = Membership.objects.filter(user_id__in=active).values_list("user_id", "org_id", "role")
    for uid, org_id, role in rows:
        orgs[uid].add(org_id)
        if role == Role.SUPERVISOR:
            supervisors.add(uid)
    return {uid: (frozenset(orgs[uid]), uid in supervisors) for uid in active}


def may_see_staff(user: Actor, org: Organization) -> bool:
    """An organisation's staff list: its own members and supervisors (DESIGN §9)."""
    return org.pk in org_ids(user) or is_supervisor(user)


def org_ids(user: Actor | None) -> set[int]:
    return set(roles_by_org(user))


def has_role(user: Actor | None, org_id: int, *roles: str) -> bool:
    return bool(roles_by_org(user).get(org_id, frozenset()) & set(roles))


def has_role_anywhere(user: Actor | None, *roles: str) -> bool:
    wanted = set(roles)
    return any(r & wanted for r in roles_by_org(user).values())


def is_supervisor(user: Actor | None) -> bool:
    return has_role_anywhere(user, Role.SUPERVISOR)


# -- visibility ------------------------------------------------------------------------


def visible_cases(user: Actor | None, qs: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Cases the user may see: handled now or before by one of their organisations, a
    handoff partner of theirs, or anything for a supervisor. Used by every queryset."""
    qs = Case.objects.all() if qs is None else qs
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_supervisor(user):
        return qs
    orgs = org_ids(user)
    if not orgs:
        return qs.none()
    return visible_to_orgs(qs, orgs)


def visible_to_orgs(qs: QuerySet[Case], orgs: Iterable[int]) -> QuerySet[Case]:
    """The cases of `qs` these organisations handle or handled (visible_cases' condition
    for a caller who is no supervisor)."""
    return qs.filter(Exists(CaseAccess.objects.filter(case_id=OuterRef("pk"), org_id__in=orgs)))


def can_see(user: Actor | None, case: Case) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if is_supervisor(user):
        return True
    orgs = org_ids(user)
    if not orgs:
        return False
    if case.org_id in orgs:  # the current org always holds a CaseAccess row: no query
        return True
    return case.access.filter(org_id__in=orgs).exists()


def handles(user: Actor | None, case: Case, via: str = "api") -> bool:
    """May see full personal data: a member of the organisation now handling the case, or
    the intake clerk who registered it while it still waits for acceptance (they check
    and correct what they just typed; once another organisation accepts it, it is theirs),
    or a court, arbitration commission or legal-aid centre with its handoff open or decided
    (§9, law.partners), each such view audited (`via`: api, page, document)."""
    roles = roles_by_org(user)
    if case.org_id in roles or _fresh_intake(user, case):
        return True
    handoff = partners.ruling_handoff(case.handoffs.all(), roles) if user else None
    return bool(user and handoff and partners.audit_full_view(user, case, handoff, via))


def _fresh_intake(user: Actor | None, case: Case) -> bool:
    return (
        user is not None
        and case.registered_by_id is not None
        and case.registered_by_id == user.pk
        and case.state == State.REGISTERED
        and has_role_anywhere(user, Role.INTAKE_CLERK)
    )


def may_correct(user: Actor, case: Case) -> bool:
    """Corrections of a registered case or its parties (DESIGN.md §6 PATCH): the handling
    organisation's mediators, head and clerks, the assigned mediator, and the intake clerk
    while the case they registered waits for acceptance. The archive freezes the file
    (the service answers 409 for that, not 403)."""
    return (
        case.mediator_id == user.pk
        or has_role(user, case.org_id, Role.MEDIATOR, Role.ORG_HEAD, Role.CLERK)
        or _fresh_intake(user, case)
    )


def visible_events(
    user: Actor | None, qs: QuerySet[CaseEvent] | None = None
) -> QuerySet[CaseEvent]:
    qs = CaseEvent.objects.all() if qs is None else qs
    if is_supervisor(user):
        return qs
    return qs.filter(case__in=visible_cases(user).values("pk"))


# -- intake ----------------------------------------------------------------------------


def may_register(user: Actor | None, org: Organization) -> bool:
    """An intake clerk for any mediating organisation; a mediator, head or court clerk for
    their own."""
    if org.kind not in MEDIATING_KINDS:
        return False
    if has_role_anywhere(user, Role.INTAKE_CLERK):
        return True
    return has_role(user, org.id, Role.MEDIATOR, Role.ORG_HEAD, Role.CLERK)


def intake_desks(user: Actor | None, org: Organization) -> list[int]:
    """The intake desks (other than the registering organisation) that keep sight of a
    case their clerk registered: the desk routes what it registers (transfer, withdraw)."""
    return sorted(
        org_id
        for org_id, roles in roles_by_org(user).items()
        if Role.INTAKE_CLERK in roles and org_id != org.pk
    )


# Who may be assigned a case as its mediator (accept, reassign): an active mediator or head
# of the organisation handling it.
ASSIGNABLE_ROLES = (Role.MEDIATOR, Role.ORG_HEAD)


def assignable_mediators(org_id: int) -> QuerySet[User]:
    """The users who may be assigned as mediator of a case handled by `org_id`."""
    ids = Membership.objects.filter(org_id=org_id, role__in=ASSIGNABLE_ROLES).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True)


def _assignable(user_id: int, org_id: int) -> User | None:
    """assignable_mediators(org_id).filter(pk=user_id), compiled once per database: every
    accept and reassign asks, and building the same query through the ORM each time is
    a large share of the transition's work."""
    sql, params = compiled_once(
        ("assignable",),
        lambda: assignable_mediators(_ORG_SENTINEL).filter(pk=USER_SENTINEL),
    )
    values = bind(params, {_ORG_SENTINEL: org_id, USER_SENTINEL: user_id})
    return next(iter(get_user_model().objects.raw(sql, values)), None)


def assignable_mediator(user_id: int | str, org_id: int) -> tuple[User | None, str | None]:
    """The user to assign as mediator of a case of `org_id`, or None and the message that
    says why not. One query when the choice is good (the hot path of accept/reassign); the
    reason is looked up only for a refusal."""
    try:
        uid = int(user_id)
    except (ValueError, TypeError):
        return None, _("用户不存在")
    user = _assignable(uid, org_id) if 0 < uid <= ID_MAX else None
    if user is not None:
        return user, None
    if not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        return None, _("用户不存在")
    return None, _("该用户不是本组织的调解员")


def may_record(user: Actor, case: Case) -> bool:
    """Sessions, follow-ups: the assigned mediator or a head/mediator of the current org."""
    return case.mediator_id == user.id or has_role(user, case.org_id, Role.ORG_HEAD, Role.MEDIATOR)


def may_flag_risk(user: Actor, case: Case) -> bool:
    """Any handler: a member of an organisation that may see the case (not only supervisors)."""
    return bool(org_ids(user)) and can_see(user, case)


# -- transitions -----------------------------------------------------------------------


def _mediator(user: Actor, case: Case) -> bool:
    return case.mediator_id is not None and case.mediator_id == user.id


def _head(user: Actor, case: Case) -> bool:
    return has_role(user, case.org_id, Role.ORG_HEAD)


def _member(user: Actor, case: Case, *roles: str) -> bool:
    return has_role(user, case.org_id, *roles)


def _referral_target_staff(user: Actor, case: Case) -> bool:
    if case.referral_org_id is None:
        return _member(user, case, Role.MEDIATOR, Role.ORG_HEAD)
    return has_role(user, case.referral_org_id, *RECEIVING_ROLES)


def _petition_officer_of_case(user: Actor, case: Case) -> bool:
    orgs = {o for o, r in roles_by_org(user).items() if Role.PETITION_OFFICER in r}
    return bool(orgs) and _has_handoff(case, HandoffKind.PETITION, orgs)


def _has_handoff(case: Case, kind: str, orgs: set[int]) -> bool:
    # .all() reads a prefetched list (queues answer many cases at once) or runs one query.
    return any(h.kind == kind and h.org_id in orgs for h in case.handoffs.all())


def _referring_court_clerk(user: Actor, case: Case) -> bool:
    """The clerk of the court that referred the case for mediation (诉调对接): files the
    parties' confirmation application or the case itself from the court.outcome task."""
    if case.channel != Channel.COURT_REFERRAL:
        return False
    orgs = {o for o, r in roles_by_org(user).items() if Role.CLERK in r}
    return bool(orgs) and _has_handoff(case, HandoffKind.COURT_REFERRAL, orgs)


def _confirmation_court(user: Actor, case: Case, *roles: str) -> bool:
    return case.confirmation_court_id is not None and has_role(
        user, case.confirmation_court_id, *roles
    )


def confirmation_registered(case: Case) -> bool:
    """The court's clerk registered the pending application under a 民特 number: from then
    on only a judge rules on it (法释〔2011〕5号 arts 2–4)."""
    return any(
        h.kind == HandoffKind.CONFIRMATION
        and h.status == HandoffStatus.OPEN
        and h.org_id == case.confirmation_court_id
        and bool(h.external_number)
        for h in case.handoffs.all()
    )


def _confirm(user: Actor, case: Case) -> bool:
    return _confirmation_court(user, case, Role.JUDGE) and confirmation_registered(case)


def _reject_confirmation(user: Actor, case: Case) -> bool:
    # The judge rejects a registered application (驳回); before registration the clerk may
    # only refuse to accept it (不予受理).
    if confirmation_registered(case):
        return _confirmation_court(user, case, Role.JUDGE)
    return _confirmation_court(user, case, Role.CLERK)


def _approving_courts(court_id: int) -> set[int]:
    # A people's tribunal is part of its basic court: that court's president approves.
    court = Organization.objects.filter(pk=court_id).only("parent_id").first()
    return {c for c in (court_id, court.parent_id if court else None) if c}


def extension_approvers(court_id: int) -> QuerySet[User]:
    """The active users who may approve a confirmation review's extension for this court:
    its president, or the president of the basic court a tribunal belongs to."""
    ids = Membership.objects.filter(
        org_id__in=_approving_courts(court_id), role=Role.PRESIDENT
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("id")


def may_approve_confirmation_extension(
    approver: Actor | None, court_id: int, deciding_judge: Actor | None
) -> str | None:
    """Only the court's president (院长) approves the one 10-day extension of a
    confirmation review, and never the judge who decides it (法释〔2011〕5号 art 5)."""
    courts = _approving_courts(court_id)
    if approver is None or not any(has_role(approver, c, Role.PRESIDENT) for c in courts):
        return _("延长司法确认审查期限须经本院院长批准（法释〔2011〕5号第五条）")
    if deciding_judge is not None and approver.pk == deciding_judge.pk:
        return _("批准延长的院长不能是承办本案的法官")
    return None


RULES = {
    "accept": lambda u, c: _member(u, c, Role.ORG_HEAD, Role.MEDIATOR),
    "decline": _head,
    "transfer": lambda u, c: _head(u, c) or has_role_anywhere(u, Role.INTAKE_CLERK),
    "begin": lambda u, c: _mediator(u, c) or _head(u, c),
    "extend": _head,
    "suspend_clock": lambda u, c: _mediator(u, c) or _head(u, c),
    "resume_clock": lambda u, c: _mediator(u, c) or _head(u, c),
    "reassign": _head,
    "reach_agreement": _mediator,
    "fail": lambda u, c: _mediator(u, c) or _head(u, c),
    "withdraw": lambda u, c: (
        _member(u, c, Role.MEDIATOR, Role.ORG_HEAD) or has_role_anywhere(u, Role.INTAKE_CLERK)
    ),
    "request_confirmation": lambda u, c: _mediator(u, c) or _referring_court_clerk(u, c),
    "confirm": _confirm,
    "reject_confirmation": _reject_confirmation,
    "withdraw_confirmation": _mediator,
    "resume": _mediator,
    "reopen": lambda u, c: _head(u, c) or _petition_officer_of_case(u, c),
    "refer": lambda u, c: _mediator(u, c) or _head(u, c) or _referring_court_clerk(u, c),
    "record_result": _referral_target_staff,
    "close": lambda u, c: (
        _mediator(u, c)
        or _head(u, c)
        or (_referring_court_clerk(u, c) and bool(handoffs.court_instrument(c)))
    ),
    "archive": _head,
}


# -- workflow tasks (DESIGN.md §4, §6): who in the receiving organisation completes them --

# Who in a receiving body (court, arbitration commission, legal aid centre) acts on a referral.
RECEIVING_ROLES = (
    Role.CLERK,
    Role.JUDGE,
    Role.ARBITRATOR,
    Role.LEGAL_AID_OFFICER,
    Role.ORG_HEAD,
)

TASK_ROLES = {
    "confirmation.register": (Role.CLERK,),
    "confirmation.decide": (Role.JUDGE,),
    "petition.feedback": (Role.MEDIATOR, Role.ORG_HEAD),
    "petition.review": (Role.PETITION_OFFICER,),
    "police.feedback": (Role.MEDIATOR, Role.ORG_HEAD),  # 警调对接 (mediation.county.police)
    "police.review": (Role.POLICE_OFFICER,),
    "court.outcome": (Role.CLERK, Role.JUDGE),
    "referral.filing": RECEIVING_ROLES,
    "referral.acknowledge": RECEIVING_ROLES,
    "referral.result": RECEIVING_ROLES,
}


def may_see_task(user: Actor, org_id: int) -> bool:
    """Members of the receiving organisation and supervisors see a task; others get 404."""
    return org_id in roles_by_org(user) or is_supervisor(user)


def may_complete_task(user: Actor | None, task_type: str, org_id: int) -> bool:
    """The workflow engine checks nothing when driven from code: every completion asks here."""
    return has_role(user, org_id, *TASK_ROLES.get(task_type, ()))


def may_transfer_petition(user: Actor) -> list[int]:
    """Petition bureaus on whose behalf the user may transfer a petition dispute."""
    return sorted(o for o, r in roles_by_org(user).items() if Role.PETITION_OFFICER in r)


def may_refer_to_mediation(user: Actor) -> list[int]:
    """Courts on whose behalf the user (a court clerk) may refer a dispute to mediation."""
    return sorted(o for o, r in roles_by_org(user).items() if Role.CLERK in r)


def sms_watch_orgs(user: Actor) -> list[int]:
    """Organisations whose undelivered messages to parties the user follows: their heads."""
    return sorted(o for o, r in roles_by_org(user).items() if Role.ORG_HEAD in r)


def may_transition(user: Actor | None, case: Case, name: str) -> bool:
    rule = RULES.get(name)
    return bool(rule and user is not None and user.is_authenticated and rule(user, case))


# The django-fsm `permission=` of every transition asks may_transition (mediation.models.case).
set_transition_policy(may_transition)


# -- screening (排查) and consultations (法律咨询) -------------------------------------------


def may_record_screening(user: Actor, org: Organization) -> bool:
    """A people's mediation committee's mediators and head record its screening rounds
    (《人民调解工作若干规定》第三条: their tasks include preventing disputes arising)."""
    return org.kind == OrgKind.PEOPLE_COMMITTEE and has_role(
        user, org.pk, Role.MEDIATOR, Role.ORG_HEAD
    )


def may_use_screening_desk(user: Actor) -> bool:
    """The screening desk in the nav: supervisors, and the mediators and heads of a people's
    mediation committee (the committees that record rounds)."""
    supervisor = is_supervisor(user)
    committee = Organization.objects.filter(
        pk__in=[o for o, r in roles_by_org(user).items() if r & {Role.MEDIATOR, Role.ORG_HEAD}],
        kind=OrgKind.PEOPLE_COMMITTEE,
    ).exists()
    return supervisor or committee


def visible_screenings(
    user: Actor | None, qs: QuerySet[ScreeningRound] | None = None
) -> QuerySet[ScreeningRound]:
    """A committee's rounds: its members, the committee above it (a township committee sees
    its villages'), and supervisors. Another committee's rounds are not visible."""
    qs = ScreeningRound.objects.all() if qs is None else qs
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_supervisor(user):
        return qs
    orgs = org_ids(user)
    return qs.filter(Q(org_id__in=orgs) | Q(org__parent_id__in=orgs))


def may_record_consultation(user: Actor, org: Organization) -> bool:
    """The public legal service centre's intake desk (window and 12348 hotline)."""
    return has_role(user, org.pk, Role.INTAKE_CLERK)


def consultation_orgs(user: Actor) -> list[int]:
    return sorted(o for o, r in roles_by_org(user).items() if Role.INTAKE_CLERK in r)


def may_use_consultation_desk(user: Actor) -> bool:
    """The consultation desk in the nav: supervisors and the intake desks that take calls."""
    return is_supervisor(user) or bool(consultation_orgs(user))


def visible_consultations(
    user: Actor | None, qs: QuerySet[Consultation] | None = None
) -> QuerySet[Consultation]:
    """The desk that took the call and supervisors (who see the caller's phone masked)."""
    qs = Consultation.objects.all() if qs is None else qs
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_supervisor(user):
        return qs
    return qs.filter(org_id__in=org_ids(user))


def sees_caller(user: Actor, consultation: Consultation) -> bool:
    """The caller's phone in full: only the desk that took the call."""
    return consultation.org_id in roles_by_org(user)


def screening_recorders(user: Actor) -> list[Organization]:
    """The committees whose screening rounds the user may record, in id order."""
    committees = Organization.objects.filter(pk__in=org_ids(user)).order_by("id")
    return [o for o in committees if may_record_screening(user, o)]


def may_see_screenings(user: Actor, recorders: list[Organization] | None = None) -> bool:
    """The screening page: a committee's recorders, supervisors, and whoever sees a round.
    `recorders` is screening_recorders(user) when the caller has it already."""
    if recorders is None:
        recorders = screening_recorders(user)
    return bool(recorders) or is_supervisor(user) or visible_screenings(user).exists()


def may_see_consultations(user: Actor, desks: list[int] | None = None) -> bool:
    """The consultation page: intake desks, supervisors (`desks`: consultation_orgs(user))."""
    if desks is None:
        desks = consultation_orgs(user)
    return bool(desks) or is_supervisor(user)


def may_register_consultation(
    user: Actor, consultation: Consultation, desks: list[int] | None = None
) -> bool:
    """A consultation becomes a case at the desk that took the call."""
    if desks is None:
        desks = consultation_orgs(user)
    return consultation.org_id in desks


# -- supervision (DESIGN.md §8): complaints, the negative list, the roster, exports --------


def may_keep_calendar(user: Actor | None) -> bool:
    """The holiday arrangement and the legal clocks it moves (DESIGN §12.1): the bureau's
    supervisors, and the system administrator (who holds the admin's holiday permission)."""
    if user is None or not user.is_authenticated:
        return False
    return is_supervisor(user) or user.has_perm("mediation.change_holiday")


def may_supervise(user: Actor | None) -> bool:
    """Statistics exports, complaint handling and the negative list: supervisors only."""
    return user is not None and user.is_authenticated and is_supervisor(user)


def visible_complaints(
    user: Actor | None, qs: QuerySet[Complaint] | None = None
) -> QuerySet[Complaint]:
    """Supervisors see every complaint; a mediator sees the complaints about themself and
    nobody else's (an organisation's staff do not read complaints about colleagues)."""
    qs = Complaint.objects.all() if qs is None else qs
    if user is None or not user.is_authenticated:
        return qs.none()
    if is_supervisor(user):
        return qs
    return qs.filter(mediator_id=user.pk)


def may_see_roster(user: Actor | None) -> bool:
    """The roster: supervisors and the staff of mediating organisations (heads assign)."""
    if user is None or not user.is_authenticated:
        return False
    return is_supervisor(user) or has_role_anywhere(user, Role.ORG_HEAD, Role.MEDIATOR)


def roster_scope(user: Actor, qs: QuerySet[User]) -> QuerySet[User]:
    """Mediators a user may look up: all for a supervisor, their organisations' otherwise."""
    if is_supervisor(user):
        return qs
    return qs.filter(memberships__org_id__in=org_ids(user)).distinct()


def may_see_complaints(user: Actor | None) -> bool:
    """The complaint list: supervisors, and mediating staff (each their own, visible_complaints)."""
    return may_supervise(user) or may_see_roster(user)


def may_manage_webhooks(user: Actor | None) -> bool:
    """Webhook endpoints (§12.3): supervisors, and the system administrator (its group)."""
    if user is None or not user.is_authenticated:
        return False
    return is_supervisor(user) or user.has_perm("mediation.add_webhook")

"""The business conditions of DESIGN.md §3: each refusal is a clear 400 (or 409) that
leaves the case and its event log untouched; time limits; transfer; referral routes."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from mediation import policies
from mediation.actions import services
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.law import clocks
from mediation.law.choices import State
from mediation.models import Agreement, CaseAccess, CaseEvent, TimeLimit
from tests.helpers import plain_party, snapshot, try_and_undo

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
CONFIRM = {"joint_application": True, "paper_signatures": True}


def end_of(day: dt.date) -> dt.datetime:
    """Legal periods end with their last day (CPL art 85), Asia/Shanghai."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=SHANGHAI)


def refused(exc_type, case, name, user, data):
    before = snapshot(case)
    with pytest.raises(exc_type) as err:
        services.perform(case.pk, name, user, data)
    assert snapshot(case) == before
    return err.value


def not_priority(world, **overrides):
    return {"parties": [plain_party("applicant", "马明"), plain_party("respondent", "杨军")]}


# -- judicial confirmation -------------------------------------------------------------


def test_request_confirmation_needs_joint_application(world):
    case = world.make_case(State.AGREED)
    for data in ({"court": world.court.pk}, {"court": world.court.pk, "joint_application": False}):
        err = refused(InvalidFields, case, "request_confirmation", world.mediator, data)
        assert list(err.errors) == ["applicants"]
        assert "共同申请" in err.errors["applicants"][0]


def test_request_confirmation_target_must_be_a_court(world):
    case = world.make_case(State.AGREED)
    for target in (world.arbitration, world.other, world.center):
        err = refused(
            InvalidFields,
            case,
            "request_confirmation",
            world.mediator,
            {**CONFIRM, "court": target.pk},
        )
        assert err.errors == {"court": ["请选择人民法院"]}
    err = refused(
        InvalidFields, case, "request_confirmation", world.mediator, {**CONFIRM, "court": 999999}
    )
    assert "court" in err.errors


def test_request_confirmation_refused_for_personal_status_agreements(world):
    case = world.make_case(State.MEDIATING, category="marriage_family")
    today = timezone.localdate()
    services.perform(
        case,
        "reach_agreement",
        world.mediator,
        {
            "form": "written",
            "facts": "双方因排水沟改建发生争议。",
            "responsibilities": "被申请人负主要责任。",
            "terms": "双方协议离婚，子女由女方抚养。",
            "performance_method": "当场履行",
            "performance_due": today.isoformat(),
            "effective_date": today.isoformat(),
            "concerns_status": True,
        },
    )
    err = refused(
        InvalidFields,
        case,
        "request_confirmation",
        world.mediator,
        {**CONFIRM, "court": world.court.pk},
    )
    assert "身份关系" in err.errors["non_field_errors"][0]


def test_request_confirmation_within_30_days_of_effective_date(world):
    with time_machine.travel(T0, tick=False):
        case = world.make_case(State.AGREED)
    assert case.current_agreement.effective_date == T0.date()
    data = {**CONFIRM, "court": world.court.pk}
    with time_machine.travel(T0 + dt.timedelta(days=30), tick=False):
        # the 30th day is still inside the limit
        try_and_undo(
            case,
            "request_confirmation",
            world.mediator,
            data,
            lambda c: (c.state == State.CONFIRMING) or pytest.fail("not confirming"),
        )
    with time_machine.travel(T0 + dt.timedelta(days=31), tick=False):
        err = refused(InvalidFields, case, "request_confirmation", world.mediator, data)
    message = err.errors["non_field_errors"][0]
    assert "30日" in message and "2026-04-01" in message


def test_request_confirmation_sets_court_deadline_and_gives_the_court_sight(world):
    with time_machine.travel(T0, tick=False):
        case = world.make_case(State.AGREED)
        assert not policies.can_see(world.judge, case)
        case = services.perform(
            case, "request_confirmation", world.mediator, {**CONFIRM, "court": world.court.pk}
        )
    assert case.confirmation_court_id == world.court.pk
    # registration within 3 days (to 2026-03-05), then 15 days to decide (法释〔2011〕5号)
    assert timezone.localtime(case.due_at).isoformat() == "2026-03-20T23:59:59+08:00"
    assert policies.can_see(world.judge, case)
    # a judge of another court may not decide it
    tribunal = world.orgs["红寺堡区人民法院太阳山人民法庭"]
    other_judge = world.staff(tribunal, "mediator")
    from mediation.models import Membership

    Membership.objects.create(user=other_judge, org=tribunal, role="judge")
    policies.forget(other_judge)
    with pytest.raises(NotVisible):
        services.perform(case, "confirm", other_judge, {})
    case = world.register_confirmation(case)
    case = services.perform(case, "confirm", world.judge, {})
    assert case.state == State.CONFIRMED
    assert case.ruling_date == timezone.localdate()


def test_judicial_network_has_no_confirmation(world):
    mediator = world.staff(world.court, "mediator")
    case = world.make_case(State.AGREED, org=world.court)
    err = refused(
        StateConflict, case, "request_confirmation", mediator, {**CONFIRM, "court": world.court.pk}
    )
    assert err.current_state == State.AGREED
    names = [t["name"] for t in services.available_transitions(case, mediator)]
    assert "request_confirmation" not in names


# -- closing ---------------------------------------------------------------------------


def test_close_of_agreed_peoples_case_needs_follow_up(world):
    case = world.make_case(State.AGREED)
    err = refused(InvalidFields, case, "close", world.mediator, {})
    assert "回访" in err.errors["non_field_errors"][0]
    services.add_follow_up(
        case,
        world.mediator,
        {
            "date": timezone.localdate().isoformat(),
            "performed": False,
            "early_reason": "当事人已起诉",
        },
    )
    assert services.perform(case, "close", world.mediator, {}).state == State.CLOSED


def test_close_of_confirmed_peoples_case_needs_follow_up(world):
    case = world.make_case(State.CONFIRMED)
    refused(InvalidFields, case, "close", world.head, {})


@pytest.mark.parametrize("org_attr", ["traffic_police", "lawyer_studio", "court"])
def test_other_networks_close_agreed_without_follow_up(world, org_attr):
    org = getattr(world, org_attr)
    case = world.make_case(State.AGREED, org=org)
    assert services.perform(case, "close", world.staff(org, "org_head"), {}).state == State.CLOSED


def test_archived_case_is_frozen(world):
    case = world.make_case(State.ARCHIVED)
    for name in ("close", "reopen", "archive", "accept"):
        err = refused(StateConflict, case, name, world.head, {})
        assert err.current_state == State.ARCHIVED
    assert services.available_transitions(case, world.head) == []


# -- time limits -----------------------------------------------------------------------


def test_priority_case_acceptance_due_in_one_day(world):
    with time_machine.travel(T0, tick=False):
        priority = services.register_case(world.intake, _body(world))
        plain = services.register_case(world.intake, _body(world, **not_priority(world)))
    assert priority.priority is True
    assert priority.due_at == end_of(dt.date(2026, 3, 3))  # the day is not counted (CPL 85)
    assert plain.priority is False
    assert plain.due_at == end_of(dt.date(2026, 3, 5))


def test_elderly_party_makes_priority_by_id_number_alone(world):
    old = plain_party("applicant", "马老汉", birth=dt.date(1950, 1, 1))
    body = _body(world, parties=[old, plain_party("respondent", "杨军")])
    case = services.register_case(world.intake, body)
    assert case.priority is True
    assert case.case_parties.get(role="applicant").party.tags == ["elderly"]


@pytest.mark.parametrize(
    ("overrides", "last_day"),
    [
        ({"category": "labor"}, dt.date(2026, 3, 17)),  # 15 days (LDMAL art 14)
        # a calendar month (《人民调解工作若干规定》第三十三条): 2 March → 2 April
        ({"category": "neighbour"}, dt.date(2026, 4, 2)),
        ({"category": "neighbour", "channel": "court_referral"}, dt.date(2026, 4, 2)),
    ],
)
def test_mediation_period_at_acceptance(world, overrides, last_day):
    with time_machine.travel(T0, tick=False):
        case = world.make_case(State.ACCEPTED, **overrides)
    assert case.accepted_at == T0
    assert case.due_at == end_of(last_day)


def test_labour_period_follows_the_time_limit_table(world):
    TimeLimit.objects.filter(stage="mediation", category="labor").update(count=10)
    clocks.reset_cache(bump=True)  # a queryset update sends no signal; the admin's save does
    with time_machine.travel(T0, tick=False):
        case = world.make_case(State.ACCEPTED, category="labor")
    assert case.due_at == end_of(dt.date(2026, 3, 12))


def test_extend_needs_a_later_date_and_consent(world):
    case = world.make_case(State.MEDIATING)
    earlier = (case.due_at - dt.timedelta(days=1)).isoformat()
    err = refused(
        InvalidFields,
        case,
        "extend",
        world.head,
        {"due_at": earlier, "reason": "x", "consent": True},
    )
    assert "晚于当前期限" in err.errors["due_at"][0]
    later = (case.due_at + dt.timedelta(days=7)).isoformat()
    err = refused(InvalidFields, case, "extend", world.head, {"due_at": later, "reason": "x"})
    assert list(err.errors) == ["consent"]
    case = services.perform(
        case, "extend", world.head, {"due_at": later, "reason": "x", "consent": True}
    )
    assert case.due_at.isoformat() == later


def test_begin_needs_respondents_consent(world):
    case = world.make_case(State.ACCEPTED)
    err = refused(InvalidFields, case, "begin", world.mediator, {"consent": False})
    assert "自愿" in err.errors["consent"][0]


def test_accept_and_reassign_need_a_mediator_of_the_org(world):
    case = world.make_case(State.REGISTERED)
    err = refused(InvalidFields, case, "accept", world.head, {"mediator": world.outsider.pk})
    assert err.errors["mediator"] == ["该用户不是本组织的调解员"]
    refused(InvalidFields, case, "accept", world.head, {})
    case = world.make_case(State.MEDIATING)
    refused(
        InvalidFields,
        case,
        "reassign",
        world.head,
        {"mediator": world.judge.pk, "reason": "回避"},
    )
    case = services.perform(
        case, "reassign", world.head, {"mediator": world.mediator2.pk, "reason": "回避"}
    )
    assert case.mediator_id == world.mediator2.pk
    # the former mediator lost the mediator-only transitions with the assignment
    with pytest.raises(NotPermitted):
        services.perform(case, "reach_agreement", world.mediator, {})


# -- transfer --------------------------------------------------------------------------


def test_transfer_moves_org_and_network_renumbers_and_keeps_sight(world):
    case = world.make_case(State.MEDIATING, category="traffic")
    number = case.number
    case = services.perform(
        case, "transfer", world.head, {"target_org": world.traffic_police.pk, "reason": "交通事故"}
    )
    assert case.state == State.REGISTERED
    assert case.org_id == world.traffic_police.pk
    assert case.network == "administrative"
    # the receiving organisation numbers it; the old number stays as 原案号
    assert case.original_number == number and "交警行调字" in case.number
    assert case.mediator_id is None and case.accepted_at is None
    assert case.registering_org_id == world.home.pk
    reasons = dict(CaseAccess.objects.filter(case=case).values_list("org_id", "reason"))
    assert reasons[world.home.pk] == "former_handler"
    assert reasons[world.traffic_police.pk] == "handler"
    # the former org still sees it, but no longer handles it
    assert policies.can_see(world.head, case)
    assert not policies.handles(world.head, case)
    with pytest.raises(NotPermitted):
        services.perform(case, "accept", world.head, {"mediator": world.mediator.pk})
    # the new org sees and handles it
    assert policies.can_see(world.admin_mediator, case)
    assert policies.handles(world.admin_mediator, case)
    case = services.perform(
        case, "accept", world.admin_mediator, {"mediator": world.admin_mediator.pk}
    )
    assert case.state == State.ACCEPTED
    event = CaseEvent.objects.filter(case=case, type="case.transitioned").order_by("id")
    transfer = next(e for e in event if e.payload["data"]["transition"] == "transfer")
    assert transfer.payload["data"]["from_org"] == world.home.pk
    assert transfer.payload["data"]["target_org"] == world.traffic_police.pk
    assert set(transfer.payload["orgs"]) >= {world.home.pk, world.traffic_police.pk}


def test_transfer_by_intake_desk_and_refusals(world):
    case = world.make_case(State.REGISTERED)
    err = refused(
        InvalidFields, case, "transfer", world.intake, {"target_org": world.home.pk, "reason": "x"}
    )
    assert "相同" in err.errors["target_org"][0]
    err = refused(
        InvalidFields,
        case,
        "transfer",
        world.intake,
        {"target_org": world.petition_bureau.pk, "reason": "x"},
    )
    assert "调解组织" in err.errors["target_org"][0]
    case = services.perform(
        case, "transfer", world.intake, {"target_org": world.court.pk, "reason": "诉前委派"}
    )
    assert case.network == "judicial"
    year = timezone.localdate().year
    assert "红人调字" in case.original_number and case.number.startswith(f"（{year}）红院")


def test_transfer_keeps_priority_acceptance_limit(world):
    with time_machine.travel(T0, tick=False):
        case = world.make_case(State.ACCEPTED)
        assert case.priority
        case = services.perform(
            case, "transfer", world.head, {"target_org": world.other.pk, "reason": "属地"}
        )
    assert case.due_at == end_of(dt.date(2026, 3, 3))


# -- referral routes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("org_attr", "route", "ok"),
    [
        ("home", "arbitration", True),
        ("home", "litigation", True),
        ("home", "administrative_adjudication", False),
        ("lawyer_studio", "administrative_adjudication", False),
        ("traffic_police", "administrative_adjudication", True),
        ("traffic_police", "arbitration", True),
        ("court", "litigation", True),
        ("court", "arbitration", False),
        ("court", "administrative_adjudication", False),
    ],
)
def test_refer_routes_per_network(world, org_attr, route, ok):
    org = getattr(world, org_attr)
    head = world.head if org == world.home else world.staff(org, "org_head")
    case = world.make_case(State.FAILED, org=org)
    # a neighbour dispute goes to arbitration only by the parties' agreement (Arbitration
    # Law art 4); test_law.py covers the categories' own routes
    data = {"route": route, "arbitration_agreement": True}
    if ok:
        case = services.perform(case, "refer", head, data)
        assert case.state == State.REFERRED and case.referral_route == route
    else:
        err = refused(InvalidFields, case, "refer", head, data)
        expected = (
            "法院调解不成的，转入诉讼"
            if org_attr == "court"
            else "只有行政调解可以告知行政裁决途径"
        )
        assert err.errors == {"route": [expected]}


def test_referral_to_an_organisation_in_the_system(world):
    case = world.make_case(State.FAILED, category="labor")
    err = refused(
        InvalidFields,
        case,
        "refer",
        world.mediator,
        {"route": "arbitration", "target_org": world.court.pk},
    )
    assert "类型" in err.errors["target_org"][0]
    assert not policies.can_see(world.arbiter, case)
    case = services.perform(
        case, "refer", world.mediator, {"route": "arbitration", "target_org": world.arbitration.pk}
    )
    assert policies.can_see(world.arbiter, case)
    # the target records the result, not the referring mediator
    refused(NotPermitted, case, "record_result", world.mediator, {"result": "x"})
    refused(NotVisible, case, "record_result", world.judge, {"result": "x"})
    case = services.perform(case, "record_result", world.arbiter, {"result": "仲裁裁决已作出"})
    assert case.state == State.CLOSED and case.closed_at is not None


def test_reopen_by_head_only(world):
    case = world.make_case(State.FAILED)
    refused(NotPermitted, case, "reopen", world.mediator, {"note": "x"})
    refused(NotPermitted, case, "reopen", world.supervisor, {"note": "x"})
    with time_machine.travel(T0, tick=False):
        case = services.perform(
            case, "reopen", world.head, {"note": "当事人同意再调", "consent": True}
        )
    assert case.state == State.MEDIATING and case.outcome == "" and case.end_reason == ""
    assert case.due_at == end_of(dt.date(2026, 4, 2))  # a calendar month from 2 March


def test_resume_after_rejected_confirmation(world):
    case = world.make_case(State.CONFIRMATION_REJECTED)
    refused(NotPermitted, case, "resume", world.head, {"note": "x"})
    refused(InvalidFields, case, "resume", world.mediator, {})
    case = services.perform(case, "resume", world.mediator, {"note": "修改协议"})
    assert case.state == State.MEDIATING
    assert Agreement.objects.filter(case=case).count() == 1


def test_unknown_transition_and_unknown_case(world):
    case = world.make_case()
    with pytest.raises(NotVisible):
        services.perform(case, "teleport", world.head, {})
    with pytest.raises(NotVisible):
        services.perform(987654, "accept", world.head, {"mediator": world.mediator.pk})
    with pytest.raises(NotVisible):
        services.perform("abc", "accept", world.head, {"mediator": world.mediator.pk})


def _body(world, **overrides):
    from tests.conftest import case_body

    return case_body(world.home, **overrides)


def test_inactive_or_unknown_mediator_is_refused(world):
    case = world.make_case(State.REGISTERED)
    world.mediator2.is_active = False
    world.mediator2.save()
    err = refused(InvalidFields, case, "accept", world.head, {"mediator": world.mediator2.pk})
    assert err.errors["mediator"] == ["用户不存在"]
    err = refused(InvalidFields, case, "accept", world.head, {"mediator": 99999})
    assert err.errors["mediator"] == ["用户不存在"]
    # an org head may be assigned as the mediator too
    case = services.perform(case, "accept", world.head, {"mediator": world.head.pk})
    assert case.mediator_id == world.head.pk


def test_roles_by_org_reads_every_membership_in_one_query(world, django_assert_num_queries):
    """Who may do what starts from the caller's memberships (policies.roles_by_org, its
    query compiled once): every organisation and role of every demo user, a second role
    in the same organisation and a second organisation included, in one query, then
    remembered on the user for the request."""
    from mediation.models import Membership

    Membership.objects.create(user=world.head, org=world.home, role="mediator")
    Membership.objects.create(user=world.head, org=world.other, role="mediator")
    for user in world.users.values():
        policies.forget(user)
        want: dict[int, set[str]] = {}
        for org_id, role in Membership.objects.filter(user=user).values_list("org_id", "role"):
            want.setdefault(org_id, set()).add(role)
        with django_assert_num_queries(1):
            got = policies.roles_by_org(user)
        assert got == {org: frozenset(roles) for org, roles in want.items()}, user.username
        with django_assert_num_queries(0):
            assert policies.roles_by_org(user) is got
    assert policies.roles_by_org(world.head) == {
        world.home.pk: frozenset({"org_head", "mediator"}),
        world.other.pk: frozenset({"mediator"}),
    }

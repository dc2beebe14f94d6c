"""Every transition of DESIGN.md §3, per network and per role, through the one service.

For each (network, transition) one case is built in the transition's source state; every
role that may not run it is refused (403, or 404 for who may not see the case) and the
case row and event log stay exactly as they were; every role that may run it does
(checked, then rolled back so the next role gets the same case)."""

import datetime as dt

import pytest
from django.utils import timezone

from mediation import policies
from mediation.actions import services
from mediation.errors import NotPermitted, NotVisible, StateConflict
from mediation.law.choices import EventType, State
from mediation.models import Case, CaseEvent
from tests.helpers import NETWORK_ORG, cast, snapshot, try_and_undo

NETWORKS = list(NETWORK_ORG)
JUDICIAL_ABSENT = {
    "request_confirmation",
    "confirm",
    "reject_confirmation",
    "withdraw_confirmation",
    "resume",
}

# The table of DESIGN.md §3, written out independently of the model.
SOURCES = {
    "accept": {State.REGISTERED},
    "decline": {State.REGISTERED},
    "transfer": {State.REGISTERED, State.ACCEPTED, State.MEDIATING},
    "begin": {State.ACCEPTED},
    "extend": {State.MEDIATING},
    "suspend_clock": {State.ACCEPTED, State.MEDIATING},
    "resume_clock": {State.ACCEPTED, State.MEDIATING},
    "reassign": {State.ACCEPTED, State.MEDIATING},
    "reach_agreement": {State.MEDIATING},
    "fail": {State.ACCEPTED, State.MEDIATING},
    "withdraw": {State.REGISTERED, State.ACCEPTED, State.MEDIATING},
    # and again after a refusal to accept (不予受理), at the right court
    "request_confirmation": {State.AGREED, State.CONFIRMATION_REJECTED},
    "confirm": {State.CONFIRMING},
    "reject_confirmation": {State.CONFIRMING},
    "withdraw_confirmation": {State.CONFIRMING},
    "resume": {State.CONFIRMATION_REJECTED},
    "reopen": {State.FAILED},
    "refer": {State.FAILED, State.CONFIRMATION_REJECTED},
    "record_result": {State.REFERRED},
    "close": {State.AGREED, State.CONFIRMED, State.FAILED, State.DECLINED, State.WITHDRAWN},
    "archive": {State.CLOSED},
}
TARGET = {
    "accept": State.ACCEPTED,
    "decline": State.DECLINED,
    "transfer": State.REGISTERED,
    "begin": State.MEDIATING,
    "extend": State.MEDIATING,
    "suspend_clock": None,
    "resume_clock": None,
    "reassign": None,  # keeps the state
    "reach_agreement": State.AGREED,
    "fail": State.FAILED,
    "withdraw": State.WITHDRAWN,
    "request_confirmation": State.CONFIRMING,
    "confirm": State.CONFIRMED,
    "reject_confirmation": State.CONFIRMATION_REJECTED,
    "withdraw_confirmation": State.AGREED,
    "resume": State.MEDIATING,
    "reopen": State.MEDIATING,
    "refer": State.REFERRED,
    "record_result": State.CLOSED,
    "close": State.CLOSED,
    "archive": State.ARCHIVED,
}

# Who may run each transition (DESIGN.md §3 "who"), in the matrix's cast:
# head = org_head of the current org, mediator = the assigned mediator (or, before
# acceptance, the org's first mediator), peer = another mediator of the same org.
ALLOWED = {
    "accept": {"head", "mediator", "peer"},
    "decline": {"head"},
    "transfer": {"head", "intake"},
    "begin": {"head", "mediator"},
    "extend": {"head"},
    "suspend_clock": {"head", "mediator"},
    "resume_clock": {"head", "mediator"},
    "reassign": {"head"},
    "reach_agreement": {"mediator"},
    "fail": {"head", "mediator"},
    "withdraw": {"head", "mediator", "peer", "intake"},
    "request_confirmation": {"mediator"},
    # only after the clerk registered the application (the matrix registers it first)
    "confirm": {"judge"},
    # before registration only the clerk refuses to accept (不予受理); after it only the
    # judge rules (test_law.py covers that side)
    "reject_confirmation": {"clerk"},
    "withdraw_confirmation": {"mediator"},
    "resume": {"mediator"},
    "reopen": {"head"},
    "refer": {"head", "mediator"},
    # referred to litigation with no target organisation in the system: the handlers record
    "record_result": {"head", "mediator", "peer"},
    "close": {"head", "mediator"},
    "archive": {"head"},
}
# The state each matrix case starts in (one of SOURCES).
START = {
    "accept": State.REGISTERED,
    "decline": State.REGISTERED,
    "transfer": State.MEDIATING,
    "begin": State.ACCEPTED,
    "extend": State.MEDIATING,
    "suspend_clock": State.MEDIATING,
    "resume_clock": State.MEDIATING,
    "reassign": State.MEDIATING,
    "reach_agreement": State.MEDIATING,
    "fail": State.MEDIATING,
    "withdraw": State.REGISTERED,
    "request_confirmation": State.AGREED,
    "confirm": State.CONFIRMING,
    "reject_confirmation": State.CONFIRMING,
    "withdraw_confirmation": State.CONFIRMING,
    "resume": State.CONFIRMATION_REJECTED,
    "reopen": State.FAILED,
    "refer": State.FAILED,
    "record_result": State.REFERRED,
    "close": State.FAILED,
    "archive": State.CLOSED,
}
ROLES = [
    "head",
    "mediator",
    "peer",
    "intake",
    "outsider",
    "supervisor",
    "judge",
    "clerk",
    "petition",
    "arbiter",
]


def data_for(world, name, case, people):
    today = timezone.localdate()
    target = world.other if case.org_id != world.other.pk else world.home
    return {
        "accept": {"mediator": people["mediator"].pk},
        "decline": {"reason": "不属于受理范围", "routes": "可向人民法院起诉"},
        "transfer": {"target_org": target.pk, "reason": "属地管辖"},
        "begin": {"consent": True},
        "extend": {
            "due_at": ((case.due_at or timezone.now()) + dt.timedelta(days=10)).isoformat(),
            "reason": "双方同意延期",
            "consent": True,
        },
        "suspend_clock": {"reason": "医疗损害鉴定"},
        "resume_clock": {"reason": "鉴定意见已送达"},
        "reassign": {"mediator": people["peer"].pk, "reason": "当事人申请回避"},
        "reach_agreement": {
            "form": "written",
            "facts": "双方因排水沟发生争议。",
            "responsibilities": "被申请人负主要责任。",
            "terms": "被申请人十日内赔偿三千元。",
            "performance_method": "现金",
            "performance_due": (today + dt.timedelta(days=10)).isoformat(),
            "effective_date": today.isoformat(),
        },
        "fail": {"reason": "no_agreement", "routes": "可向人民法院起诉"},
        "withdraw": {"note": "申请人撤回"},
        "request_confirmation": {
            "court": world.court.pk,
            "joint_application": True,
            "paper_signatures": True,
        },
        "confirm": {},
        "reject_confirmation": {"reason": "wrong_court", "grounds": "违反法律强制性规定"},
        "withdraw_confirmation": {"note": "申请人撤回申请"},
        "resume": {"note": "修改协议"},
        "reopen": {"note": "重新调解", "consent": True},
        "refer": {"route": "litigation"},
        "record_result": {"result": "法院已立案"},
        "close": {"note": "结案"},
        "archive": {},
    }[name]


def matrix_params():
    for network in NETWORKS:
        for name in SOURCES:
            if network == "judicial" and name in JUDICIAL_ABSENT:
                continue
            yield pytest.param(network, name, id=f"{network}-{name}")


def user_of(world, role, people):
    return people.get(role) or getattr(world, role)


@pytest.mark.parametrize(("network", "name"), list(matrix_params()))
def test_transition_roles(world, network, name):
    org = getattr(world, NETWORK_ORG[network])
    case = world.make_case(START[name], org=org)
    assert case.network == network
    if name == "confirm":
        case = world.register_confirmation(case)
    people = cast(world, org)
    if name == "resume_clock":  # only a stopped clock resumes
        case = services.perform(case, "suspend_clock", people["head"], {"reason": "鉴定"})
    data = data_for(world, name, case, people)
    before = snapshot(case)

    for role in ROLES:
        user = user_of(world, role, people)
        if role in ALLOWED[name]:
            continue
        with pytest.raises((NotPermitted, NotVisible)) as err:
            services.perform(case.pk, name, user, data)
        if role == "outsider":
            assert isinstance(err.value, NotVisible), role
        if role in {"head", "mediator", "peer", "intake", "supervisor"}:
            assert isinstance(err.value, NotPermitted), role
        assert snapshot(case) == before, f"{role} refused {name} but something changed"

    for role in sorted(ALLOWED[name]):
        user = user_of(world, role, people)

        def check(result, role=role, user=user):
            expected = TARGET[name] or START[name]
            assert result.state == expected, role
            stored = Case.objects.get(pk=case.pk)
            assert stored.state == expected
            new = CaseEvent.objects.filter(case_id=case.pk).exclude(
                id__in=[i for i, _ in before["events"]]
            )
            # workflows may add their own handoff.* events beside these
            types = [
                t
                for t in new.values_list("type", flat=True)
                if t in (EventType.CASE_TRANSITIONED, EventType.CASE_ASSIGNED)
            ]
            assigned = [EventType.CASE_ASSIGNED] if name in ("accept", "reassign") else []
            assert types == [EventType.CASE_TRANSITIONED, *assigned], role
            payload = new.get(type=EventType.CASE_TRANSITIONED).payload
            assert payload["data"]["transition"] == name
            assert payload["data"]["from"] == START[name]
            assert payload["data"]["to"] == expected
            assert payload["actor"]["id"] == user.pk

        try_and_undo(case, name, user, data, check)
        assert snapshot(case) == before


def _all_states_cases(world, org):
    cases = {}
    for state in State.values:
        if org.network == "judicial" and state in {
            State.CONFIRMING,
            State.CONFIRMED,
            State.CONFIRMATION_REJECTED,
        }:
            continue
        cases[state] = world.make_case(state, org=org)
    return cases


@pytest.mark.parametrize("network", NETWORKS)
def test_wrong_state_is_a_conflict_and_changes_nothing(world, network, monkeypatch):
    """Every transition from every state outside its sources is a 409 with the current
    state. Permission is waved through here (it is the matrix above that tests it) so
    that the state machine alone answers."""
    org = getattr(world, NETWORK_ORG[network])
    cases = _all_states_cases(world, org)
    people = cast(world, org)
    monkeypatch.setattr(policies, "may_transition", lambda user, case, name: True)
    checked = 0
    for state, case in cases.items():
        for name in SOURCES:
            allowed_here = state in SOURCES[name]
            if network == "judicial" and name in JUDICIAL_ABSENT:
                allowed_here = False
            if allowed_here:
                continue
            before = snapshot(case)
            with pytest.raises(StateConflict) as err:
                services.perform(case.pk, name, people["head"], data_for(world, name, case, people))
            assert err.value.current_state == state
            assert snapshot(case) == before
            checked += 1
    assert checked > 150


@pytest.mark.parametrize("network", NETWORKS)
def test_every_source_state_is_accepted(world, network, monkeypatch):
    """Each transition runs from each of its sources (not only the matrix's start)."""
    org = getattr(world, NETWORK_ORG[network])
    cases = _all_states_cases(world, org)
    people = cast(world, org)
    monkeypatch.setattr(policies, "may_transition", lambda user, case, name: True)
    ran = 0
    for name, sources in SOURCES.items():
        if network == "judicial" and name in JUDICIAL_ABSENT:
            continue
        for state in sources:
            if state not in cases:  # judicial: no confirmation states at all
                continue
            case = cases[state]
            if name == "request_confirmation" and state == State.CONFIRMATION_REJECTED:
                # re-filing follows the clerk's refusal to accept (不予受理), not a rejection
                case = world.make_case(State.CONFIRMING, org=org)
                case = services.perform(
                    case, "reject_confirmation", world.clerk, {"reason": "wrong_court"}
                )
            if name == "close" and state in (State.AGREED, State.CONFIRMED):
                if network == "people":
                    services.add_follow_up(
                        case,
                        people["mediator"],
                        {
                            "date": timezone.localdate().isoformat(),
                            "performed": True,
                            "early_reason": "已提前履行",
                        },
                    )
            if state == State.ARCHIVED:
                continue
            if name == "resume_clock":  # only a stopped clock resumes
                case = world.make_case(state, org=org)
                case = services.perform(case, "suspend_clock", people["head"], {"reason": "鉴定"})
            try_and_undo(
                case,
                name,
                people["head"],
                data_for(world, name, case, people),
                lambda result, name=name, state=state: _expect_target(result, name, state),
            )
            ran += 1
    assert ran >= 20


def _expect_target(result, name, state):
    assert result.state == (TARGET[name] or state)


def test_fsm_table_matches_design():
    """The model's declared transitions are exactly DESIGN.md §3."""
    field = Case._meta.get_field("state")
    declared = {}
    targets = {}
    for t in field.get_all_transitions(Case):
        declared.setdefault(t.name, set()).add(t.source)
        targets[t.name] = t.target
    assert declared == SOURCES
    assert targets == TARGET


def test_transitions_from_each_state_are_the_design_table():
    """What available_transitions asks the rules about, per state (services.transitions_from,
    cached), is every transition whose DESIGN.md §3 source is that state, in the order the
    API lists them."""
    for state in State.values:
        want = [name for name in services.TRANSITION_NAMES if state in SOURCES[name]]
        assert list(services.transitions_from(state)) == want, state


@pytest.mark.parametrize("network", NETWORKS)
def test_available_transitions_follow_network(world, network):
    org = getattr(world, NETWORK_ORG[network])
    people = cast(world, org)
    agreed = world.make_case(State.AGREED, org=org)
    names = {t["name"] for t in services.available_transitions(agreed, people["mediator"])}
    if network == "judicial":
        assert names == {"close"}
    else:
        assert names == {"request_confirmation", "close"}
    failed = world.make_case(State.FAILED, org=org)
    names = {t["name"] for t in services.available_transitions(failed, people["head"])}
    assert names == {"reopen", "refer", "close"}
    refer = next(
        t for t in services.available_transitions(failed, people["head"]) if t["name"] == "refer"
    )
    assert {f["name"] for f in refer["fields"]} == {"route", "target_org", "arbitration_agreement"}

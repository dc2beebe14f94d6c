"""The event log: one case.transitioned per transition (accept/reassign add case.assigned),
the push happens only after commit, and a rolled-back action announces nothing."""

import pytest
from django.db import transaction

from mediation.actions import services
from mediation.errors import InvalidFields, NotPermitted
from mediation.events import serialise
from mediation.law.choices import EventType, State
from mediation.live import relay as live
from mediation.models import CaseEvent


@pytest.fixture
def pushed(monkeypatch):
    calls = []

    def fake_publish(message):
        # The relays read whom to tell from the stored event: only its id is published.
        orgs = CaseEvent.objects.get(pk=message["id"]).payload["orgs"]
        calls.append({"message": message, "orgs": orgs, "case_id": message["case"]["id"]})

    monkeypatch.setattr(live, "publish", fake_publish)
    return calls


def _types(case, after_id=0):
    return list(
        CaseEvent.objects.filter(case=case, id__gt=after_id)
        .filter(type__in=[EventType.CASE_TRANSITIONED, EventType.CASE_ASSIGNED])
        .values_list("type", flat=True)
    )


def test_history_of_a_full_lifecycle(world):
    case = world.make_case(State.ARCHIVED)
    rows = list(CaseEvent.objects.filter(case=case).order_by("id"))
    assert rows[0].type == EventType.CASE_CREATED
    transitions = [
        (e.payload["data"]["transition"], e.payload["data"]["from"], e.payload["data"]["to"])
        for e in rows
        if e.type == EventType.CASE_TRANSITIONED
    ]
    assert transitions == [
        ("accept", "registered", "accepted"),
        ("begin", "accepted", "mediating"),
        ("reach_agreement", "mediating", "agreed"),
        ("close", "agreed", "closed"),
        ("archive", "closed", "archived"),
    ]
    assigned = [e for e in rows if e.type == EventType.CASE_ASSIGNED]
    assert len(assigned) == 1 and assigned[0].payload["data"] == {"mediator": world.mediator.pk}
    # id order is the order things happened
    assert [e.id for e in rows] == sorted(e.id for e in rows)


def test_one_push_per_event_after_commit(world, pushed, django_capture_on_commit_callbacks):
    case = world.make_case(State.REGISTERED)
    last = CaseEvent.objects.filter(case=case).latest("id").id
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.perform(case, "accept", world.head, {"mediator": world.mediator.pk})
        # inside the action nothing has been pushed yet: only scheduled for commit
        assert pushed == []
    assert pushed == []
    for callback in callbacks:
        callback()
    assert _types(case, last) == [EventType.CASE_TRANSITIONED, EventType.CASE_ASSIGNED]
    events = list(CaseEvent.objects.filter(case=case, id__gt=last).order_by("id"))
    assert [p["message"] for p in pushed] == [serialise(e) for e in events]
    assert {p["case_id"] for p in pushed} == {case.pk}
    assert world.home.pk in pushed[0]["orgs"]
    assert pushed[0]["message"]["case"]["state"] == State.ACCEPTED
    assert pushed[0]["message"]["actor"]["id"] == world.head.pk


@pytest.mark.parametrize(
    ("state", "name", "user_attr", "data"),
    [
        ("mediating", "fail", "mediator", {"reason": "no_agreement", "routes": "诉讼"}),
        ("mediating", "reassign", "head", {"mediator": "mediator2", "reason": "回避"}),
        ("registered", "decline", "head", {"reason": "不属受理范围", "routes": "诉讼"}),
        ("failed", "reopen", "head", {"note": "再调", "consent": True}),
    ],
)
def test_each_transition_one_transitioned_event_and_its_push(
    world, pushed, django_capture_on_commit_callbacks, state, name, user_attr, data
):
    case = world.make_case(state)
    data = {k: getattr(world, v).pk if v == "mediator2" else v for k, v in data.items()}
    last = CaseEvent.objects.filter(case=case).latest("id").id
    with django_capture_on_commit_callbacks(execute=True):
        services.perform(case, name, getattr(world, user_attr), data)
    expected = [EventType.CASE_TRANSITIONED]
    if name == "reassign":
        expected.append(EventType.CASE_ASSIGNED)
    assert _types(case, last) == expected
    assert CaseEvent.objects.filter(case=case, id__gt=last).count() == len(pushed)


def test_refused_transition_writes_and_pushes_nothing(
    world, pushed, django_capture_on_commit_callbacks
):
    case = world.make_case(State.MEDIATING)
    count = CaseEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(InvalidFields):
            services.perform(case, "fail", world.mediator, {"reason": "bogus"})
        with pytest.raises(NotPermitted):
            services.perform(case, "extend", world.mediator, {})
    assert callbacks == [] and pushed == []
    assert CaseEvent.objects.count() == count


def test_rolled_back_transition_publishes_nothing(
    world, pushed, django_capture_on_commit_callbacks
):
    case = world.make_case(State.MEDIATING)
    count = CaseEvent.objects.count()

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            services.perform(case, "fail", world.mediator, {"reason": "other", "routes": "-"})
            raise Boom
    assert callbacks == [] and pushed == []
    assert CaseEvent.objects.count() == count
    case.refresh_from_db()
    assert case.state == State.MEDIATING


def test_transfer_event_tells_both_organisations(world, pushed, django_capture_on_commit_callbacks):
    case = world.make_case(State.REGISTERED)
    with django_capture_on_commit_callbacks(execute=True):
        services.perform(
            case, "transfer", world.head, {"target_org": world.other.pk, "reason": "属地"}
        )
    orgs = pushed[0]["orgs"]
    assert world.home.pk in orgs and world.other.pk in orgs


def test_registration_event(world, pushed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case()
    event = CaseEvent.objects.get(case=case)
    assert event.type == EventType.CASE_CREATED
    assert event.payload["data"] == {"channel": "walk_in", "priority": True}
    assert [p["message"]["type"] for p in pushed] == [EventType.CASE_CREATED]

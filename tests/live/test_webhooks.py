"""Webhook delivery (DESIGN §12.3) to a real local HTTP receiver: signed §5 JSON, strictly
in id order per endpoint, retried with backoff for 24 h, nothing lost or doubled across a
restart, and only the events the endpoint's organisation may see."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine
from django.utils import timezone

from mediation.actions.webhooks import create_webhook
from mediation.law.choices import State
from mediation.live import webhooks
from mediation.live.wire import serialise
from mediation.models import CaseEvent, DeliveryStatus, WebhookDelivery
from tests.webhook_receiver import Receiver

SECRET = "s3cret-of-the-court-0001"


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def hook_for(world, receiver, events=("*",), org=None):
    return create_webhook(world.supervisor, receiver.url, list(events), SECRET, org)


def worker(timeout=2.0):
    return webhooks.Worker(webhooks.Sender(timeout=timeout))


def new_ids(after):
    return list(CaseEvent.objects.filter(id__gt=after).order_by("id").values_list("id", flat=True))


def test_a_delivery_is_the_event_json_signed_with_the_secret(world, receiver):
    hook = hook_for(world, receiver)
    case = world.make_case(State.REGISTERED)
    worker().run_until_idle()
    event = CaseEvent.objects.filter(case=case).order_by("id").first()
    (got,) = receiver.received
    expected = hmac.new(SECRET.encode(), got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-Datiaojie-Signature"] == f"sha256={expected}"
    assert got["headers"]["X-Datiaojie-Event-Id"] == str(event.pk)
    assert json.loads(got["body"]) == json.loads(json.dumps(serialise(event)))
    row = WebhookDelivery.objects.get(webhook=hook)
    assert (row.status, row.attempts, row.response_code) == (DeliveryStatus.DELIVERED, 1, 200)


def test_events_arrive_in_id_order_and_each_once(world, receiver):
    hook = hook_for(world, receiver)
    start = hook.cursor
    for _ in range(3):
        world.make_case(State.MEDIATING)
    w = worker()
    w.run_until_idle()
    w.run_until_idle()
    assert receiver.ids() == new_ids(start)
    assert len(receiver.ids()) > 6


def test_a_500_holds_the_line_and_is_retried_with_backoff(world, receiver):
    t0 = dt.datetime(2026, 11, 18, 10, tzinfo=dt.UTC)
    with time_machine.travel(t0, tick=False) as clock:
        hook = hook_for(world, receiver)
        world.make_case(State.ACCEPTED)
        ids = new_ids(hook.cursor)
        receiver.script.extend([(500, 0), (503, 0)])
        w = worker()
        w.run_until_idle()
        row = WebhookDelivery.objects.get(webhook=hook)
        assert (row.status, row.attempts, row.response_code) == ("pending", 1, 500)
        assert row.event_id == ids[0]
        assert 5 <= (row.next_attempt_at - t0).total_seconds() <= 10
        assert receiver.ids() == []  # the next event waits for the first
        w.run_until_idle()  # not due yet: no attempt
        assert WebhookDelivery.objects.get(pk=row.pk).attempts == 1
        clock.shift(11)
        w.run_until_idle()
        row.refresh_from_db()
        assert (row.attempts, row.response_code) == (2, 503)
        assert 10 <= (row.next_attempt_at - timezone.now()).total_seconds() <= 20
        clock.shift(21)
        w.run_until_idle()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("delivered", 3)
    assert receiver.ids() == ids


def test_after_24_hours_an_event_is_given_up_and_the_next_goes(world, receiver):
    t0 = dt.datetime(2026, 11, 18, 10, tzinfo=dt.UTC)
    with time_machine.travel(t0, tick=False) as clock:
        hook = hook_for(world, receiver)
        world.make_case(State.ACCEPTED)
        ids = new_ids(hook.cursor)
        receiver.script.extend([(500, 0)] * 100)
        w = worker()
        for _ in range(60):
            w.run_until_idle()
            clock.shift(3600)
            row = WebhookDelivery.objects.get(webhook=hook, event_id=ids[0])
            if row.status != "pending":
                break
        assert row.status == DeliveryStatus.FAILED
        assert 24 <= (row.last_attempt_at - row.first_attempt_at).total_seconds() / 3600 < 26
        assert row.attempts < 40  # backed off, not hammered
        receiver.script.clear()
        w.run_until_idle()
    assert receiver.ids() == ids[1:]


def test_a_receiver_that_does_not_answer_in_time_is_retried(world, receiver):
    hook = hook_for(world, receiver)
    world.make_case(State.REGISTERED)
    receiver.script.append((200, 1.0))
    worker(timeout=0.2).run_until_idle()
    row = WebhookDelivery.objects.get(webhook=hook)
    assert row.status == "pending" and row.response_code is None
    assert "timed out" in row.last_error.lower() or "Timeout" in row.last_error


def test_a_new_worker_goes_on_where_the_stopped_one_left(world, receiver):
    hook = hook_for(world, receiver)
    start = hook.cursor
    world.make_case(State.ACCEPTED)
    first = worker()
    first.run_until_idle()
    first.stopping.set()
    first.sender.close()
    delivered = len(receiver.ids())
    assert delivered >= 2
    for _ in range(2):
        world.make_case(State.MEDIATING)
    assert len(receiver.ids()) == delivered  # nobody delivers while stopped
    worker().run_until_idle()
    assert receiver.ids() == new_ids(start)  # every event once, in order


def test_a_stopped_worker_mid_batch_loses_nothing(world, receiver):
    hook = hook_for(world, receiver)
    start = hook.cursor
    world.make_case(State.MEDIATING)
    first = worker()
    real_post = first.sender.post
    calls = []

    def post_then_stop(*args):
        calls.append(1)
        if len(calls) == 2:
            first.stopping.set()
        return real_post(*args)

    first.sender.post = post_then_stop
    first.run_until_idle()
    assert len(receiver.ids()) == 2
    worker().run_until_idle()
    assert receiver.ids() == new_ids(start)


def test_an_endpoint_gets_only_what_its_organisation_may_see(world, receiver):
    with Receiver() as district:
        home = hook_for(world, receiver, org=world.home.pk)
        everyone = create_webhook(world.supervisor, district.url, ["*"], SECRET, None)
        other_case = world.make_case(State.REGISTERED, org=world.other)
        home_case = world.make_case(State.REGISTERED)
        worker().run_until_idle()
        cases = {json.loads(r["body"])["case"]["id"] for r in receiver.received}
        assert cases == {home_case.pk}
        assert district.ids() == new_ids(everyone.cursor)
        assert {json.loads(r["body"])["case"]["id"] for r in district.received} == {
            other_case.pk,
            home_case.pk,
        }
    assert home.org_id == world.home.pk


def test_an_endpoint_gets_only_its_event_types(world, receiver):
    hook_for(world, receiver, events=["case.transitioned"])
    world.make_case(State.ACCEPTED)
    worker().run_until_idle()
    types = {json.loads(r["body"])["type"] for r in receiver.received}
    assert types == {"case.transitioned"}


def test_two_workers_never_deliver_one_endpoint_twice(world, receiver):
    hook = hook_for(world, receiver)
    start = hook.cursor
    world.make_case(State.MEDIATING)
    a, b = worker(), worker()
    assert a._lease(hook.pk) is not None
    assert b._lease(hook.pk) is None  # held by a
    a.run_until_idle()
    b.run_until_idle()
    assert receiver.ids() == new_ids(start)


def test_backoff_doubles_with_jitter_up_to_an_hour():
    assert webhooks.backoff(1, lambda: 0.0) == dt.timedelta(seconds=5)
    assert webhooks.backoff(1, lambda: 1.0) == dt.timedelta(seconds=10)
    assert webhooks.backoff(4, lambda: 1.0) == dt.timedelta(seconds=80)
    assert webhooks.backoff(30, lambda: 1.0) == dt.timedelta(hours=1)

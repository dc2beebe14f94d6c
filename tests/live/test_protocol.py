"""The /ws/events/ protocol of DESIGN.md §5 through the real ASGI application (origin
check, auth middleware, router, consumer, channel layer, live hub)."""

import time

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from config import tokens
from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.events import serialise
from mediation.law.choices import State
from mediation.live import relay as live
from mediation.models import CaseEvent

from .conftest import drain, open_socket

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loop_cleanup"),
]

perform = sync_to_async(services.perform)


def ids(messages):
    return [m["id"] for m in messages if "id" in m]


@sync_to_async
def make_case(world, state=State.ACCEPTED, org=None):
    return world.make_case(state=state, org=org)


@sync_to_async
def events_of(case, after=0):
    return [serialise(e) for e in CaseEvent.objects.filter(case=case, id__gt=after)]


@sync_to_async
def last_event_id():
    return CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


async def test_session_user_receives_a_transition_exactly_as_serialised(world):
    case = await make_case(world)
    comm = await open_socket(world.mediator)
    before = await last_event_id()
    await perform(case, "begin", world.mediator, {"consent": True})
    got = await comm.receive_json_from(timeout=5)
    expected = await events_of(case, after=before)
    assert got == expected[0]
    assert got["type"] == "case.transitioned"
    assert got["data"]["from"] == "accepted" and got["data"]["to"] == "mediating"
    assert got["case"]["state"] == "mediating"
    assert await drain(comm) == []
    await comm.disconnect()


async def test_member_watching_a_case_gets_each_event_once(world):
    case = await make_case(world)
    comm = await open_socket(world.head)
    await comm.send_json_to({"action": "watch", "case": case.pk})
    assert await comm.receive_json_from() == {"type": "watching", "case": case.pk}
    before = await last_event_id()
    await perform(case, "begin", world.mediator, {"consent": True})
    await perform(case, "fail", world.head, {"reason": "no_agreement", "routes": "可诉讼"})
    got = await drain(comm, timeout=0.5)
    expected = await events_of(case, after=before)
    assert ids(got) == [e["id"] for e in expected]  # org group + case group, no duplicate
    await comm.disconnect()


async def test_token_authentication_as_first_message(world):
    token = await sync_to_async(tokens.issue)(world.mediator)
    case = await make_case(world)
    comm = await open_socket(origin=None)  # an integration client sends no Origin
    await comm.send_json_to({"action": "auth", "token": token})
    assert await comm.receive_json_from() == {"type": "ready", "user": world.mediator.pk}
    await perform(case, "begin", world.mediator, {"consent": True})
    got = await comm.receive_json_from(timeout=5)
    assert got["type"] == "case.transitioned" and got["case"]["id"] == case.pk
    await comm.disconnect()


async def test_bad_token_is_refused_and_closed(world):
    comm = await open_socket(origin=None)
    await comm.send_json_to({"action": "auth", "token": "not-a-token"})
    err = await comm.receive_json_from()
    assert err["type"] == "error" and err["action"] == "auth"
    assert (await comm.receive_output())["type"] == "websocket.close"


async def test_anything_before_authentication_is_refused(world):
    comm = await open_socket(origin=None)
    await comm.send_json_to({"action": "resume", "since": 0})
    assert (await comm.receive_json_from())["type"] == "error"
    closed = await comm.receive_output()
    assert closed == {"type": "websocket.close", "code": 4401}


async def test_foreign_origin_is_rejected(world):
    from config.asgi import application

    cookie = await sync_to_async(__import__("tests.live.conftest").live.conftest.session_cookie)(
        world.mediator
    )
    comm = WebsocketCommunicator(
        application,
        "/ws/events/",
        headers=[(b"origin", b"http://evil.example"), (b"cookie", cookie)],
    )
    connected, _ = await comm.connect()
    assert not connected


async def test_session_cookie_without_origin_is_ignored(world):
    """No Origin = not a browser: the cookie is dropped, only a token can log in."""
    from config.asgi import application

    from .conftest import session_cookie

    cookie = await sync_to_async(session_cookie)(world.mediator)
    comm = WebsocketCommunicator(application, "/ws/events/", headers=[(b"cookie", cookie)])
    connected, _ = await comm.connect()
    assert connected
    assert await comm.receive_nothing(timeout=0.3)  # no "ready": not authenticated
    await comm.send_json_to({"action": "watch", "case": 1})
    assert (await comm.receive_json_from())["type"] == "error"
    assert (await comm.receive_output())["type"] == "websocket.close"


async def test_watch_is_permission_checked(world):
    case = await make_case(world)
    comm = await open_socket(world.outsider)
    await comm.send_json_to({"action": "watch", "case": case.pk})
    err = await comm.receive_json_from()
    assert err["type"] == "error" and err["action"] == "watch" and err["case"] == case.pk
    await comm.send_json_to({"action": "watch", "case": 999999})
    assert (await comm.receive_json_from())["type"] == "error"
    # Not joined: the outsider hears nothing about the case.
    await perform(case, "begin", world.mediator, {"consent": True})
    assert await drain(comm, timeout=0.5) == []
    await comm.disconnect()


async def test_unwatch_stops_case_group_delivery(world):
    """The supervisor sees everything through `district`; a court judge sees a case only
    once it is handed to the court — watching and unwatching is checked per case."""
    case = await make_case(world)
    comm = await open_socket(world.judge)
    await comm.send_json_to({"action": "watch", "case": case.pk})
    assert (await comm.receive_json_from())["type"] == "error"
    await comm.send_json_to({"action": "unwatch", "case": case.pk})
    assert await comm.receive_json_from() == {"type": "unwatched", "case": case.pk}
    await comm.disconnect()


async def test_outsider_and_other_orgs_receive_nothing(world):
    case = await make_case(world)
    outsider = await open_socket(world.outsider)
    judge = await open_socket(world.judge)
    supervisor = await open_socket(world.supervisor)
    mine = await open_socket(world.mediator2)
    await perform(case, "begin", world.mediator, {"consent": True})
    assert [m["type"] for m in await drain(mine)] == ["case.transitioned"]
    assert [m["type"] for m in await drain(supervisor)] == ["case.transitioned"]  # district
    assert await outsider.receive_nothing(timeout=0.3)
    assert await judge.receive_nothing(timeout=0.1)
    for comm in (outsider, judge, supervisor, mine):
        await comm.disconnect()


async def test_rolled_back_action_is_never_announced(world):
    case = await make_case(world)
    comm = await open_socket(world.head)
    with pytest.raises(InvalidFields):
        await perform(case, "begin", world.mediator, {})  # consent missing

    @sync_to_async
    def begin_then_roll_back():
        with transaction.atomic():
            services.perform(case, "begin", world.mediator, {"consent": True})
            raise RuntimeError("a later step of the same request failed")

    with pytest.raises(RuntimeError):
        await begin_then_roll_back()
    assert await comm.receive_nothing(timeout=0.5)
    await perform(case, "begin", world.mediator, {"consent": True})
    assert (await comm.receive_json_from(timeout=5))["data"]["transition"] == "begin"
    await comm.disconnect()


async def test_resume_replays_in_id_order_then_continues_live(world):
    case = await make_case(world, state=State.REGISTERED)
    since = await last_event_id()
    await perform(case, "accept", world.head, {"mediator": world.mediator.pk})
    await perform(case, "begin", world.mediator, {"consent": True})
    other = await make_case(world, state=State.ACCEPTED, org=world.other)  # not visible
    missed = await events_of(case, after=since)
    assert len(missed) == 3  # transitioned(accept), assigned, transitioned(begin)
    comm = await open_socket(world.mediator)
    await comm.send_json_to({"action": "resume", "since": since})
    replay = [await comm.receive_json_from() for _ in missed]
    assert replay == missed
    done = await comm.receive_json_from()
    assert done == {"type": "resumed", "last": missed[-1]["id"], "count": 3}
    await perform(other, "begin", world.outsider, {"consent": True})
    await perform(case, "fail", world.mediator, {"reason": "no_agreement", "routes": "可诉讼"})
    live_msgs = await drain(comm)
    assert [m["case"]["id"] for m in live_msgs] == [case.pk]
    await comm.disconnect()


async def test_resume_in_the_url_replays_before_anything_live(world):
    case = await make_case(world, state=State.REGISTERED)
    since = await last_event_id()
    await perform(case, "accept", world.head, {"mediator": world.mediator.pk})
    missed = await events_of(case, after=since)
    comm = await open_socket(world.mediator, path=f"/ws/events/?since={since}")
    got = [await comm.receive_json_from() for _ in missed]
    assert got == missed
    assert (await comm.receive_json_from())["type"] == "resumed"
    await comm.disconnect()


async def test_resume_does_not_repeat_what_was_already_pushed(world):
    case = await make_case(world)
    since = await last_event_id()
    comm = await open_socket(world.mediator)
    await perform(case, "begin", world.mediator, {"consent": True})
    pushed = await comm.receive_json_from(timeout=5)
    await comm.send_json_to({"action": "resume", "since": since})
    done = await comm.receive_json_from()
    assert done == {"type": "resumed", "last": pushed["id"], "count": 1}
    assert await drain(comm) == []
    await comm.disconnect()


@sync_to_async
def bulk_events(case, n):
    payload = {"case": {"id": case.pk}, "actor": None, "data": {}, "orgs": [case.org_id]}
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, type="case.updated", at=case.created_at, payload=payload)
        for _ in range(n)
    )


async def test_resume_past_1000_missed_events_asks_for_resync(world):
    case = await make_case(world)
    since = await last_event_id()
    await bulk_events(case, 1000)
    comm = await open_socket(world.mediator)
    await comm.send_json_to({"action": "resume", "since": since})
    replay = [await comm.receive_json_from() for _ in range(1000)]
    assert ids(replay) == sorted(ids(replay)) and len(set(ids(replay))) == 1000
    assert (await comm.receive_json_from())["type"] == "resumed"
    await bulk_events(case, 1)  # 1,001 missed now
    await comm.send_json_to({"action": "resume", "since": since})
    # The 1,001st event may also arrive live (the poll finds it before, during or after
    # the replay attempt): that is not a replay. Nothing of the missed range is replayed.
    msgs = []
    while {"type": "resync_required"} not in msgs:
        msgs.append(await comm.receive_json_from(timeout=10))
    msgs += await drain(comm)
    assert all(m.get("type") != "case.updated" or m["id"] > since + 1000 for m in msgs)
    await comm.disconnect()


async def test_transfer_new_org_sees_history_former_org_keeps_sight(world):
    case = await make_case(world)
    since = await last_event_id() - 10**6
    home = await open_socket(world.mediator2)
    await perform(case, "transfer", world.head, {"target_org": world.other.pk, "reason": "属地"})
    transferred = await home.receive_json_from(timeout=5)
    assert transferred["data"]["transition"] == "transfer"
    history = await events_of(case)
    newcomer = await open_socket(world.outsider)  # member of the receiving organisation
    await newcomer.send_json_to({"action": "resume", "since": max(since, 0)})
    got = await drain(newcomer)
    assert [m for m in got if "id" in m] == history  # earlier events included
    # The former organisation keeps hearing about the case.
    head_other = await sync_to_async(world.staff)(world.other, "org_head")
    await perform(case, "accept", head_other, {"mediator": world.outsider.pk})
    assert [m["type"] for m in await drain(home)] == ["case.transitioned", "case.assigned"]
    for comm in (home, newcomer):
        await comm.disconnect()


async def test_relay_delivers_events_committed_by_another_process(world, settings, monkeypatch):
    """A commit elsewhere whose wake-up never arrives (the embedded default has none to
    send; on Redis it may be lost) is found by the poll."""
    settings.LIVE_RELAY_INTERVAL = 0.1
    case = await make_case(world)
    comm = await open_socket(world.mediator)
    monkeypatch.setattr(live, "publish", lambda *a, **k: None)  # as if another process
    await perform(case, "begin", world.mediator, {"consent": True})
    got = await comm.receive_json_from(timeout=5)
    assert got["data"]["transition"] == "begin"
    await comm.disconnect()


async def test_malformed_and_unknown_messages_get_an_error(world):
    comm = await open_socket(world.mediator)
    await comm.send_to(text_data="not json")
    assert (await comm.receive_json_from())["type"] == "error"
    await comm.send_json_to({"action": "dance"})
    assert (await comm.receive_json_from())["type"] == "error"
    await comm.send_json_to({"action": "resume", "since": "x"})
    assert (await comm.receive_json_from())["type"] == "error"
    await comm.disconnect()


async def test_live_event_during_replay_comes_after_it(world, monkeypatch):
    from mediation.live import consumers

    case = await make_case(world, state=State.REGISTERED)
    since = await last_event_id()
    await perform(case, "accept", world.head, {"mediator": world.mediator.pk})
    missed = await events_of(case, after=since)
    original = consumers._replay

    def slow_replay(user, since):
        rows = original(user, since)
        # An event commits while the replay is on its way out.
        services.perform(case, "begin", world.mediator, {"consent": True})
        time.sleep(0.5)
        return rows

    monkeypatch.setattr(consumers, "_replay", slow_replay)
    comm = await open_socket(world.mediator)
    await comm.send_json_to({"action": "resume", "since": since})
    got = [await comm.receive_json_from(timeout=5)]
    got += await drain(comm, timeout=1.0)
    assert [m.get("id") for m in got[:2]] == [e["id"] for e in missed]
    assert got[2]["type"] == "resumed"
    assert [m["data"]["transition"] for m in got[3:]] == ["begin"]
    await comm.disconnect()


async def test_socket_leaving_does_not_silence_the_others(world):
    case = await make_case(world)
    first = await open_socket(world.mediator)
    second = await open_socket(world.mediator2)
    await first.disconnect()
    await perform(case, "begin", world.mediator, {"consent": True})
    assert [m["type"] for m in await drain(second)] == ["case.transitioned"]
    hub = live.current_hub()
    assert len(hub.members[f"org.{world.home.pk}"]) == 1
    await second.disconnect()
    assert not hub.members  # the last socket gone: the hub left every group

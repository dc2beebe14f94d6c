"""Issue 30, sessions and sockets: a resumed socket delivers strictly in id order, junk
messages get an error frame and one log line, sockets are capped per user and per
address, cookie sockets close on logout and password change, and the Origin check
compares scheme and port."""

import asyncio
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from mediation.actions import services
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


@sync_to_async
def make_case(world, state=State.ACCEPTED):
    return world.make_case(state=state)


@sync_to_async
def last_event_id():
    return CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


async def wait_relayed(event_id, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        hub = live.current_hub()
        if hub is not None and (hub.last_relayed or 0) >= event_id:
            return
        assert loop.time() < deadline, "the hub did not relay the event"
        await asyncio.sleep(0.02)


async def connect(headers, path="/ws/events/", scope_extra=None):
    from config.asgi import application

    comm = WebsocketCommunicator(application, path, headers=headers)
    comm.scope.update(scope_extra or {})
    connected, _ = await comm.connect(timeout=5)
    return comm, connected


# -- order -------------------------------------------------------------------------------


async def test_live_event_before_the_resume_message_waits_for_the_replay(world, settings):
    """The attack: `resume` returned [7669, 7666, 7667, 7668]: events committed after the
    socket joined its groups went out before the replay the client asked for."""
    settings.SOCKET_RESUME_WAIT_SECONDS = 5.0
    case = await make_case(world, state=State.REGISTERED)
    since = await last_event_id()
    await perform(case, "accept", world.head, {"mediator": world.mediator.pk})
    comm = await open_socket(world.mediator)
    await perform(case, "begin", world.mediator, {"consent": True})
    await asyncio.sleep(0.5)  # the live event has reached the socket by now
    await comm.send_json_to({"action": "resume", "since": since})
    got = await drain(comm, timeout=1.0)
    events = [m["id"] for m in got if "id" in m]
    assert len(events) == 3  # accept, assigned, begin
    assert events == sorted(events)
    assert [m["type"] for m in got if "id" not in m] == ["resumed"]
    await comm.disconnect()


async def test_a_socket_that_never_resumes_gets_live_events_after_the_wait(world, settings):
    settings.SOCKET_RESUME_WAIT_SECONDS = 0.3
    case = await make_case(world)
    comm = await open_socket(world.mediator)
    await perform(case, "begin", world.mediator, {"consent": True})
    got = await comm.receive_json_from(timeout=3)
    assert got["data"]["transition"] == "begin"
    await comm.disconnect()


async def test_another_first_message_releases_the_held_events_at_once(world, settings):
    settings.SOCKET_RESUME_WAIT_SECONDS = 30.0
    case = await make_case(world)
    comm = await open_socket(world.mediator)
    await perform(case, "begin", world.mediator, {"consent": True})
    # Held, not sent: wait until the hub has relayed the event to the socket (on a loaded
    # host that can take longer than the test's own next step).
    begun = await last_event_id()
    await wait_relayed(begun)
    await comm.send_json_to({"action": "watch", "case": case.pk})
    got = await drain(comm, timeout=1.0)
    assert [m["type"] for m in got] == ["case.transitioned", "watching"]
    await comm.disconnect()


# -- junk --------------------------------------------------------------------------------


JUNK = [
    "[" * 100_000 + "]" * 100_000,  # json raised RecursionError: the socket died with 1011
    '{"action": "resume", "since": ' + '{"a": ' * 50 + "1" + "}" * 50 + "}",
    '{"action": ["resume"]}',  # an unhashable action was a TypeError
    '{"action": "resume", "since": 100000000000000000000000000000}',  # bigint overflow
    '{"action": "watch", "case": 100000000000000000000000000000}',
    "[1, 2]",
]


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
async def test_junk_gets_an_error_frame_and_one_log_line(world, caplog, junk):
    comm = await open_socket(world.mediator)
    with caplog.at_level(logging.INFO, logger="mediation.live"):
        await comm.send_to(text_data=junk)
        assert (await comm.receive_json_from(timeout=5))["type"] == "error"
    # the socket lives on
    await comm.send_json_to({"action": "auth"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
    mine = [r for r in caplog.records if r.name.startswith("mediation.live")]
    assert len(mine) <= 1 and all(r.exc_info is None for r in mine)
    assert all(len(r.getMessage()) < 200 for r in mine)
    await comm.disconnect()


async def test_anonymous_junk_is_answered_without_a_traceback(world, caplog):
    comm = await open_socket(origin=None)
    with caplog.at_level(logging.INFO):
        await comm.send_to(text_data="[" * 100_000)
        assert (await comm.receive_json_from(timeout=5))["type"] == "error"
    assert all(r.exc_info is None for r in caplog.records)
    await comm.disconnect()


# -- caps --------------------------------------------------------------------------------


async def test_sockets_per_user_are_capped(world, settings):
    settings.SOCKETS_PER_USER = 2
    first = await open_socket(world.mediator)
    second = await open_socket(world.mediator)
    third = await open_socket(world.mediator, expect_ready=False)
    assert (await third.receive_json_from(timeout=5))["type"] == "error"
    assert await third.receive_output(timeout=5) == {"type": "websocket.close", "code": 4429}
    other = await open_socket(world.head)  # another user is not affected
    await first.disconnect()
    again = await open_socket(world.mediator)  # a closed socket frees its place
    for comm in (second, other, again):
        await comm.disconnect()


async def test_sockets_per_address_are_capped(world, settings):
    settings.SOCKETS_PER_ADDRESS = 2
    here = {"client": ("203.0.113.9", 40000)}
    first, ok1 = await connect([], scope_extra=here)
    second, ok2 = await connect([], scope_extra=here)
    _third, ok3 = await connect([], scope_extra=here)
    assert (ok1, ok2, ok3) == (True, True, False)
    elsewhere, ok4 = await connect([], scope_extra={"client": ("203.0.113.10", 40000)})
    assert ok4
    await first.disconnect()
    again, ok5 = await connect([], scope_extra=here)
    assert ok5
    for comm in (second, elsewhere, again):
        await comm.disconnect()


async def test_the_address_cap_counts_the_client_behind_the_trusted_proxy(world, settings):
    settings.SOCKETS_PER_ADDRESS = 1
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"client": ("127.0.0.1", 40000)}
    a, ok_a = await connect([(b"x-forwarded-for", b"198.51.100.1")], scope_extra=proxy)
    b, ok_b = await connect([(b"x-forwarded-for", b"198.51.100.2")], scope_extra=proxy)
    _c, ok_c = await connect([(b"x-forwarded-for", b"198.51.100.1")], scope_extra=proxy)
    assert (ok_a, ok_b, ok_c) == (True, True, False)
    await a.disconnect()
    await b.disconnect()


# -- session end -------------------------------------------------------------------------


async def closed_within(comm, seconds=3.0):
    msg = await comm.receive_json_from(timeout=seconds)
    assert msg == {"type": "revoked"}
    assert await comm.receive_output(timeout=seconds) == {"type": "websocket.close", "code": 4403}


def logged_in(user):
    client = Client()
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}".encode()


async def test_cookie_socket_closes_on_logout(world, settings):
    settings.SOCKET_RECHECK_SECONDS = 0.2
    client, cookie = await sync_to_async(logged_in)(world.mediator)
    comm, ok = await connect([(b"origin", b"http://testserver"), (b"cookie", cookie)])
    assert ok and (await comm.receive_json_from(timeout=5))["type"] == "ready"
    other = await open_socket(world.mediator)  # another browser's session stays open
    response = await sync_to_async(client.post)("/logout/")
    assert response.status_code in (200, 302)
    await closed_within(comm)
    assert await other.receive_nothing(timeout=0.5)
    await other.disconnect()


async def test_cookie_sockets_close_on_password_change(world, settings):
    settings.SOCKET_RECHECK_SECONDS = 0.2
    comm = await open_socket(world.mediator)

    @sync_to_async
    def change_password():
        world.mediator.set_password("a new long passphrase for 2026")
        world.mediator.save()

    await change_password()
    await closed_within(comm)


# -- origin ------------------------------------------------------------------------------


@sync_to_async
def cookie_of(user):
    return logged_in(user)[1]


@pytest.mark.parametrize(
    "origin, host, scheme, allowed",
    [
        ("http://testserver", None, "ws", True),
        ("https://testserver", None, "ws", False),  # scheme differs
        ("http://testserver:8080", None, "ws", False),  # port differs
        ("http://testserver:8080", "testserver:8080", "ws", True),
        ("http://testserver", "testserver:8080", "ws", False),
        ("https://testserver", "testserver", "wss", True),
        ("http://testserver", "testserver", "wss", False),
        ("https://testserver:443", "testserver", "wss", True),
        ("http://evil.example", "evil.example", "ws", False),  # not in ALLOWED_HOSTS
        ("null", None, "ws", False),
    ],
)
async def test_origin_must_match_scheme_host_and_port(world, origin, host, scheme, allowed):
    headers = [(b"origin", origin.encode()), (b"cookie", await cookie_of(world.mediator))]
    if host:
        headers.append((b"host", host.encode()))
    comm, connected = await connect(headers, scope_extra={"scheme": scheme})
    assert connected is allowed
    if connected:
        await comm.disconnect()


async def test_https_origin_behind_the_trusted_proxy(world, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    cookie = await cookie_of(world.mediator)
    base = [(b"cookie", cookie), (b"host", b"testserver")]
    secure = [(b"x-forwarded-proto", b"https")]
    comm, ok = await connect([(b"origin", b"https://testserver"), *base, *secure])
    assert ok
    await comm.disconnect()
    _, ok = await connect([(b"origin", b"http://testserver"), *base, *secure])
    assert not ok
    _, ok = await connect([(b"origin", b"https://testserver"), *base])
    assert not ok

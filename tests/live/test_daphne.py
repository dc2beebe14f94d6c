"""End to end through a real daphne process and a real websocket client (`websockets`):
transitions over HTTP reach the right sockets and only those; resume after a disconnect;
with Redis, an event raised in one daphne process reaches a socket on another, and events
committed through several processes reach every socket in id order, none missing."""

import asyncio
import json
import os
import subprocess
import sys
import urllib.request

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from websockets.asyncio.client import connect

from mediation.actions import services
from mediation.law.choices import State
from mediation.live import relay as live
from mediation.models import CaseEvent

from .daphne import ROOT, Daphne, database_url

pytestmark = [
    pytest.mark.live,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loop_cleanup"),
]

redis_only = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
# With Redis only wake-ups can deliver within these tests: the safety-net poll is too slow.
SLOW_POLL = {"LIVE_RELAY_INTERVAL": "60"}


@pytest.fixture
def server_factory(world):
    """Start daphne processes on the test database; always stopped, before the flush."""
    started = []

    def start(env=None):
        d = Daphne(database_url(connection.settings_dict), env=env).start()
        started.append(d)
        return d

    yield start
    for d in started:
        out = d.stop()
        if "Traceback" in out:
            print(out)


def post(server, path, token, body) -> tuple[int, dict]:
    req = urllib.request.Request(
        server.http + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


async def transition(server, token, case_id, name, body):
    status, data = await asyncio.to_thread(
        post, server, f"/api/cases/{case_id}/transitions/{name}/", token, body
    )
    assert status == 200, (status, data)
    return data


async def open_client(server, token, since=None):
    ws = await connect(server.ws, open_timeout=10)
    await ws.send(json.dumps({"action": "auth", "token": token}))
    ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert ready["type"] == "ready"
    if since is not None:
        await ws.send(json.dumps({"action": "resume", "since": since}))
    return ws


async def recv(ws, timeout=10):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def silent(ws, seconds=1.0) -> bool:
    try:
        msg = await asyncio.wait_for(ws.recv(), seconds)
    except TimeoutError:
        return True
    raise AssertionError(f"unexpected message: {msg}")


@sync_to_async
def make_case(world, state, org=None):
    return world.make_case(state=state, org=org)


@sync_to_async
def last_event_id():
    return CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


async def test_http_transition_reaches_watcher_and_nobody_outside(world, tokens, server_factory):
    server = server_factory()
    case = await make_case(world, State.ACCEPTED)
    watcher = await open_client(server, tokens["mediator2"])
    await watcher.send(json.dumps({"action": "watch", "case": case.pk}))
    assert await recv(watcher) == {"type": "watching", "case": case.pk}
    outsider = await open_client(server, tokens["outsider"])
    await outsider.send(json.dumps({"action": "watch", "case": case.pk}))
    assert (await recv(outsider))["type"] == "error"

    await transition(server, tokens["mediator"], case.pk, "begin", {"consent": True})
    event = await recv(watcher)
    assert event["type"] == "case.transitioned"
    assert event["case"]["id"] == case.pk and event["case"]["state"] == "mediating"
    assert event["data"]["transition"] == "begin"
    assert event["actor"]["id"] == world.mediator.pk
    assert await silent(outsider)
    assert await silent(watcher, 0.3)  # org + case group: delivered once
    await watcher.close()
    await outsider.close()


async def test_missed_three_events_are_replayed_in_order(world, tokens, server_factory):
    server = server_factory()
    case = await make_case(world, State.REGISTERED)
    ws = await open_client(server, tokens["mediator"])
    seen = await last_event_id()
    await ws.close()

    await transition(server, tokens["head"], case.pk, "accept", {"mediator": world.mediator.pk})
    await transition(server, tokens["mediator"], case.pk, "begin", {"consent": True})
    expected = await sync_to_async(list)(
        CaseEvent.objects.filter(id__gt=seen).values_list("id", "type")
    )
    assert [t for _, t in expected] == ["case.transitioned", "case.assigned", "case.transitioned"]

    ws = await open_client(server, tokens["mediator"], since=seen)
    replay = [await recv(ws) for _ in range(3)]
    assert [(m["id"], m["type"]) for m in replay] == expected
    assert await recv(ws) == {"type": "resumed", "last": expected[-1][0], "count": 3}
    assert await silent(ws, 0.5)
    await ws.close()


async def test_commit_made_outside_the_server_reaches_sockets(world, tokens, server_factory):
    """A command or shell commits in another process: the server's relay finds the row
    (embedded: by its poll; Redis: woken by the command's wake-up)."""
    server = server_factory(SLOW_POLL if os.environ.get("REDIS_URL") else None)
    case = await make_case(world, State.ACCEPTED)
    ws = await open_client(server, tokens["head"])
    await sync_to_async(services.perform)(case, "begin", world.mediator, {"consent": True})
    event = await recv(ws)
    assert event["data"]["transition"] == "begin" and event["case"]["id"] == case.pk
    await ws.close()


async def test_session_cookie_and_origin_through_daphne(world, server_factory):
    from django.test import Client

    server = server_factory()
    client = Client()
    await sync_to_async(client.force_login)(world.mediator)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    ws = await connect(
        server.ws, origin=server.http, additional_headers={"Cookie": cookie}, open_timeout=10
    )
    assert await recv(ws) == {"type": "ready", "user": world.mediator.pk}
    await ws.close()
    with pytest.raises(Exception, match="403"):
        await connect(
            server.ws,
            origin="http://evil.example",
            additional_headers={"Cookie": cookie},
            open_timeout=10,
        )


@redis_only
async def test_event_through_process_a_reaches_socket_on_process_b(world, tokens, server_factory):
    a, b = server_factory(), server_factory()
    case = await make_case(world, State.ACCEPTED)
    on_b = await open_client(b, tokens["mediator2"])
    outsider_on_b = await open_client(b, tokens["outsider"])
    await transition(a, tokens["mediator"], case.pk, "begin", {"consent": True})
    event = await recv(on_b)
    assert event["case"]["id"] == case.pk and event["data"]["transition"] == "begin"
    assert await silent(outsider_on_b)
    await on_b.close()
    await outsider_on_b.close()


@redis_only
async def test_commit_in_one_process_wakes_the_relay_of_another(world, tokens, server_factory):
    a, b = server_factory(SLOW_POLL), server_factory(SLOW_POLL)
    case = await make_case(world, State.ACCEPTED)
    on_b = await open_client(b, tokens["mediator2"])
    await transition(a, tokens["mediator"], case.pk, "begin", {"consent": True})
    event = await recv(on_b, timeout=5)
    assert event["case"]["id"] == case.pk and event["data"]["transition"] == "begin"
    await on_b.close()


@redis_only
async def test_events_committed_through_two_processes_arrive_in_id_order(
    world, tokens, server_factory, monkeypatch
):
    """DESIGN §5: no event lost across a reconnect. A client resumes "since" the last id it
    saw, so it must never see an id before a smaller one. Here event N commits in one
    process with its wake-up lost, N+1 commits through daphne B, and more commit through
    A and B concurrently: sockets on A and on B receive all of them, strictly in id order."""
    a, b = server_factory(SLOW_POLL), server_factory(SLOW_POLL)
    cases = [await make_case(world, State.ACCEPTED) for _ in range(8)]
    since = await last_event_id()
    on_a = await open_client(a, tokens["supervisor"])  # district: every event
    on_b = await open_client(b, tokens["mediator2"])  # the home organisation

    with monkeypatch.context() as m:  # a commit whose wake-up never leaves its process
        m.setattr(live, "publish", lambda *args, **kwargs: None)
        await sync_to_async(services.perform)(cases[0], "begin", world.mediator, {"consent": True})
    await transition(b, tokens["mediator"], cases[1].pk, "begin", {"consent": True})
    await asyncio.gather(
        *(
            transition(a if i % 2 else b, tokens["mediator"], c.pk, "begin", {"consent": True})
            for i, c in enumerate(cases[2:])
        )
    )
    expected = await sync_to_async(list)(
        CaseEvent.objects.filter(id__gt=since).order_by("id").values_list("id", flat=True)
    )
    assert len(expected) == 8
    for ws in (on_a, on_b):
        got = [(await recv(ws, timeout=5))["id"] for _ in expected]
        assert got == expected
    # The lost wake-up turning up late delivers nothing twice.
    await sync_to_async(live.publish)({"id": expected[0]})
    assert await silent(on_a, 0.5) and await silent(on_b, 0.1)
    await on_a.close()
    await on_b.close()


@redis_only
async def test_manage_py_shell_commit_wakes_the_server(world, tokens, server_factory):
    """A real short-lived command process: it publishes its wake-up before it exits."""
    server = server_factory(SLOW_POLL)
    case = await make_case(world, State.ACCEPTED)
    ws = await open_client(server, tokens["head"])
    code = (
        "from django.contrib.auth import get_user_model; from mediation.actions import services; "
        "from mediation.models import Case; "
        f"services.perform(Case.objects.get(pk={case.pk}), 'begin', "
        f"get_user_model().objects.get(pk={world.mediator.pk}), {{'consent': True}})"
    )
    env = {**server.env}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    event = await recv(ws, timeout=5)
    assert event["data"]["transition"] == "begin" and event["case"]["id"] == case.pk
    await ws.close()

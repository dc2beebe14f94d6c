"""Frame once, write many (mediation.live.fanout): the frame is autobahn's own, the internals it
relies on are still there in the installed daphne/autobahn/Twisted/channels (these tests
fail loudly on an upgrade that changes them), the write path keeps byte order with what
Twisted already holds, a slow socket is dropped and resumes by id without holding up the
others, and a connection that negotiated compression gets every event the ordinary way."""

import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
from collections import deque

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from websockets.asyncio.client import connect

from mediation.law.choices import State
from mediation.live import fanout
from mediation.models import CaseEvent

from .daphne import ROOT, Daphne, database_url

# -- the frame and the internals (no server) ----------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_frame_is_byte_for_byte_autobahns_own(size):
    from autobahn.websocket.protocol import PreparedMessage

    payload = ("调" * size).encode()[:size]
    ours = fanout.frame(payload)
    assert ours == PreparedMessage(payload, False, False, True).payloadHybi
    assert ours[0] == 0x81  # FIN, text
    assert ours[1] & 0x80 == 0  # server frames are unmasked
    head = {True: 2, size >= 126: 4, size >= 65536: 10}[True]
    assert len(ours) == head + size


def test_installed_versions_still_have_what_the_fast_path_relies_on():
    assert fanout.check_internals() == []


def test_daphne_hands_the_application_its_protocol_through_channels_session_wrapper():
    """Run in a child process: importing daphne.server installs Twisted's reactor."""
    code = """
import asyncio, django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from channels.sessions import InstanceSessionWrapper
from daphne.server import Server
from daphne.ws_protocol import WebSocketProtocol
from mediation.live import fanout

captured = {}
def app(scope, receive, send):
    captured["send"] = send
    return asyncio.sleep(0)
server = Server(application=app, endpoints=["tcp:port=0:interface=127.0.0.1"])
protocol = WebSocketProtocol()
server.connections = {protocol: {}}
asyncio.set_event_loop(asyncio.new_event_loop())
server.create_application(protocol, {"type": "websocket"})
wrapped = InstanceSessionWrapper({"type": "websocket", "cookies": {}}, captured["send"]).send
assert fanout.daphne_protocol(captured["send"]) is protocol, captured
assert fanout.daphne_protocol(wrapped) is protocol, wrapped
print("OK")
"""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip().endswith("OK"), done.stderr


class Reactor:
    """Twisted's reactor as far as a transport's write path uses it."""

    def __init__(self):
        self.writers = []

    def addWriter(self, writer):
        if writer not in self.writers:
            self.writers.append(writer)

    def removeWriter(self, writer):
        if writer in self.writers:
            self.writers.remove(writer)


@pytest.fixture
def wire():
    """A real loopback TCP connection: the server side as a Twisted tcp.Connection under
    an autobahn server protocol that is open; the client side a plain socket."""
    from autobahn.twisted.websocket import WebSocketServerProtocol
    from twisted.internet import tcp

    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    server_side, _ = listener.accept()
    listener.close()
    server_side.setblocking(False)
    client.settimeout(5)
    reactor = Reactor()
    protocol = WebSocketServerProtocol()
    transport = tcp.Connection(server_side, protocol, reactor)
    transport.connected = 1
    protocol.transport = transport
    protocol.state = protocol.STATE_OPEN
    protocol._perMessageCompress = None
    protocol.send_queue = deque()
    yield protocol, client, reactor
    client.close()
    server_side.close()


def read_exactly(sock, n):
    out = b""
    while len(out) < n:
        out += sock.recv(n - len(out))
    return out


def test_write_goes_straight_to_the_socket_when_twisted_holds_nothing(wire):
    protocol, client, reactor = wire
    link = fanout.Link(protocol, limit=1 << 20)
    data = fanout.frame(b'{"id":1}') + fanout.frame(b'{"id":2}')
    assert link.write(data) == fanout.WRITTEN
    assert read_exactly(client, len(data)) == data
    assert link.buffered() == 0 and reactor.writers == []  # no loop turn needed


def test_write_queues_behind_what_twisted_already_holds(wire):
    protocol, client, reactor = wire
    link = fanout.Link(protocol, limit=1 << 20)
    protocol.transport.write(b"control")  # e.g. autobahn's own write of a control message
    data = fanout.frame(b'{"id":3}')
    assert link.write(data) == fanout.WRITTEN
    assert link.buffered() == len(b"control") + len(data)
    assert reactor.writers == [protocol.transport]  # waiting for the socket to be writable
    protocol.transport.doWrite()  # what the reactor does when the socket is writable
    assert read_exactly(client, 7 + len(data)) == b"control" + data


def test_write_refuses_past_the_bound_and_for_compression_or_a_closing_socket(wire):
    protocol, _client, _reactor = wire
    link = fanout.Link(protocol, limit=100)
    protocol._perMessageCompress = object()
    assert link.write(b"x") == fanout.ORDINARY
    protocol._perMessageCompress = None
    protocol.state = protocol.STATE_CLOSING
    assert link.write(b"x") == fanout.ORDINARY
    protocol.state = protocol.STATE_OPEN
    protocol.send_queue.append((b"chopped", True))
    assert link.write(b"x") == fanout.ORDINARY
    protocol.send_queue.clear()
    protocol.transport.write(b"y" * 101)  # the peer stopped reading: 101 bytes wait
    assert link.write(b"x") == fanout.TOO_SLOW


# -- through a real daphne -----------------------------------------------------------------


def through_daphne(test):
    marks = [
        pytest.mark.live,
        pytest.mark.asyncio,
        pytest.mark.django_db(transaction=True),
        pytest.mark.usefixtures("loop_cleanup"),
    ]
    for mark in marks:
        test = mark(test)
    return test


# daphne with autobahn told to accept permessage-deflate (stock daphne declines it): the
# deployment the ordinary-send fallback is for.
DEFLATE_DAPHNE = """
import sys
from autobahn.websocket.compress import PerMessageDeflateOffer, PerMessageDeflateOfferAccept
from daphne import ws_protocol

def accept(offers):
    for offer in offers:
        if isinstance(offer, PerMessageDeflateOffer):
            return PerMessageDeflateOfferAccept(offer)

set_options = ws_protocol.WebSocketFactory.setProtocolOptions
ws_protocol.WebSocketFactory.setProtocolOptions = lambda self, **kw: set_options(
    self, perMessageCompressionAccept=accept, **kw
)
from daphne.cli import CommandLineInterface
CommandLineInterface.entrypoint()
"""


@pytest.fixture
def servers(world):
    started = []

    def start(**kwargs):
        d = Daphne(database_url(connection.settings_dict), **kwargs).start()
        started.append(d)
        return d

    yield start
    for d in started:
        out = d.stop()
        assert "fan-out disabled" not in out, out
        if "Traceback" in out:
            print(out)


@sync_to_async
def add_events(case, n, size=0):
    """Commit n events of the case's organisation (found by the relay's poll)."""
    data = {"note": "调" * size} if size else {}
    payload = {"case": {"id": case.pk}, "actor": None, "data": data, "orgs": [case.org_id]}
    start = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, type="case.updated", at=case.created_at, payload=payload)
        for _ in range(n)
    )
    return list(CaseEvent.objects.filter(id__gt=start).order_by("id").values_list("id", flat=True))


async def open_client(server, token, since=None, **kwargs):
    ws = await connect(server.ws, open_timeout=10, max_size=None, **kwargs)
    await ws.send(json.dumps({"action": "auth", "token": token}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "ready"
    if since is not None:
        await ws.send(json.dumps({"action": "resume", "since": since}))
    return ws


async def event_ids(ws, count, timeout=20):
    out = []
    while len(out) < count:
        msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if "id" in msg:
            out.append(msg["id"])
    return out


def slow_client(port, token):
    """A raw client with a tiny receive window that reads nothing after `ready`."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    sock.settimeout(20)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws/events/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += sock.recv(4096)
    head, buf = buf.split(b"\r\n\r\n", 1)
    assert b" 101 " in head, head
    auth = json.dumps({"action": "auth", "token": token}).encode()
    sock.sendall(bytes((0x81, 0x80 | len(auth))) + b"\0\0\0\0" + auth)  # zero mask key
    frames, buf = read_frames(sock, buf, until=lambda op, p: op == 1)
    assert json.loads(frames[0][1])["type"] == "ready"
    return sock, buf


def read_frames(sock, buf, until):
    frames = []
    while True:
        while len(buf) >= 2:
            length, head = buf[1] & 0x7F, 2
            if length == 126:
                length, head = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                length, head = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < head + length:
                break
            frames.append((buf[0] & 0x0F, buf[head : head + length]))
            buf = buf[head + length :]
            if until(*frames[-1]):
                return frames, buf
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
            frames.append(("reset", b""))
        if not chunk:
            return frames, buf
        buf += chunk


@through_daphne
async def test_slow_socket_is_dropped_and_resumes_by_id_while_others_keep_up(
    world, tokens, servers
):
    server = servers(env={"LIVE_SOCKET_BUFFER_LIMIT": "524288", "LIVE_RELAY_INTERVAL": "0.2"})
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    fast = await open_client(server, tokens["mediator2"])
    slow, rest = await asyncio.to_thread(slow_client, server.port, tokens["mediator"])

    # More than the kernel may buffer for the slow socket (its send buffer grows up to
    # tcp_wmem's maximum), so the rest waits in the server, past the bound. It comes in
    # rounds, as commits do, while the other client reads.
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        kernel = int(f.read().split()[2])
    rounds = (kernel + (2 << 20)) // (10 * 20_000) + 1
    reading = asyncio.ensure_future(event_ids(fast, 10 * rounds, timeout=30))
    ids = []
    for _ in range(rounds):
        ids += await add_events(case, 10, size=6700)  # 10 events of 20 kB
        await asyncio.sleep(0.3)
    assert await reading == ids  # all of it, in order, slow socket or not

    frames, _ = await asyncio.to_thread(read_frames, slow, rest, lambda op, p: op == 8)
    slow.close()
    seen = [json.loads(p)["id"] for op, p in frames if op == 1]
    # Closed with 4013; when it does not read even that within autobahn's close
    # handshake timeout, the connection is dropped (reset) — either way it is gone.
    last = frames[-1]
    assert last[0] == "reset" or (last[0], last[1][:2]) == (8, b"\x0f\xad"), last[0]
    assert fanout.CLOSE_TOO_SLOW == 0x0FAD
    assert seen == ids[: len(seen)] and len(seen) < len(ids)  # a prefix, nothing skipped

    again = await open_client(server, tokens["mediator"], since=seen[-1] if seen else ids[0] - 1)
    assert seen + await event_ids(again, len(ids) - len(seen)) == ids
    await fast.close()
    await again.close()


@through_daphne
async def test_socket_with_compression_negotiated_gets_every_event_the_ordinary_way(
    world, tokens, servers
):
    server = servers(launcher=DEFLATE_DAPHNE, env={"LIVE_RELAY_INTERVAL": "0.2"})
    case = await sync_to_async(world.make_case)(State.ACCEPTED)
    deflate = await open_client(server, tokens["mediator"], compression="deflate")
    assert [e.name for e in deflate.protocol.extensions] == ["permessage-deflate"]
    plain = await open_client(server, tokens["mediator2"], compression=None)
    assert plain.protocol.extensions == []

    ids = await add_events(case, 3)  # one relay pass: one write of 3 frames to `plain`
    ids += await add_events(case, 1, size=40000)  # 64-bit length on the fast path
    for ws in (deflate, plain):
        assert await event_ids(ws, len(ids)) == ids
    status = await asyncio.to_thread(post_begin, server, tokens["mediator"], case.pk)
    assert status == 200
    events = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for ws in (deflate, plain)]
    assert events[0] == events[1] and events[0]["data"]["transition"] == "begin"
    await deflate.close()
    await plain.close()


def post_begin(server, token, case_id):
    import urllib.request

    req = urllib.request.Request(
        f"{server.http}/api/cases/{case_id}/transitions/begin/",
        data=json.dumps({"consent": True}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=15) as resp:
        return resp.status

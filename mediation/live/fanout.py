"""Frame once, write many: the fast path of the live fan-out (issue 19).

The relay (mediation.live.relay) builds the WebSocket frame of each event once per process and
hands the same bytes to every socket that may see it; a socket that is due several events
in one relay pass gets them in one write, in id order. Per socket, `Link.write` puts the
bytes straight onto the connection, skipping what daphne and autobahn do for each message
of each socket (ASGI message dict, UTF-8 encode, frame assembly, per-message counters).

Server frames are unmasked (RFC 6455 §5.1): FIN + text opcode, the 7-bit, 16-bit (126) or
64-bit (127) length, the payload. A connection that negotiated permessage-deflate, is not
open, or has autobahn writes queued behind a timer gets the ordinary send instead
(`send_ordinary`), which frames (and compresses) per socket as before.

Backpressure: before each write the bytes still held in user space for the connection are
counted; above LIVE_SOCKET_BUFFER_LIMIT the socket is too slow and is closed (4013, "try
again later") instead of written to. It never blocks the others, and its client resumes
from the last id it saw (DESIGN §5), as live.js does on every close. (What one write adds
is at most WRITE_BATCH events, so a connection holds at most the bound plus one batch.)

Internals relied on — `check_internals()` verifies each of them; the hub runs it once per
daphne process and keeps the ordinary path when it fails, logging why, and
tests/live/test_fanout.py fails on an upgrade that changes them:

* channels 4: `AsyncConsumer.__call__` keeps the server's `send` callable as `base_send`;
  our middleware passes it on, except channels' `SessionMiddleware`, whose
  `InstanceSessionWrapper.send` wraps it (acting on `http.response.start` only) and keeps
  the server's callable as `real_send`; our own wrappers that leave `websocket.send`
  alone (mediation.ops.metrics counts accepts) name what they wrap as `__wrapped__`.
* daphne 4 (`Server.create_application`): that callable is
  `functools.partial(server.handle_reply, protocol)`, the protocol being daphne's
  `WebSocketProtocol`, a subclass of autobahn's Twisted `WebSocketServerProtocol`.
* autobahn: `protocol.state` (== `STATE_OPEN` once accepted), `_perMessageCompress` (None
  unless permessage-deflate was negotiated), `send_queue` (writes delayed by
  `sync`/`chopsize`; must be empty for a write not to overtake them) and `transport`.
* Twisted (`abstract.FileDescriptor`, `tcp.Connection`): the transport's user-space
  buffer is `dataBuffer[offset:]` plus `_tempDataLen` bytes not yet joined, and `socket` is
  the non-blocking socket. When that buffer is empty the frame is sent on the socket
  directly (what `doWrite` would do one loop turn later, after registering the descriptor
  for writability); whatever the kernel does not take goes through `transport.write`,
  behind which every later write queues, so bytes never overtake each other.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Iterable
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

log = logging.getLogger(__name__)

# Too slow: reconnect and resume. (RFC 6455 has 1013 "try again later"; autobahn lets an
# application close with 1000 or 3000-4999 only, so the private-use mirror of it.)
CLOSE_TOO_SLOW = 4013

# Link.write results
WRITTEN, ORDINARY, TOO_SLOW = 0, 1, 2


def frame(payload: bytes) -> bytes:
    """A complete server text frame (FIN, opcode 1, unmasked) carrying `payload`."""
    n = len(payload)
    if n < 126:
        return bytes((0x81, n)) + payload
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + payload
    return b"\x81\x7f" + n.to_bytes(8, "big") + payload


class Outgoing:
    """One event as every socket of this process receives it: its text and its frame."""

    __slots__ = ("frame", "id", "text")

    def __init__(self, event_id: int, text: str) -> None:
        self.id = event_id
        self.text = text
        self.frame = frame(text.encode())


def buffer_limit() -> int:
    return int(getattr(settings, "LIVE_SOCKET_BUFFER_LIMIT", 1 << 20))


class Link:
    """The daphne connection behind one consumer, for writing ready-made frames."""

    __slots__ = ("STATE_OPEN", "limit", "protocol", "sock", "transport")

    # autobahn and daphne ship no types: the protocol is Any.
    def __init__(self, protocol: Any, limit: int) -> None:
        self.protocol = protocol
        self.transport = protocol.transport
        self.sock = self.transport.socket
        self.limit = limit
        self.STATE_OPEN = protocol.STATE_OPEN

    def buffered(self) -> int:
        t = self.transport
        return len(t.dataBuffer) - t.offset + t._tempDataLen

    def write(self, data: bytes) -> int:
        p = self.protocol
        t = self.transport
        pending = len(t.dataBuffer) - t.offset + t._tempDataLen
        if pending > self.limit:
            return TOO_SLOW
        if p.state != self.STATE_OPEN or p._perMessageCompress is not None or p.send_queue:
            return ORDINARY
        if pending or not t.connected or t.disconnecting:
            t.write(data)  # queues behind what is there (or is dropped if disconnected)
            return WRITTEN
        try:
            sent = self.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            # Reset or closed under us: let Twisted's write path notice and tear down.
            sent = 0
        if sent < len(data):
            t.write(data[sent:])
        return WRITTEN


_disabled: str | None = None  # why the fast path is off in this process, if it is


def disable(reason: str) -> None:
    global _disabled
    if _disabled is None:
        log.error("frame-once fan-out disabled, ordinary sends used: %s", reason)
    _disabled = reason


def link(consumer: AsyncWebsocketConsumer) -> Link | None:
    """The fast path to this consumer's connection, or None (not served by daphne over
    plain TCP — e.g. the test communicator or TLS in daphne — or the fast path is off)."""
    if _disabled is not None:
        return None
    send = getattr(consumer, "base_send", None)
    protocol = daphne_protocol(send)
    if protocol is None:
        if served_by_daphne():
            disable(f"daphne's send is no longer partial(Server.handle_reply, protocol): {send!r}")
        return None
    from twisted.internet.tcp import Connection  # lazy: Twisted is daphne's, loaded only there

    if not isinstance(getattr(protocol, "transport", None), Connection):
        return None  # TLS wrapper or something else: its own write path applies
    return Link(protocol, buffer_limit())


def served_by_daphne() -> bool:
    """This process is a running daphne server (not a test's in-process application)."""
    reactor = sys.modules.get("twisted.internet.reactor")  # never import it: that installs one
    return "daphne.server" in sys.modules and bool(getattr(reactor, "running", False))


def startup_check() -> None:
    """Once per process, when the hub starts: keep the ordinary path if an upgrade of
    daphne, autobahn or Twisted changed what the fast path relies on."""
    if served_by_daphne():
        problems = check_internals()
        if problems:
            disable("; ".join(problems))


# `send` is whatever callable the consumer was given (a partial, a bound method, a wrapper).
def daphne_protocol(send: Any) -> Any:
    """The daphne (autobahn) protocol behind a consumer's `base_send`, or None."""
    from channels.sessions import InstanceSessionWrapper  # lazy: with the server's classes below

    # channels' SessionMiddleware (in AuthMiddlewareStack) wraps send; it acts on HTTP
    # response starts only and hands websocket messages on to `real_send` untouched. Our
    # own wrappers that do not touch websocket.send (mediation.ops.metrics) say so with
    # `__wrapped__`.
    while True:
        if isinstance(getattr(send, "__self__", None), InstanceSessionWrapper):
            send = send.__self__.real_send
        elif hasattr(send, "__wrapped__"):
            send = send.__wrapped__
        else:
            break
    if not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    func = getattr(send.func, "__func__", None)
    if func is None or func.__qualname__ != "Server.handle_reply":
        return None
    from autobahn.twisted.websocket import WebSocketServerProtocol  # lazy: daphne's, only there

    protocol = send.args[0]
    return protocol if isinstance(protocol, WebSocketServerProtocol) else None


async def send_ordinary(consumer: AsyncWebsocketConsumer, events: Iterable[Outgoing]) -> None:
    """The per-socket path: daphne/autobahn frame (and maybe compress) each event."""
    for event in events:
        try:
            await consumer.base_send({"type": "websocket.send", "text": event.text})
        except Exception as exc:  # closing under us; its client resumes by id
            log.debug("ordinary send of event %s failed: %r", event.id, exc)
            return


def check_internals() -> list[str]:
    """What of the module docstring's list no longer holds in the installed versions."""
    problems = []
    try:  # lazy: the server's internals, checked under daphne; missing ones are a problem
        from autobahn.twisted.websocket import WebSocketServerProtocol
        from autobahn.websocket.protocol import WebSocketProtocol
        from channels.sessions import InstanceSessionWrapper
        from daphne.ws_protocol import WebSocketProtocol as DaphneProtocol
        from twisted.internet import abstract, tcp
    except ImportError as exc:
        return [f"import: {exc}"]
    import inspect

    if "self.real_send = send" not in inspect.getsource(InstanceSessionWrapper.__init__):
        problems.append("channels InstanceSessionWrapper no longer keeps real_send")
    wrapped = (
        InstanceSessionWrapper.save_message_types
        + InstanceSessionWrapper.cookie_response_message_types
    )
    if any(t.startswith("websocket") for t in wrapped):
        problems.append("channels InstanceSessionWrapper now acts on websocket messages")
    if not issubclass(DaphneProtocol, WebSocketServerProtocol):
        problems.append("daphne's WebSocketProtocol is no autobahn WebSocketServerProtocol")
    if not hasattr(WebSocketProtocol, "STATE_OPEN"):
        problems.append("autobahn WebSocketProtocol.STATE_OPEN is gone")

    made = inspect.getsource(WebSocketProtocol._connectionMade)
    for attr in ("self._perMessageCompress", "self.send_queue", "self.state"):
        if f"{attr} =" not in made:
            problems.append(f"autobahn no longer sets {attr} on connection")
    send_data = inspect.getsource(WebSocketProtocol.sendData)
    if "self.send_queue" not in send_data or "self.transport.write" not in send_data:
        problems.append("autobahn sendData no longer writes through send_queue/transport")
    for attr in ("dataBuffer", "offset", "connected", "disconnecting"):
        if not hasattr(abstract.FileDescriptor, attr):
            problems.append(f"Twisted FileDescriptor.{attr} is gone")
    if "self._tempDataLen = 0" not in inspect.getsource(abstract.FileDescriptor.__init__):
        problems.append("Twisted FileDescriptor._tempDataLen is gone")
    write = inspect.getsource(abstract.FileDescriptor.write)
    if "self._tempDataLen +=" not in write or "self.startWriting()" not in write:
        problems.append("Twisted FileDescriptor.write no longer buffers as expected")
    if "self.socket.send" not in inspect.getsource(tcp.Connection.writeSomeData):
        problems.append("Twisted tcp.Connection no longer writes on self.socket")
    return problems

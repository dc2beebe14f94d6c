"""Close code 1012 (Service Restart) to every open socket when daphne stops gracefully.

On SIGTERM or SIGINT (a deploy, `systemctl restart`, Ctrl-C) daphne stops Twisted's reactor,
which fires its "before shutdown" triggers and waits for the Deferreds they return; without
this module the process then drops every connection and clients see 1006 (abnormal
closure), indistinguishable from a crash or a network fault. Here every socket of the
process gets a close frame with 1012 first, so a client knows the server is going away on
purpose: it reconnects with backoff and jitter and resumes from the last event id it saw
(docs/api.md, DESIGN.md §5).

daphne has no lifespan events, so the trigger is added when the first socket of the process
opens (the reactor is running by then). autobahn's public `sendClose` lets an application
close with 1000 or 3000-4999 only; `sendCloseFrame`, which it calls, takes any code, and is
what daphne itself uses for 1011. The shutdown waits up to GRACE_SECONDS for the clients'
closing handshakes, then lets daphne drop whatever is left.
"""

from __future__ import annotations

import logging
import sys
import time
import weakref
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from . import fanout

log = logging.getLogger(__name__)

CLOSE_SERVICE_RESTART = 1012
REASON = b"service restart"
GRACE_SECONDS = 2.0
POLL_SECONDS = 0.02

_open: weakref.WeakSet[AsyncWebsocketConsumer] = weakref.WeakSet()
_installed = False


def opened(consumer: AsyncWebsocketConsumer) -> None:
    """An accepted socket: it gets 1012 if the server shuts down while it is open."""
    _open.add(consumer)
    if not _installed and fanout.served_by_daphne():
        _install()


def closed(consumer: AsyncWebsocketConsumer) -> None:
    _open.discard(consumer)


def _install() -> None:
    global _installed
    # Present and running: served_by_daphne() said so (never import it: that installs one).
    reactor = sys.modules["twisted.internet.reactor"]
    reactor.addSystemEventTrigger("before", "shutdown", close_all, reactor)
    _installed = True


# Twisted ships no types: the reactor, protocols and the Deferred are Any.
def close_all(reactor: Any) -> Any:
    """Send 1012 on every open socket of this process; a Deferred that fires when all have
    closed or the grace has passed (the reactor waits for it), or None with no socket."""
    closing = []
    for consumer in list(_open):
        protocol = fanout.daphne_protocol(getattr(consumer, "base_send", None))
        if protocol is None or protocol.state != protocol.STATE_OPEN:
            continue
        try:
            protocol.sendCloseFrame(code=CLOSE_SERVICE_RESTART, reasonUtf8=REASON)
        except Exception:  # one broken connection must not keep the others from hearing
            log.exception("sending 1012 to a socket failed")
            continue
        closing.append(protocol)
    log.info("server shutting down: 1012 sent to %d sockets", len(closing))
    if not closing:
        return None
    from twisted.internet.defer import Deferred  # lazy: Twisted is daphne's, loaded only there

    done: Any = Deferred()
    deadline = time.monotonic() + GRACE_SECONDS

    def check() -> None:
        if time.monotonic() > deadline or all(p.state == p.STATE_CLOSED for p in closing):
            done.callback(None)
        else:
            reactor.callLater(POLL_SECONDS, check)

    check()
    return done

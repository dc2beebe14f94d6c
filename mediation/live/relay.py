"""Delivery of committed events to the sockets (DESIGN.md §5).

Groups: `org.<id>` per organisation in the event's "orgs" list (the case's CaseAccess at
write time), `case.<id>` for watchers, `district` for supervisors.

One delivery path on every deployment: the database outbox. Every daphne process runs a
relay that reads CaseEvent rows with an id above the last one it delivered, in id order,
and hands each to the sockets of this process in the event's groups. Event ids follow
commit order (mediation/events.py), so a reader of `id > last` in id order never skips an
event, and every socket sees events in increasing id order, whichever process committed
them. (When processes published their own commits, a socket could see 11 from one
process before 10 from another; resuming "since 11" then lost 10.)

What wakes a relay:

* a commit in its own process, directly (no round trip through the channel layer);
* with Redis, a wake-up ("new events up to id N") that every committing process sends to
  the one group `relay` after commit (daphne processes, cron commands, shells), so a
  commit anywhere wakes the relays of all processes at once;
* a poll every LIVE_RELAY_INTERVAL seconds, the safety net for a lost wake-up (Redis
  down, a full channel dropping messages) and, on the embedded default (no shared
  layer), the way commits of other processes (cron, shell) are found.

The channel layer therefore carries only wake-ups, never event payloads. Each event is
serialised, JSON-encoded and framed once per process, on the relay's thread; the events
of one relay pass due to a socket reach it in one write (mediation.live.fanout). A process
with no socket reads nothing: its relay moves past what was committed (Hub._skip_unwatched:
serialising every event for nobody would be wasted work).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import close_old_connections, connections

from mediation.models import CaseEvent
from mediation.ops import metrics

from . import fanout
from .fanout import Outgoing
from .wire import encode, serialise

__all__ = ["Deduper", "Hub", "Socket", "encode", "ensure_started", "publish", "start", "touch"]

log = logging.getLogger(__name__)

WAKE = "relay.wake"
WAKE_GROUP = "relay"
RELAY_BATCH = 500
WRITE_BATCH = 64  # events joined into one write per socket, at most (bounds each write)

# One outbox row as the relay hands it on: (Outgoing, orgs, case id, event time as a Unix
# timestamp).
Row = tuple[Outgoing, list[int], int, float]


class Socket(Protocol):
    """What the hub delivers to (mediation.live.consumers.EventsConsumer)."""

    def deliver(self, events: Sequence[Outgoing], data: bytes) -> Awaitable[None] | None: ...


def groups_for(orgs: Iterable[int], case_id: int) -> list[str]:
    return [f"org.{o}" for o in orgs] + [f"case.{case_id}", "district"]


# channels ships no types: a layer is Any.
def shared_layer() -> Any:
    """The channel layer that reaches other processes (Redis), or None (embedded default:
    an in-process layer that could only wake this process, which a commit does directly)."""
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return None
    return layer


def _interval() -> float:
    return float(getattr(settings, "LIVE_RELAY_INTERVAL", 1.0))


# -- the per-process hub: relay, wake-ups, local fan-out ----------------------------------


class Hub:
    """One per daphne process, on the server's event loop.

    Fan-out: a table group -> sockets of this process. The relay hands each event to the
    union of the sockets of its groups (once per socket), writing the pre-encoded text: no
    layer channel, queue, task or thread hop per socket and event."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.wake = asyncio.Event()
        self.last_relayed: int | None = None
        self.relayed = 0
        self.tasks: list[asyncio.Task[None]] = []
        self.ready = asyncio.Event()
        self.members: dict[str, set[Socket]] = {}
        self.layer: Any = None  # the shared layer, when there is one
        self.channel: str | None = None  # this hub's channel on it, once subscribed
        self.to_announce = 0
        self.announce = asyncio.Event()
        self.executor: ThreadPoolExecutor | None = None
        # The highest event id a wake-up announced, and how many joins there have been:
        # with no socket to deliver to, the relay moves past committed events unread.
        self.highest_woken = 0
        self.joins = 0

    # local fan-out -------------------------------------------------------------------

    async def join(self, group: str, socket: Socket) -> None:
        self.members.setdefault(group, set()).add(socket)
        self.joins += 1

    async def leave(self, group: str, socket: Socket) -> None:
        members = self.members.get(group)
        if members is not None:
            members.discard(socket)
            if not members:
                del self.members[group]

    def _sockets(self, orgs: Iterable[int], case_id: int) -> set[Socket]:
        members = self.members
        groups = [members.get(g) for g in groups_for(orgs, case_id)]
        return set[Socket]().union(*(g for g in groups if g))

    async def deliver(self, batch: Sequence[Row]) -> None:
        """Hand a relay pass's events — (Outgoing, orgs, case id, time) in id order — to the
        sockets of their groups: each socket gets the events due to it in one call, their
        frames joined once per distinct sequence (fanout: one write per socket)."""
        for start in range(0, len(batch), WRITE_BATCH):
            if start:  # let the server flush what it holds before the next write
                await asyncio.sleep(0)
            chunk = batch[start : start + WRITE_BATCH]
            if len(chunk) == 1:  # the usual case: one event, one frame for every socket
                event, orgs, case_id, _at = chunk[0]
                one = (event,)
                data = event.frame
                for socket in self._sockets(orgs, case_id):
                    try:
                        later = socket.deliver(one, data)
                        if later is not None:
                            await later
                    except Exception:  # one broken socket must not starve the others
                        log.exception("delivery of event %s to a socket failed", event.id)
                continue
            due: dict[Socket, list[Outgoing]] = {}
            for event, orgs, case_id, _at in chunk:
                for socket in self._sockets(orgs, case_id):
                    events = due.get(socket)
                    if events is None:
                        due[socket] = [event]
                    else:
                        events.append(event)
            joined: dict[tuple[int, ...], bytes] = {}
            for socket, events in due.items():
                key = tuple(e.id for e in events)
                frames = joined.get(key)
                if frames is None:
                    frames = joined[key] = b"".join(e.frame for e in events)
                try:
                    later = socket.deliver(events, frames)
                    if later is not None:
                        await later
                except Exception:
                    log.exception("delivery of events from %s to a socket failed", key[0])

    # wake-ups --------------------------------------------------------------------------

    def wake_up(self, upto: int | None = None) -> None:
        """Run the relay now: events up to `upto` (None: unknown) were committed."""
        last = self.last_relayed
        if upto is not None and upto > self.highest_woken:
            self.highest_woken = upto
        if upto is None or last is None or upto > last:
            self.wake.set()

    def committed(self, upto: int) -> None:
        """A commit in this process (on the hub's loop): wake the local relay, and the
        relays of the other processes through the shared layer."""
        self.wake_up(upto)
        if self.layer is not None and upto > self.to_announce:
            self.to_announce = upto
            self.announce.set()

    async def _announcer(self) -> None:
        # One wake-up in flight at a time carrying the highest id committed so far: a
        # burst of commits costs a few messages, not one per event.
        while True:
            await self.announce.wait()
            self.announce.clear()
            try:
                await send_wake(self.layer, self.to_announce)
            except asyncio.CancelledError:
                raise
            except Exception:  # the other processes' polls find the events
                log.exception("wake-up for events up to %s failed", self.to_announce)

    async def _listen(self) -> None:
        layer = self.layer
        while True:
            try:
                if self.channel is None:
                    await self._subscribe()
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis down or restarting: the poll delivers meanwhile
                # (The core layer's blocking pop also times out now and then under load.)
                log.warning("live hub receive failed (%r); retrying", exc)
                await asyncio.sleep(0.5)
                continue
            if message.get("type") == WAKE:
                upto = message.get("upto")
                self.wake_up(upto if isinstance(upto, int) else None)

    async def _subscribe(self) -> None:
        channel = await self.layer.new_channel(prefix="hub.")
        await self.layer.group_add(WAKE_GROUP, channel)
        self.channel = channel

    async def _refresh(self) -> None:
        # The core layer forgets group members after `group_expiry` (a day by default); a
        # hub lives longer than that, so it renews its membership.
        while True:
            await asyncio.sleep(3600)
            if self.channel is not None:
                try:
                    await self.layer.group_add(WAKE_GROUP, self.channel)
                except Exception:
                    log.exception("renewing the wake-up subscription failed")

    # relaying --------------------------------------------------------------------------

    async def _relay(self) -> None:
        # Not thread-sensitive: the shared sync thread is busy finishing the very request
        # whose commit woke us (rendering its response), and waiting behind it delays delivery.
        # One dedicated thread keeps one database connection for the relay.
        self.executor = _relay_executor()
        fetch = sync_to_async(_events_after, thread_sensitive=False, executor=self.executor)
        while True:
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=_interval())
            except TimeoutError:
                pass
            self.wake.clear()
            try:
                if await self._skip_unwatched():
                    continue
                while True:
                    woken = time.time()
                    assert self.last_relayed is not None  # _boot knew it before starting us
                    rows = await fetch(self.last_relayed)
                    if rows:
                        fetched, cpu = time.time(), time.thread_time()
                        await self.deliver(rows)
                        self.last_relayed = rows[-1][0].id
                        self.relayed += len(rows)
                        if settings.LIVE_COMMIT_LOG:
                            _trace(rows, woken, fetched, time.thread_time() - cpu)
                        for row in rows:
                            metrics.observe_relay(row[3])
                    if len(rows) < RELAY_BATCH:
                        break
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be briefly unavailable; poll again
                log.exception("event relay failed; retrying")
                await asyncio.sleep(_interval())

    async def _skip_unwatched(self) -> bool:
        """With no socket in this process, move past what has been committed without
        reading, serialising and framing it: nobody here would receive it. (A socket that
        joins later gets what is committed after it joined from the relay, and anything
        earlier from its `resume`.) After a wake-up the id it announced is enough, since
        event ids follow commit order; a poll asks the database where the outbox ends. False
        when a socket is there, or joined meanwhile: then the relay reads as usual."""
        if self.members:
            return False
        last = self.last_relayed or 0
        if self.highest_woken > last:
            self.last_relayed = self.highest_woken
            return True
        joins = self.joins
        end = await sync_to_async(_outbox_end, thread_sensitive=False, executor=self.executor)()
        if self.members or self.joins != joins:
            return False  # joined while we asked: its events are read, not skipped
        self.last_relayed = max(last, end)
        return True

    async def _boot(self) -> None:
        fanout.startup_check()

        self.layer = shared_layer()
        if self.layer is not None:
            # Subscribe before reading where the outbox ends, so no commit falls between.
            # Redis being down does not hold sockets back: the poll delivers meanwhile and
            # the listener keeps trying to subscribe.
            try:
                await self._subscribe()
            except Exception:
                log.exception("live hub cannot subscribe to wake-ups; the poll delivers")
            self.tasks.append(self.loop.create_task(self._listen()))
            self.tasks.append(self.loop.create_task(self._announcer()))
            self.tasks.append(self.loop.create_task(self._refresh()))
        # Where the outbox ends now: everything after it is relayed.
        while self.last_relayed is None:
            try:
                self.last_relayed = await database_sync_to_async(_last_event_id)()
            except Exception:
                log.exception("event relay cannot read the outbox; retrying")
                await asyncio.sleep(_interval())
        self.tasks.append(self.loop.create_task(self._relay()))
        self.ready.set()

    def start(self) -> None:
        self.tasks.append(self.loop.create_task(self._boot()))

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        if self.executor is not None:
            self.executor.submit(connections.close_all)
            self.executor.shutdown(wait=False)
            self.executor = None


async def send_wake(layer: Any, upto: int) -> None:
    await layer.group_send(WAKE_GROUP, {"type": WAKE, "upto": upto})


def _relay_executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-relay")


def _last_event_id() -> int:
    return CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _outbox_end() -> int:
    """_last_event_id on the relay's thread (its connection kept, as _events_after's)."""
    close_old_connections()
    return _last_event_id()


def _events_after(last_id: int) -> list[Row]:
    """The next rows of the outbox, in id order, as (Outgoing, orgs, case id, event time
    as a Unix timestamp, for the relay-lag metric): each event serialised, encoded and
    framed once for the whole process."""
    close_old_connections()  # drop a connection the database closed meanwhile
    rows = CaseEvent.objects.filter(id__gt=last_id).order_by("id")[:RELAY_BATCH]
    return [
        (
            Outgoing(e.pk, encode(serialise(e))),
            e.payload.get("orgs", []),
            e.case_id,
            e.at.timestamp(),
        )
        for e in rows
    ]


_hub: Hub | None = None
_lock = threading.Lock()


def start(loop: asyncio.AbstractEventLoop | None = None) -> Hub:
    """Bind this process's hub to the running (server) loop. Called by the ASGI app on
    its first call; idempotent per loop. A new loop (tests) gets a new hub."""
    global _hub
    loop = loop or asyncio.get_running_loop()
    with _lock:
        if _hub is not None and _hub.loop is loop and not loop.is_closed():
            return _hub
        if _hub is not None and not _hub.loop.is_closed():
            _hub.loop.call_soon_threadsafe(_hub.stop)
        _hub = Hub(loop)
        _hub.start()
        return _hub


def touch() -> Hub:
    """For the ASGI app, on every call: the hub of the running loop, started if needed."""
    hub = _hub
    loop = asyncio.get_running_loop()
    if hub is None or hub.loop is not loop:
        hub = start(loop)
    return hub


async def ensure_started() -> Hub:
    """For sockets: the running hub, once ready — subscribed to wake-ups and knowing
    where the outbox ends, so nothing committed after a socket connects can be mistaken
    for history. (HTTP requests need not wait: no socket can have missed an event
    committed before the first socket was accepted.)"""
    hub = touch()
    if not hub.ready.is_set():
        await hub.ready.wait()
    return hub


def stop() -> None:
    """Forget the hub (tests). Its tasks die with their loop."""
    global _hub
    with _lock:
        if _hub is not None and not _hub.loop.is_closed():
            try:
                _hub.loop.call_soon_threadsafe(_hub.stop)
            except RuntimeError:
                pass
        _hub = None


def current_hub() -> Hub | None:
    return _hub


_waker: asyncio.AbstractEventLoop | None = None


def _waker_loop() -> asyncio.AbstractEventLoop:
    """Outside an ASGI server (commands, shells): a daemon thread with one loop for the
    life of the process, so the Redis connection is opened once, not once per event."""
    global _waker
    with _lock:
        if _waker is not None:
            return _waker
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            ready.set()
            loop.run_forever()

        threading.Thread(target=run, name="live-waker", daemon=True).start()
        ready.wait()
        _waker = loop
        return loop


# Benchmark hook (settings.LIVE_COMMIT_LOG, set by bench/ws.py): append "<event id> <wall
# time>" at each commit, and the timing of each relay pass.


def _stamp(event_id: int) -> None:
    with open(settings.LIVE_COMMIT_LOG, "a") as f:
        f.write(f"{event_id} {time.time():.6f}\n")


def _trace(rows: Sequence[Row], woken: float, fetched: float, cpu: float) -> None:
    # "relay <pid> <first id> <last id> <woken> <fetched> <delivered> <fan-out CPU s>"
    first, last, now = rows[0][0].id, rows[-1][0].id, time.time()
    with open(settings.LIVE_COMMIT_LOG, "a") as f:
        f.write(f"relay {os.getpid()} {first} {last} {woken:.6f} {fetched:.6f} {now:.6f} ")
        f.write(f"{cpu:.6f}\n")


def publish(message: dict[str, Any]) -> None:
    """Called on commit (from sync code) with the serialised event: wake the relays. The
    event itself travels through the database, read by each process's relay."""
    event_id = message["id"]
    if settings.LIVE_COMMIT_LOG:
        _stamp(event_id)
    hub = _hub
    if hub is not None and not hub.loop.is_closed() and hub.loop.is_running():
        hub.loop.call_soon_threadsafe(hub.committed, event_id)
        return
    # No server loop in this process (a command, a shell): only the other processes'
    # relays need waking, through the shared layer; on the embedded default their poll
    # finds the rows.
    if shared_layer() is None:
        return
    # A short-lived process may exit right after its commit: wait for the wake-up.
    future = asyncio.run_coroutine_threadsafe(_wake_others(event_id), _waker_loop())
    try:
        future.result(timeout=5)
    except Exception:
        log.exception("wake-up for event %s failed; the servers' poll finds it", event_id)


async def _wake_others(upto: int) -> None:
    layer = shared_layer()
    if layer is not None:
        await send_wake(layer, upto)


class Deduper:
    """Event ids already sent to one socket (an event reaches a socket through each of its
    groups: org, case, district). Bounded: duplicates arrive within moments."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.ids: set[int] = set()
        self.order: deque[int] = deque()

    def first_time(self, event_id: int) -> bool:
        if event_id in self.ids:
            return False
        self.ids.add(event_id)
        self.order.append(event_id)
        if len(self.order) > self.size:
            self.ids.discard(self.order.popleft())
        return True

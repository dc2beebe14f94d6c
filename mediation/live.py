"""Fan-out of committed events to the channel layer groups (DESIGN.md §5).

Groups: `org.<id>` per organisation in the event's "orgs" list (the case's CaseAccess at
write time), `case.<id>` for watchers, `district` for supervisors.

Two delivery mechanisms, one per deployment, never both (so no event is pushed twice):

* Embedded default (in-memory layer): the layer lives inside one process and cannot carry
  events committed by another process (a cron command, a shell). The ASGI process runs a
  relay task that reads CaseEvent rows with an id above the last one relayed and publishes
  them in id order. A commit in the ASGI process only wakes the relay (no wait for the
  next poll); a commit elsewhere is picked up by the periodic poll.
* Redis: every process publishes its own commits directly. Publishing runs on one
  long-lived event loop per process (the server's loop inside daphne, a daemon thread
  elsewhere) from one ordered queue, so no Redis connection is opened per event and the
  events of one process reach the layer in commit order.

Each event is serialised and JSON-encoded once; consumers forward the pre-encoded text.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import os
import threading
import time
from collections import deque

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

log = logging.getLogger(__name__)

EVENT_MESSAGE = "event.message"
RELAY_BATCH = 500


def groups_for(orgs, case_id) -> list[str]:
    return [f"org.{o}" for o in orgs] + [f"case.{case_id}", "district"]


def encode(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def layer_message(message: dict, group: str | None = None) -> dict:
    """What travels through the layer: the event id (for de-duplication), its text, and
    the group it was sent to (the receiving hub fans it out to that group's sockets)."""
    return {"type": EVENT_MESSAGE, "id": message["id"], "text": encode(message), "group": group}


def relays() -> bool:
    """True on the embedded default: the in-process relay is the one delivery path."""
    return isinstance(get_channel_layer(), InMemoryChannelLayer)


class InMemoryLayer(InMemoryChannelLayer):
    """The stock in-memory layer made O(N) per broadcast.

    The stock layer walks every channel to expire old messages on each receive (1,000
    sockets = 1,000,000 checks per broadcast), deep-copies the message per channel and
    starts a task per channel. Here expiry runs at most once a second and a group send
    puts the same (read-only) message on each queue directly."""

    _last_clean = 0.0

    def _maybe_clean(self):
        now = time.monotonic()
        if now - self._last_clean >= 1.0:
            self._last_clean = now
            self._clean_expired()

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        self._maybe_clean()
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            _, message = await queue.get()
        finally:
            if queue.empty() and self.channels.get(channel) is queue:
                del self.channels[channel]
        return message

    async def group_send(self, group, message):
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._maybe_clean()
        members = self.groups.get(group)
        if not members:
            return
        expires = time.time() + self.expiry
        item = (expires, message)
        for channel in list(members):
            queue = self.channels.get(channel)
            if queue is None:
                queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
            if not queue.full():
                queue.put_nowait(item)
            # A full channel drops the message, as the stock layer does; the client
            # recovers it with resume-from-id.


# -- the per-process hub: the loop that publishes, the relay -----------------------------


class Hub:
    """Owns the event loop this process publishes from, the ordered publish queue, (on
    the embedded default) the relay task, and the local fan-out.

    Local fan-out: the hub holds ONE channel of the layer, joined to every group that has
    a socket in this process, and hands each event to those sockets itself. The stock way
    (one layer channel per socket) costs per socket and per event a queue, a task wake-up,
    a decode and, in Channels >= 4.2, a thread hop; here it is one call that writes the
    pre-encoded frame. Group membership is still per group and re-checked on join."""

    def __init__(self, loop: asyncio.AbstractEventLoop, *, relay: bool, owns_thread=False):
        self.loop = loop
        self.relay_mode = relay
        self.owns_thread = owns_thread
        self.queue: asyncio.Queue = asyncio.Queue()
        self.wake = asyncio.Event()
        self.last_relayed: int | None = None
        self.tasks: list[asyncio.Task] = []
        self.relayed = 0
        self.ready = asyncio.Event()
        self.channel: str | None = None
        self.members: dict[str, set] = {}
        self.executor = None

    # local fan-out -------------------------------------------------------------------

    async def join(self, group: str, socket) -> None:
        members = self.members.get(group)
        if members is None:
            members = self.members[group] = set()
        members.add(socket)
        if len(members) == 1:
            await get_channel_layer().group_add(group, self.channel)

    async def leave(self, group: str, socket) -> None:
        members = self.members.get(group)
        if members is None or socket not in members:
            return
        members.discard(socket)
        if not members:
            del self.members[group]
            await get_channel_layer().group_discard(group, self.channel)

    async def _refresh(self) -> None:
        # Layers forget group members after `group_expiry` (a day by default); a hub lives
        # longer than that, so it renews its memberships.
        layer = get_channel_layer()
        while True:
            await asyncio.sleep(3600)
            for group in list(self.members):
                try:
                    await layer.group_add(group, self.channel)
                except Exception:
                    log.exception("renewing group %s failed", group)

    async def _fanout(self) -> None:
        layer = get_channel_layer()
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. a Redis timeout or restart: keep receiving
                log.exception("live hub receive failed; retrying")
                await asyncio.sleep(0.5)
                continue
            try:
                if message.get("type") != EVENT_MESSAGE:
                    continue
                for socket in list(self.members.get(message.get("group"), ())):
                    try:
                        await socket.push(message)
                    except Exception:  # one broken socket must not starve the others
                        log.exception("push to a socket failed")
            except Exception:
                log.exception("fan-out of %r failed", message.get("id"))

    # publishing ----------------------------------------------------------------------

    async def _send(self, message: dict, orgs, case_id) -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        for group in groups_for(orgs, case_id):
            try:
                await layer.group_send(group, layer_message(message, group))
            except Exception:  # a lost push is recovered by the client's resume-from-id
                log.exception("push of event %s to %s failed", message.get("id"), group)

    async def _publisher(self) -> None:
        while True:
            message, orgs, case_id, done = await self.queue.get()
            try:
                await self._send(message, orgs, case_id)
            finally:
                if done is not None:
                    done.set()

    # relaying (embedded default) -------------------------------------------------------

    async def _relay(self) -> None:
        from asgiref.sync import sync_to_async

        # Not thread-sensitive: the shared sync thread is busy finishing the very request
        # whose commit woke us (rendering its response); waiting behind it cost ~100 ms.
        # One dedicated thread keeps one database connection for the relay.
        self.executor = _relay_executor()
        fetch = sync_to_async(_events_after, thread_sensitive=False, executor=self.executor)
        interval = float(getattr(settings, "LIVE_RELAY_INTERVAL", 1.0))
        while True:
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=interval)
            except TimeoutError:
                pass
            self.wake.clear()
            try:
                while True:
                    rows = await fetch(self.last_relayed)
                    for message, orgs, case_id in rows:
                        await self._send(message, orgs, case_id)
                        self.last_relayed = message["id"]
                        self.relayed += 1
                    if len(rows) < RELAY_BATCH:
                        break
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be briefly unavailable; poll again
                log.exception("event relay failed; retrying")
                await asyncio.sleep(interval)

    async def _boot(self) -> None:
        from channels.db import database_sync_to_async

        interval = float(getattr(settings, "LIVE_RELAY_INTERVAL", 1.0))
        layer = get_channel_layer()
        while layer is not None and self.channel is None:
            try:
                self.channel = await layer.new_channel(prefix="hub.")
            except Exception:  # Redis not up yet: sockets wait, HTTP goes on
                log.exception("live hub cannot open its channel; retrying")
                await asyncio.sleep(interval)
        if layer is not None:
            self.tasks.append(self.loop.create_task(self._fanout()))
            self.tasks.append(self.loop.create_task(self._refresh()))
        if self.relay_mode:
            # Where the outbox ends now: everything after it is relayed.
            while self.last_relayed is None:
                try:
                    self.last_relayed = await database_sync_to_async(_last_event_id)()
                except Exception:
                    log.exception("event relay cannot read the outbox; retrying")
                    await asyncio.sleep(interval)
            self.tasks.append(self.loop.create_task(self._relay()))
        self.ready.set()

    def start(self) -> None:
        self.tasks.append(self.loop.create_task(self._publisher()))
        if self.owns_thread:
            self.ready.set()  # a command's publisher: no sockets, no relay
        else:
            self.tasks.append(self.loop.create_task(self._boot()))

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        if self.executor is not None:
            from django.db import connections

            self.executor.submit(connections.close_all)
            self.executor.shutdown(wait=False)
            self.executor = None


def _relay_executor():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="live-relay")


def _last_event_id() -> int:
    from .models import CaseEvent

    return CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _events_after(last_id: int) -> list[tuple[dict, list, int]]:
    from django.db import close_old_connections

    from .events import serialise
    from .models import CaseEvent

    close_old_connections()  # drop a connection the database closed meanwhile
    rows = CaseEvent.objects.filter(id__gt=last_id).order_by("id")[:RELAY_BATCH]
    return [(serialise(e), e.payload.get("orgs", []), e.case_id) for e in rows]


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
        _hub = Hub(loop, relay=relays())
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
    """For sockets: the running hub, once ready — its layer channel exists and the relay
    knows where the outbox ends, so nothing committed after a socket connects can be
    mistaken for history. (HTTP requests need not wait: no socket can have missed an
    event committed before the first socket was accepted.)"""
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


_thread: Hub | None = None


def _thread_hub() -> Hub:
    """Outside an ASGI server (commands, shells): a daemon thread with one loop for the
    life of the process, so the Redis connection is opened once, not once per event."""
    global _thread
    with _lock:
        if _thread is not None:
            return _thread
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run():
            asyncio.set_event_loop(loop)
            ready.set()
            loop.run_forever()

        threading.Thread(target=run, name="live-publisher", daemon=True).start()
        ready.wait()
        hub = Hub(loop, relay=False, owns_thread=True)
        loop.call_soon_threadsafe(hub.start)
        atexit.register(_stop_thread_hub, hub)
        _thread = hub
        return hub


def _stop_thread_hub(hub: Hub) -> None:
    async def shutdown():
        tasks = hub.tasks
        hub.stop()
        await asyncio.gather(*tasks, return_exceptions=True)

    try:
        asyncio.run_coroutine_threadsafe(shutdown(), hub.loop).result(timeout=2)
        hub.loop.call_soon_threadsafe(hub.loop.stop)
    except Exception:
        pass


# Benchmark hook (bench/ws.py): append "<event id> <wall time>" at each commit.
_COMMIT_LOG = os.environ.get("LIVE_COMMIT_LOG", "")


def _stamp(event_id) -> None:
    with open(_COMMIT_LOG, "a") as f:
        f.write(f"{event_id} {time.time():.6f}\n")


def publish(message: dict, *, orgs, case_id) -> None:
    """Called on commit (from sync code) with the serialised event."""
    if _COMMIT_LOG:
        _stamp(message["id"])
    if relays():
        hub = _hub
        if hub is not None and hub.relay_mode and not hub.loop.is_closed():
            # The relay reads the row and publishes it, in id order with everything else.
            hub.loop.call_soon_threadsafe(hub.wake.set)
        # No relay in this process: the ASGI process's relay finds the row by polling.
        return
    hub = _hub
    if hub is None or hub.loop.is_closed() or not hub.loop.is_running():
        hub = _thread_hub()
    if hub.owns_thread:
        # A short-lived process may exit right after its commit: wait for the push.
        async def enqueue():
            flag = asyncio.Event()
            hub.queue.put_nowait((message, orgs, case_id, flag))
            await flag.wait()

        future = asyncio.run_coroutine_threadsafe(enqueue(), hub.loop)
        try:
            future.result(timeout=5)
        except Exception:
            log.exception("push of event %s failed", message.get("id"))
        return
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is hub.loop:
        hub.queue.put_nowait((message, orgs, case_id, None))
    else:
        hub.loop.call_soon_threadsafe(hub.queue.put_nowait, (message, orgs, case_id, None))


class Deduper:
    """Event ids already sent to one socket (an event reaches a socket through each of its
    groups: org, case, district). Bounded: duplicates arrive within moments."""

    def __init__(self, size: int = 4096):
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

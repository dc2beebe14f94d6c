"""`/ws/events/`: the live event stream of DESIGN.md §5.

Authentication: the session cookie, or `{"action": "auth", "token": "<API token>"}` as the
first message. Once authenticated the socket joins `org.<id>` for each of the user's
organisations, `user.<id>`, and `district` for supervisors; membership is read afresh
whenever a group is joined.

Client messages: `resume` (replay since an id, then live; also `?since=N` on the URL),
`watch` / `unwatch` a case. A resumed socket delivers strictly in id order: from the
moment it joins its groups an authenticated socket holds live events back until its
replay is done, or until its first other message or SOCKET_RESUME_WAIT_SECONDS without one
(a client that only listens live); a `resume` that comes after live events went out, and
would have to send an older event after a newer one, answers `resync_required` instead.
Junk (not JSON, nested too deep, wrong types) gets an `error` frame and one log line.
Server messages: the event JSON of §5, plus control messages whose type has no dot:
`ready`, `resumed`, `resync_required`, `watching`, `unwatched`, `error`.

Events reach the socket through the process's hub (mediation.live.relay.Hub): its relay reads
the outbox in id order and calls `deliver` with the events due to this socket, already
framed: no layer channel, queue, task or `aclose_old_connections()` thread hop per socket
and event, and under daphne one write of ready-made bytes (mediation.live.fanout). A socket
too slow to keep up is closed (4013) and its client resumes from the last id it saw; when
daphne stops gracefully every socket is closed with 1012 (mediation.live.restart).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Sequence
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from config import tokens
from mediation import policies
from mediation.live import relay as live
from mediation.live.relay import Deduper
from mediation.models import Case

from . import caps, fanout, restart, socket_guard
from .fanout import Outgoing
from .wire import encode, serialise

log = logging.getLogger(__name__)

RESYNC_LIMIT = 1000
AUTH_TIMEOUT = 10.0
CLOSE_UNAUTHENTICATED = 4401
MAX_MESSAGE_DEPTH = 4  # client messages are flat: {"action": …, "since": …}
MAX_ID = 2**63 - 1  # a bigger number is no id (and overflows PostgreSQL's bigint)


class BadMessage(ValueError):
    pass


def _too_deep(value: object, depth: int = 0) -> bool:
    if depth > MAX_MESSAGE_DEPTH:
        return True
    if isinstance(value, dict):
        return any(_too_deep(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_too_deep(v, depth + 1) for v in value)
    return False


def parse_message(text: str | None) -> dict[str, Any]:
    """A client message, or BadMessage: never an exception that would end the socket
    (a nested array 100,000 deep made json raise RecursionError: close 1011)."""
    try:
        content = json.loads(text or "")
    except (ValueError, RecursionError):
        raise BadMessage("not json") from None
    if not isinstance(content, dict):
        raise BadMessage("not an object")
    if _too_deep(content):
        raise BadMessage("too deep")
    if not isinstance(content.get("action"), str | None):
        raise BadMessage("action not a string")
    return content


def _membership(user: User) -> tuple[list[int], bool]:
    policies.forget(user)
    return sorted(policies.org_ids(user)), policies.is_supervisor(user)


def _token_login(key: str) -> tuple[User | None, int | None]:
    found = tokens.check(key)
    return (found[0], found[1].pk) if found else (None, None)


def _replay(user: User, since: int) -> list[tuple[int, str]] | None:
    """Events after `since` that the user may see, in id order; None past the limit."""
    policies.forget(user)
    rows = list(
        policies.visible_events(user).filter(id__gt=since).order_by("id")[: RESYNC_LIMIT + 1]
    )
    if len(rows) > RESYNC_LIMIT:
        return None
    return [(e.pk, encode(serialise(e))) for e in rows]


def _may_watch(user: User, case_id: int) -> bool:
    case = Case.objects.filter(pk=case_id).first()
    policies.forget(user)
    return case is not None and policies.can_see(user, case)


class EventsConsumer(AsyncWebsocketConsumer):
    # No layer channel per socket: the hub delivers for the whole process (see above).
    channel_layer_alias = "__per_process_hub__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user: User | None = None
        self.sent = Deduper()
        self.joined: set[str] = set()
        # the login deadline, then (once it fired) the close it started
        self.auth_timer: asyncio.TimerHandle | asyncio.Future[None] | None = None
        self.hub: live.Hub | None = None
        self.replaying = False
        self.pending: list[Outgoing] = []
        self.link: fanout.Link | None = None  # the fast path to daphne's connection, if any
        self.too_slow = False
        # What the socket was let in with; socket_guard closes it when that shrinks.
        self.orgs: frozenset[int] = frozenset()
        self.supervisor = False
        self.token_id: int | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        # What the caps counted for this socket (released on disconnect).
        self.address: str | None = None
        self.counted_user: int | None = None
        # A cookie socket's session and the password it was opened under: the socket
        # closes on logout or password change (socket_guard).
        self.session_key: str | None = None
        self.session_hash: str | None = None
        self.order_lock = asyncio.Lock()
        self.hold_timer: asyncio.TimerHandle | None = None
        self.release_task: asyncio.Future[None] | None = None
        self.highest_sent = 0

    def deliver(self, events: Sequence[Outgoing], data: bytes) -> Awaitable[None] | None:
        """Hot path, called by the hub with the events due to this socket in one relay
        pass (id order) and their frames joined. Returns an awaitable only when the
        ordinary send is needed (no fast path, compression) or the socket is dropped."""
        link = self.link
        if link is None or self.replaying or self.too_slow or len(events) != 1:
            if self.replaying:
                self.pending.extend(events)
                return None
            return self._write(events, data)
        if not self.sent.first_time(events[0].id):
            return None
        self.highest_sent = max(self.highest_sent, events[0].id)
        result = link.write(data)
        return None if result == fanout.WRITTEN else self._not_written(result, events)

    def _write(
        self, events: Sequence[Outgoing], data: bytes | None = None
    ) -> Awaitable[None] | None:
        if self.too_slow:
            return None  # closing: its client resumes by id
        first_time = self.sent.first_time
        fresh = [e for e in events if first_time(e.id)]
        if not fresh:
            return None
        self.highest_sent = max(self.highest_sent, max(e.id for e in fresh))
        if self.link is None:
            return fanout.send_ordinary(self, fresh)
        if data is None or len(fresh) != len(events):
            data = b"".join(e.frame for e in fresh)
        result = self.link.write(data)
        return None if result == fanout.WRITTEN else self._not_written(result, fresh)

    def _not_written(self, result: int, events: Sequence[Outgoing]) -> Awaitable[None]:
        if result == fanout.TOO_SLOW:
            self.too_slow = True
            return self.close(code=fanout.CLOSE_TOO_SLOW)
        return fanout.send_ordinary(self, events)

    # -- lifecycle ---------------------------------------------------------------------

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        address = caps.client_address(self.scope)
        if not caps.take_address(address):
            log.warning("socket refused: too many sockets from one address")
            await self.close()  # refused at the handshake (403)
            return
        self.address = address
        self.hub = await live.ensure_started()
        await self.accept()
        self.link = fanout.link(self)
        restart.opened(self)  # a graceful shutdown closes it with 1012 (Service Restart)
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            session = self.scope.get("session")
            if session is not None:
                self.session_key = session.session_key
                self.session_hash = session.get(HASH_SESSION_KEY)
            if not await self._authenticated(user):
                return
            since = self._since_from_query()
            if since is not None:
                await self._resume(since)
        else:
            loop = asyncio.get_running_loop()
            self.auth_timer = loop.call_later(AUTH_TIMEOUT, self._auth_timeout)

    def _auth_timeout(self) -> None:
        if self.user is None:
            self.auth_timer = asyncio.ensure_future(self.close(code=CLOSE_UNAUTHENTICATED))

    def _since_from_query(self) -> int | None:
        raw = parse_qs(self.scope.get("query_string", b"").decode("latin1")).get("since")
        if not raw:
            return None
        try:
            return min(max(0, int(raw[0])), MAX_ID)
        except ValueError:
            return None

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        socket_guard.forget(self)
        restart.closed(self)
        if self.address is not None:
            caps.release_address(self.address)
            self.address = None
        if self.counted_user is not None:
            caps.release_user(self.counted_user)
            self.counted_user = None
        if self.hold_timer is not None:
            self.hold_timer.cancel()
        if self.release_task is not None:
            self.release_task.cancel()
        if self.auth_timer is not None:
            self.auth_timer.cancel()
        for group in list(self.joined):
            await self._hub().leave(group, self)
        self.joined.clear()
        await super().websocket_disconnect(message)

    def _hub(self) -> live.Hub:
        hub = self.hub
        assert hub is not None  # set on connect, before any group is joined
        return hub

    async def _join(self, group: str) -> None:
        if group not in self.joined:
            await self._hub().join(group, self)
            self.joined.add(group)

    async def _authenticated(self, user: User, token_id: int | None = None) -> bool:
        if not caps.take_user(user.pk):
            log.warning("socket refused: user %s has too many sockets", user.pk)
            await self._error(_("同时打开的实时连接过多，请关闭其他页面后重试"))
            await self.close(code=caps.CLOSE_TOO_MANY)
            return False
        self.counted_user = user.pk
        # Hold live events from the first group joined until the client's resume is done
        # (or it shows it wants none), so a replay never follows a newer live event.
        self.replaying = True
        self.hold_timer = asyncio.get_running_loop().call_later(
            settings.SOCKET_RESUME_WAIT_SECONDS, self._hold_expired
        )
        orgs, supervisor = await database_sync_to_async(_membership)(user)
        groups = [f"org.{o}" for o in orgs]
        if supervisor:
            groups.append("district")
        for group in groups:
            await self._join(group)
        self.user = user
        self.orgs, self.supervisor, self.token_id = frozenset(orgs), supervisor, token_id
        self.loop = asyncio.get_running_loop()
        socket_guard.watch(self)
        if self.auth_timer is not None:
            self.auth_timer.cancel()
            self.auth_timer = None
        await self._control({"type": "ready", "user": user.pk})
        return True

    def _hold_expired(self) -> None:
        self.hold_timer = None
        self.release_task = asyncio.ensure_future(self._release_hold())

    async def _release_hold(self) -> None:
        if self.hold_timer is not None:
            self.hold_timer.cancel()
            self.hold_timer = None
        async with self.order_lock:
            if self.replaying:
                await self._flush_held()

    async def _flush_held(self) -> None:
        # Still "replaying" while the held-back events go out: anything arriving
        # meanwhile joins the end of the same queue.
        try:
            while self.pending:
                held, self.pending = self.pending, []
                later = self._write(held)
                if later is not None:
                    await later
        finally:
            self.replaying = False

    # -- client messages ---------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            content = parse_message(text_data)
        except BadMessage as e:
            # One line, no traceback, no message text (it may be anything, of any size).
            log.info("socket message refused: %s (user %s)", e, getattr(self.user, "pk", None))
            await self._error(_("消息格式错误"))
            return
        action = content.get("action")
        if self.user is None:
            if action != "auth":
                await self._error(_("请先登录"), action=action)
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            user: User | None = None
            token_id: int | None = None
            token = content.get("token")
            if isinstance(token, str) and token:
                user, token_id = await database_sync_to_async(_token_login)(token)
            if user is None:
                await self._error(_("令牌无效"), action="auth")
                await self.close(code=CLOSE_UNAUTHENTICATED)
                return
            await self._authenticated(user, token_id)
            return
        if action != "resume" and (self.hold_timer is not None or self.replaying):
            # The client did not open with a resume: it listens live from here.
            await self._release_hold()
        handler = {
            "auth": self._already_authenticated,
            "resume": self._on_resume,
            "watch": self._on_watch,
            "unwatch": self._on_unwatch,
        }.get(action or "")
        if handler is None:
            await self._error(_("未知的操作"), action=action)
            return
        await handler(content)

    async def _already_authenticated(self, content: dict[str, Any]) -> None:
        assert self.user is not None  # only an authenticated socket gets here
        await self._control({"type": "ready", "user": self.user.pk})

    async def _on_resume(self, content: dict[str, Any]) -> None:
        since = content.get("since")
        if isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= MAX_ID:
            await self._error(_("since 必须是非负整数"), action="resume")
            return
        await self._resume(since)

    async def _resume(self, since: int) -> None:
        # Live events arriving during the replay are held back and sent after it; the
        # de-duplicator drops the ones the replay already sent, so the stream stays in
        # order, without gaps or repeats.
        if self.hold_timer is not None:
            self.hold_timer.cancel()
            self.hold_timer = None
        async with self.order_lock:
            self.replaying = True
            try:
                await self._replay_since(since)
            finally:
                await self._flush_held()

    async def _replay_since(self, since: int) -> None:
        events = await database_sync_to_async(_replay)(self.user, since)
        if events is not None:
            unsent = [e for e in events if e[0] not in self.sent.ids]
            if unsent and unsent[0][0] < self.highest_sent:
                # Newer live events already went out (a resume long after the socket
                # opened): sending this one now would break id order.
                events = None
        if events is None:
            await self._control({"type": "resync_required"})
            return
        later = self._write([Outgoing(event_id, text) for event_id, text in events])
        if later is not None:
            await later
        last = events[-1][0] if events else since
        await self._control({"type": "resumed", "last": last, "count": len(events)})

    def _case_id(self, content: dict[str, Any]) -> int | None:
        case_id = content.get("case")
        if isinstance(case_id, bool) or not isinstance(case_id, int) or not 0 < case_id <= MAX_ID:
            return None
        return case_id

    async def _on_watch(self, content: dict[str, Any]) -> None:
        case_id = self._case_id(content)
        if case_id is None or not await database_sync_to_async(_may_watch)(self.user, case_id):
            await self._error(_("案件不存在或无权查看"), action="watch", case=case_id)
            return
        await self._join(f"case.{case_id}")
        await self._control({"type": "watching", "case": case_id})

    async def _on_unwatch(self, content: dict[str, Any]) -> None:
        case_id = self._case_id(content)
        if case_id is None:
            await self._error(_("案件编号无效"), action="unwatch")
            return
        group = f"case.{case_id}"
        if group in self.joined:
            await self._hub().leave(group, self)
            self.joined.discard(group)
        await self._control({"type": "unwatched", "case": case_id})

    # -- access changes (mediation.live.socket_guard) -----------------------------------------

    async def revoke(self) -> None:
        """The user was deactivated or lost access: leave every group, then close."""
        for group in list(self.joined):
            await self._hub().leave(group, self)
        self.joined.clear()
        await self._control({"type": "revoked"})
        await self.close(code=socket_guard.CLOSE_ACCESS_REVOKED)

    async def grow(self, orgs: frozenset[int], supervisor: bool) -> None:
        for org in sorted(orgs - self.orgs):
            await self._join(f"org.{org}")
        if supervisor:
            await self._join("district")
        self.orgs, self.supervisor = frozenset(orgs), supervisor

    # -- helpers -----------------------------------------------------------------------

    async def _control(self, message: dict[str, Any]) -> None:
        await self.send(text_data=encode(message))

    async def _error(self, text: str, **extra: Any) -> None:
        await self._control({"type": "error", "message": text, **extra})

"""Open sockets follow their user's access (DESIGN.md §9): when a user is deactivated, loses
a membership or the supervisor role, or the API token a socket logged in with is revoked,
that user's sockets close within SOCKET_RECHECK_SECONDS, and so leave every group. So does a
socket opened with a session cookie when that session ends (logout) or the user's password
changes (the session's password hash no longer matches, as Django's own check on a request).

Each process checks the users of its own sockets in one batch per interval, so the rule
holds whoever made the change (admin, API, shell, another process) without a message bus;
a membership gained only joins the new organisation's group.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable
from importlib import import_module
from typing import TYPE_CHECKING

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from knox.models import AuthToken

from mediation import policies

if TYPE_CHECKING:
    from .consumers import EventsConsumer

log = logging.getLogger(__name__)

CLOSE_ACCESS_REVOKED = 4403

_sockets: weakref.WeakSet[EventsConsumer] = weakref.WeakSet()
_tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}


def watch(consumer: EventsConsumer) -> None:
    """Start following `consumer` (authenticated; carries user, orgs, supervisor, token)."""
    _sockets.add(consumer)
    loop = asyncio.get_running_loop()
    task = _tasks.get(loop)
    if task is None or task.done():
        _tasks[loop] = loop.create_task(_run(loop))


def forget(consumer: EventsConsumer) -> None:
    _sockets.discard(consumer)


def _live_sessions(keys: set[str]) -> set[str]:
    """The session keys that still exist (not logged out, not cycled, not expired)."""
    if not keys:
        return set()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        model = store.get_model_class()
        rows = model.objects.filter(session_key__in=keys, expire_date__gt=timezone.now())
        return set(rows.values_list("session_key", flat=True))
    return {key for key in keys if store().exists(key)}


def _password_hashes(user_ids: set[int]) -> dict[int, str]:
    users = get_user_model().objects.filter(pk__in=user_ids) if user_ids else []
    return {u.pk: u.get_session_auth_hash() for u in users}


def _snapshot(
    user_ids: Iterable[int], token_ids: set[int], session_keys: set[str], cookie_users: set[int]
) -> tuple[dict[int, tuple[frozenset[int], bool]], set[int], set[str], dict[int, str]]:
    live_tokens = (
        set(AuthToken.objects.filter(pk__in=token_ids).values_list("pk", flat=True))
        if token_ids
        else set()
    )
    return (
        policies.live_access(user_ids),
        live_tokens,
        _live_sessions(session_keys),
        _password_hashes(cookie_users),
    )


def _session_ended(
    consumer: EventsConsumer, user_id: int, sessions: set[str], hashes: dict[int, str]
) -> bool:
    if consumer.session_key is None:
        return False  # an API-token socket: its token is checked instead
    current = hashes.get(user_id, "")
    return consumer.session_key not in sessions or not constant_time_compare(
        consumer.session_hash or "", current
    )


async def check_now(loop: asyncio.AbstractEventLoop | None = None) -> None:
    loop = loop or asyncio.get_running_loop()
    mine = [(c, c.user.pk) for c in list(_sockets) if c.loop is loop and c.user is not None]
    if not mine:
        return
    user_ids = {user_id for _c, user_id in mine}
    token_ids = {c.token_id for c, _u in mine if c.token_id is not None}
    keys = {c.session_key for c, _u in mine if c.session_key is not None}
    cookie_users = {u for c, u in mine if c.session_key is not None}
    access, live_tokens, sessions, hashes = await database_sync_to_async(_snapshot)(
        user_ids, token_ids, keys, cookie_users
    )
    for consumer, user_id in mine:
        now = access.get(user_id)
        revoked = (
            now is None
            or not consumer.orgs <= now[0]
            or (consumer.supervisor and not now[1])
            or (consumer.token_id is not None and consumer.token_id not in live_tokens)
            or _session_ended(consumer, user_id, sessions, hashes)
        )
        if revoked:
            forget(consumer)
            await consumer.revoke()
        elif now[0] - consumer.orgs or (now[1] and not consumer.supervisor):
            await consumer.grow(now[0], now[1])


async def _run(loop: asyncio.AbstractEventLoop) -> None:
    while True:
        await asyncio.sleep(settings.SOCKET_RECHECK_SECONDS)
        if not any(c.loop is loop for c in list(_sockets)):
            return
        try:
            await check_now(loop)
        except Exception:  # a database hiccup must not end the guard; next round retries
            log.exception("socket access check failed")

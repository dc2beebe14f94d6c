"""Helpers for the websocket tests: a fresh channel layer and live hub per test (each
async test has its own event loop), and communicators that log in like a browser (session
cookie + same-origin header) or like an integration client (no Origin, API token)."""

import asyncio

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client

from mediation.live import relay as live

ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
def fresh_layer():
    live.stop()
    channel_layers.backends = {}
    yield
    live.stop()
    channel_layers.backends = {}


@pytest_asyncio.fixture
async def loop_cleanup():
    """End the hub's tasks before the test's loop closes, and close the database
    connection of the sync_to_async worker thread (else PostgreSQL cannot drop the test
    database at the end)."""
    yield
    hub = live.current_hub()
    if hub is not None and hub.loop is asyncio.get_running_loop():
        tasks = hub.tasks
        hub.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
    live.stop()
    await sync_to_async(connections.close_all)()


@pytest.fixture
def tokens(world):
    """API tokens of the named users, for clients that log in like integrations."""
    from config import tokens as api_tokens

    return {
        name: api_tokens.issue(getattr(world, name))
        for name in ("mediator", "mediator2", "head", "outsider", "supervisor")
    }


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    value = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={value}".encode()


async def open_socket(user=None, *, origin=ORIGIN, path="/ws/events/", expect_ready=True):
    """Connect (as `user` by session when given) and return the communicator."""
    from config.asgi import application

    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", await sync_to_async(session_cookie)(user)))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected
    if user is not None and expect_ready:
        ready = await comm.receive_json_from(timeout=5)
        assert ready == {"type": "ready", "user": user.pk}
    return comm


async def drain(comm, timeout=0.3) -> list:
    """Everything the server sends until it falls silent for `timeout` seconds."""
    out = []
    while not await comm.receive_nothing(timeout=timeout):
        out.append(await comm.receive_json_from(timeout=1))
    return out

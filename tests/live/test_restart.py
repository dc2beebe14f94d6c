"""A real daphne stopped gracefully (SIGTERM from a deploy, SIGINT from Ctrl-C) closes every
open socket with 1012 (Service Restart), signed in or not yet, before it exits: its clients
tell a restart from a crash (1006) and reconnect with backoff to resume (docs/api.md)."""

import asyncio
import json
import signal

import pytest
from django.db import connection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mediation.live.restart import CLOSE_SERVICE_RESTART

from .daphne import Daphne, database_url

pytestmark = [
    pytest.mark.live,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loop_cleanup"),
]


@pytest.fixture
def server(world):
    d = Daphne(database_url(connection.settings_dict)).start()
    yield d
    out = d.stop()
    assert "Traceback" not in out, out


async def closed_with(ws) -> tuple[int | None, str | None]:
    """Wait for the server's close; (code, reason) as the client received them."""
    try:
        while True:
            await asyncio.wait_for(ws.recv(), 10)
    except ConnectionClosed as exc:
        rcvd = exc.rcvd
        return (rcvd.code, rcvd.reason) if rcvd is not None else (None, None)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_graceful_stop_closes_every_socket_with_1012(server, tokens, sig):
    signed_in = await connect(server.ws, open_timeout=10)
    await signed_in.send(json.dumps({"action": "auth", "token": tokens["mediator"]}))
    assert json.loads(await asyncio.wait_for(signed_in.recv(), 10))["type"] == "ready"
    anonymous = await connect(server.ws, open_timeout=10)  # before its auth message

    server.proc.send_signal(sig)

    for ws in (signed_in, anonymous):
        code, reason = await closed_with(ws)
        assert code == CLOSE_SERVICE_RESTART == 1012, (code, reason, server.output())
        assert reason == "service restart"
    # and the process still ends promptly (the grace is bounded)
    assert await asyncio.to_thread(server.proc.wait, 10) is not None

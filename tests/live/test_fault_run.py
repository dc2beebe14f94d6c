"""Issue 30's fault run as a test (DESIGN §5): under load, one daphne process is killed and
Redis is killed and brought back; real websocket clients reconnect and `resume` from the
last id they saw. Every socket must receive every event in strictly increasing id order,
none lost, none repeated, across every reconnect.

Needs PostgreSQL (several processes writing one database) and a redis-server binary; it
starts its own Redis on a free port (the shared one is never touched). Marked slow: it
runs in `.ci/run`'s PostgreSQL stage, not in `make test`."""

import asyncio
import json
import shutil
import signal
import subprocess
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mediation.law.choices import State
from mediation.models import CaseEvent

from .daphne import Daphne, database_url, free_port
from .test_daphne import post

REDIS = shutil.which("redis-server")

pytestmark = [
    pytest.mark.live,
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(REDIS is None, reason="needs redis-server"),
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loop_cleanup"),
]

SOCKETS = 60
CASES = 45


class Redis:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "Redis":
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return self
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=5)
        self.proc = None


class Client:
    """A websocket client as an integration writes one: auth, resume from the last id
    seen, and on any drop reconnect (to whichever server answers) and resume again."""

    def __init__(self, n: int, servers: list[Daphne], token: str, since: int) -> None:
        self.n, self.servers, self.token = n, servers, token
        self.last = since
        self.ids: list[int] = []
        self.faults: list[str] = []
        self.reconnects = 0
        self.stop = asyncio.Event()

    async def run(self) -> None:
        attempt = 0
        while not self.stop.is_set():
            server = self.servers[(self.n + attempt) % len(self.servers)]
            attempt += 1
            try:
                async with connect(server.ws, open_timeout=5, ping_interval=None) as ws:
                    await ws.send(json.dumps({"action": "auth", "token": self.token}))
                    await ws.send(json.dumps({"action": "resume", "since": self.last}))
                    await self._read(ws)
            except (OSError, ConnectionClosed, TimeoutError):
                pass
            if not self.stop.is_set():
                self.reconnects += 1
                await asyncio.sleep(0.2 + (self.n % 5) * 0.05)

    async def _read(self, ws) -> None:
        while not self.stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), 0.5)
            except TimeoutError:
                continue
            msg = json.loads(raw)
            if "id" in msg:
                if msg["id"] <= self.last:
                    self.faults.append(f"{msg['id']} after {self.last}")
                self.last = max(self.last, msg["id"])
                self.ids.append(msg["id"])
            elif msg.get("type") in ("resync_required", "error"):
                self.faults.append(json.dumps(msg, ensure_ascii=False))


def alive(servers: list[Daphne]) -> list[Daphne]:
    return [s for s in servers if s.proc is not None and s.proc.poll() is None]


async def test_sockets_keep_id_order_and_lose_nothing_when_daphne_and_redis_die(world, tokens):
    redis = Redis().start()
    env = {
        "REDIS_URL": redis.url,
        "CHANNEL_LAYER_PREFIX": f"dtjfault{redis.port}",
        "LIVE_RELAY_INTERVAL": "0.5",  # the safety net while Redis is down
        "SOCKET_RESUME_WAIT_SECONDS": "1",
        "CACHE_URL": "locmemcache://",
    }
    db = database_url(connection.settings_dict)
    servers = [Daphne(db, env=env).start(), Daphne(db, env=env).start()]
    clients: list[Client] = []
    try:
        cases = await sync_to_async(
            lambda: [world.make_case(state=State.ACCEPTED) for _ in range(CASES)]
        )()
        since = await sync_to_async(
            lambda: CaseEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        )()
        # every case is in the home organisation: the supervisor (district) and its
        # mediators see every event
        users = ["supervisor", "mediator2", "head"]
        clients = [Client(i, servers, tokens[users[i % 3]], since) for i in range(SOCKETS)]
        tasks = [asyncio.create_task(c.run()) for c in clients]
        await asyncio.sleep(2)

        async def write(batch) -> None:
            for case in batch:
                while True:
                    up = alive(servers)
                    try:
                        status, _body = await asyncio.to_thread(
                            post,
                            up[case.pk % len(up)],
                            f"/api/cases/{case.pk}/transitions/begin/",
                            tokens["mediator"],
                            {"consent": True},
                        )
                    except OSError:  # the server died under the request: again
                        status = 0
                    # 409: it had committed before the server died
                    if status in (200, 409):
                        break
                    await asyncio.sleep(0.1)

        third = CASES // 3
        writer = asyncio.create_task(write(cases[:third]))
        await asyncio.sleep(1.0)
        servers[0].proc.send_signal(signal.SIGKILL)  # a daphne dies under load
        await writer
        redis.kill()  # and then Redis
        await write(cases[third : 2 * third])
        redis.start()  # Redis back (empty), and the killed daphne restarted
        servers[0].stop()
        servers[0] = Daphne(db, env=env, port=servers[0].port).start()
        await write(cases[2 * third :])

        expected = await sync_to_async(
            lambda: list(
                CaseEvent.objects.filter(id__gt=since).order_by("id").values_list("id", flat=True)
            )
        )()
        assert len(expected) == CASES  # one transition event per case
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(c.last < expected[-1] for c in clients):
            await asyncio.sleep(0.5)
        for c in clients:
            c.stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            assert c.faults == [], (c.n, c.faults)
            assert c.ids == expected, (c.n, len(c.ids), len(expected))
        assert sum(c.reconnects for c in clients) >= SOCKETS // 2 - 5  # A's sockets did drop
    finally:
        for c in clients:
            c.stop.set()
        for s in servers:
            out = s.stop()
            assert "Traceback" not in out or "redis" in out.lower(), out[-3000:]
        redis.kill()

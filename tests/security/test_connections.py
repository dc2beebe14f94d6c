"""Finding 1: PostgreSQL connections leaked under daphne (sync views run in threads that
never closed theirs). With the pool, one daphne process holds at most DB_POOL_MAX_SIZE
connections however many requests it serves."""

import concurrent.futures
import threading
import urllib.request

import pytest
from django.db import connection

from tests.api.conftest import token_for

from ..live.daphne import Daphne, database_url

pytestmark = [pytest.mark.live, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

POOL_MAX = 4


def server_connections(dbname: str) -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        )
        return cur.fetchone()[0]


def test_connections_stay_within_the_pool_bound(world):
    dbname = connection.settings_dict["NAME"]
    token = token_for(world.head)
    before = server_connections(dbname)
    server = Daphne(
        database_url(connection.settings_dict),
        env={"DB_POOL_MIN_SIZE": "1", "DB_POOL_MAX_SIZE": str(POOL_MAX)},
    ).start()
    peak = 0
    stop = threading.Event()

    def watch():
        nonlocal peak
        from django.db import connections

        while not stop.is_set():
            peak = max(peak, server_connections(dbname))
            stop.wait(0.05)
        connections.close_all()

    def get(i):
        path = ("/api/cases/", "/api/me/", "/api/organizations/")[i % 3]
        req = urllib.request.Request(
            server.http + path, headers={"Authorization": f"Token {token}"}
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            statuses = list(pool.map(get, range(300)))
        after = server_connections(dbname)
    finally:
        stop.set()
        watcher.join()
        out = server.stop()
    assert statuses == [200] * 300, out[-2000:]
    # The watcher's own connection is excluded by pg_backend_pid only in its own query;
    # the test's main connection is counted in `before` already.
    assert peak - before <= POOL_MAX + 1, (peak, before)
    assert after - before <= POOL_MAX, (after, before)

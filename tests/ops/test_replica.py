"""Statistics off the primary (issue 34, config.replica): the supervisor's figures, exports
and the Ministry report read from the replica; writes and a read of one's own write from
the primary; a replica behind by more than REPLICA_MAX_LAG, or down, sends reads to the
primary and says so, never failing a page.

The replica here is a second connection to the test database (a TEST mirror), so every
test commits (transactional) for the replica's connection to see the rows."""

import pytest
import time_machine
from django.db import connections, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config import replica
from mediation.law.choices import State
from mediation.models import AuditEvent, Case, CaseStatMonth, Organization
from mediation.supervision import statcache
from tests.conftest import WEDNESDAY
from tests.live.daphne import free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", "replica"]),
]


@pytest.fixture
def mirror(settings):
    """Statistics read from the `replica` alias (tests/conftest.py: the test database,
    through a second connection); its settings dict, to point it elsewhere."""
    settings.STATISTICS_REPLICA = replica.REPLICA
    settings.REPLICA_MAX_LAG = 30.0
    settings.REPLICA_CHECK_SECONDS = 60.0
    dsn = connections[replica.REPLICA].settings_dict
    host, port = dsn["HOST"], dsn["PORT"]
    replica.forget()
    yield dsn
    connections[replica.REPLICA].close()
    dsn["HOST"], dsn["PORT"] = host, port
    replica.forget()


@pytest.fixture
def cases(world):
    with time_machine.travel(WEDNESDAY, tick=True):
        made = [world.make_case(State.MEDIATING), world.make_case(State.REGISTERED)]
    return made


def _down(dsn):
    """Point the replica at a port where nothing listens."""
    connections[replica.REPLICA].close()
    dsn["HOST"], dsn["PORT"] = "127.0.0.1", free_port()


def _read_cases(queries):
    return [q["sql"] for q in queries if '"mediation_case"' in q["sql"]]


def _summary(world, client=None):
    client = client or Client()
    client.force_login(world.supervisor)
    return client.get("/api/stats/summary/", {"from": "2026-01-01", "to": "2026-12-31"})


def test_router_sends_statistics_reads_to_the_replica_and_the_rest_to_the_primary(mirror, world):
    assert Case.objects.all().db == "default"  # outside the statistics views
    with replica.statistics():
        assert Case.objects.all().db == "replica"
        with transaction.atomic():  # a transaction on the primary sees its own rows
            assert Case.objects.all().db == "default"
        # a write goes to the primary, and this request's later reads of it follow
        Organization.objects.filter(pk=world.home.pk).update(short_code="红")
        assert Organization.objects.all().db == "default"
        assert Case.objects.all().db == "replica"
    with replica.statistics(primary_only=True):
        assert Case.objects.all().db == "default"


def test_the_summary_is_read_from_the_replica(mirror, world, cases):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = _summary(world)
    assert response.status_code == 200, response.content
    assert response.json()["total"] == 2
    assert _read_cases(on_replica.captured_queries)
    with replica.statistics():
        statcache.refresh()
        assert CaseStatMonth.objects.all().db == "default"  # read-your-write


def test_dashboard_and_readyz_show_the_lag(mirror, world, cases):
    client = Client()
    client.force_login(world.supervisor)
    page = client.get("/supervision/")
    assert page.status_code == 200
    assert "统计数据读自只读副本，比主库延迟 0.0 秒" in page.content.decode()
    body = Client().get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"]["replica"] == {
        "ok": True,
        "configured": True,
        "reads": "replica",
        "lag_seconds": 0.0,
        "max_lag_seconds": 30.0,
    }


def test_a_replica_behind_the_limit_sends_reads_to_the_primary(mirror, world, cases, monkeypatch):
    monkeypatch.setattr(replica, "LAG_SQL", "SELECT 120.0")
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = _summary(world)
    assert response.status_code == 200 and response.json()["total"] == 2
    assert not _read_cases(on_replica.captured_queries)
    client = Client()
    client.force_login(world.supervisor)
    page = client.get("/supervision/").content.decode()
    assert "只读副本延迟 120.0 秒，超过 30.0 秒的上限，本页统计改从主库读取" in page
    r = Client().get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"]["replica"]["fallback"] == "lag"
    assert r.json()["checks"]["replica"]["lag_seconds"] == 120.0


def test_a_replica_that_is_down_never_fails_a_page(mirror, world, cases):
    _down(mirror)
    response = _summary(world)
    assert response.status_code == 200 and response.json()["total"] == 2
    client = Client()
    client.force_login(world.supervisor)
    page = client.get("/supervision/")
    assert page.status_code == 200
    assert "只读副本无法连接，本页统计改从主库读取" in page.content.decode()
    assert client.get("/supervision/ministry/").status_code == 200
    r = Client().get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert r.json()["checks"]["replica"]["fallback"] == "down"


def test_a_replica_failing_mid_page_is_read_again_from_the_primary(mirror, world, cases):
    assert replica.status().usable  # measured while it answered
    _down(mirror)  # then it goes away before the page reads
    client = Client()
    client.force_login(world.supervisor)
    exports = AuditEvent.objects.filter(type="export.stats_xlsx")
    response = client.get("/api/stats/export.xlsx", {"from": "2026-01-01", "to": "2026-12-31"})
    assert response.status_code == 200
    assert exports.count() == 1  # read twice, audited once
    assert replica.status().reason == "down"

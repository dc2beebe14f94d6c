"""`/healthz` and `/readyz` (DESIGN.md §6): liveness without the database, readiness with
the database and the channel layer, a 503 in JSON naming the failing check."""

import pytest
from django.db import connection
from django.test import Client

from mediation.ops import health


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        r = Client().get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
    assert "no-cache" in r["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_database_and_layer():
    r = Client().get("/readyz")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["channel_layer"]["ok"] is True


@pytest.mark.django_db
def test_readyz_is_503_json_when_the_database_fails(monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    r = Client().get("/readyz")
    assert r.status_code == 503
    assert r["Content-Type"] == "application/json"
    body = r.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}


@pytest.fixture
def redis_layer(settings):
    """use(url): the Redis pub/sub layer at `url` for this test."""
    from channels.layers import channel_layers

    def use(url):
        settings.REDIS_URL = url
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {"hosts": [url]},
            }
        }
        channel_layers.backends = {}

    yield use
    channel_layers.backends = {}


@pytest.mark.django_db
def test_readyz_is_503_when_redis_is_unreachable(redis_layer):
    # A Redis layer whose server does not answer (a closed port): not ready.
    from tests.live.daphne import free_port

    redis_layer(f"redis://127.0.0.1:{free_port()}/0")
    r = Client().get("/readyz")
    assert r.status_code == 503
    layer = r.json()["checks"]["channel_layer"]
    assert layer["ok"] is False and layer["backend"] == "redis"
    assert r.json()["checks"]["database"]["ok"] is True


@pytest.mark.redis
@pytest.mark.django_db
def test_readyz_pings_a_real_redis(redis_layer):
    import os

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL")
    redis_layer(url)
    check = health._check_channel_layer()
    assert check["ok"] is True and check["backend"] == "redis"


def test_health_endpoints_refuse_writes(db):
    assert Client().post("/healthz").status_code == 405
    assert Client().post("/readyz").status_code == 405

"""Issue 30: while Redis (the shared rate-limit store) was down the public portal answered
500 to every application. Now the attempt is counted in the process, the outage logged in
one line, and the application taken."""

import logging

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from mediation.models import Case
from tests.live.daphne import free_port
from tests.web.test_desks import application

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        }
    }
    with pytest.raises(Exception):  # noqa: B017 - the client's own error class
        cache.incr("probe")
    return settings


def test_the_api_takes_the_application_while_redis_is_down(world, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="mediation.ops.ratelimit"):
        r = APIClient().post("/api/portal/applications/", application(world), format="json")
    assert r.status_code == 201, r.content
    assert Case.objects.filter(number=r.json()["number"]).exists()
    lines = [rec for rec in caplog.records if rec.name == "mediation.ops.ratelimit"]
    assert len(lines) == 1 and lines[0].exc_info is None
    assert "rate-limit store unavailable" in lines[0].getMessage()


def test_the_page_takes_the_application_while_redis_is_down(world, redis_down, client):
    post = {
        "applicant_name": "海玉梅",
        "applicant_id_number": "640303195503010030",
        "applicant_phone": "13995300123",
        "respondent_kind": "person",
        "respondent_name": "白振华",
        "category": "neighbour",
        "summary": "邻居在我家门前堆放杂物。",
        "region": "红寺堡镇",
        "privacy_consent": "on",
    }
    r = client.post("/apply/", post)
    assert r.status_code == 201
    assert Case.objects.count() == 1


def test_the_limit_still_holds_per_process_while_redis_is_down(world, redis_down):
    redis_down.PORTAL_APPLY_PER_IP = 2
    api = APIClient(REMOTE_ADDR="10.0.0.77")
    for _ in range(2):
        assert api.post("/api/portal/applications/", {}, format="json").status_code == 400
    r = api.post("/api/portal/applications/", application(world), format="json")
    assert r.status_code == 429


def test_tracking_and_complaints_answer_while_redis_is_down(world, redis_down, client):
    r = client.post("/track/", {"number": "（2026）红人调字第0001号", "phone": "13995300123"})
    assert r.status_code in (200, 404)
    r = APIClient(REMOTE_ADDR="10.0.0.78").post(
        "/api/complaints/",
        {
            "org": world.home.pk,
            "complainant": "马玉兰",
            "contact": "13995310001",
            "facts": "调解员在调解中偏袒对方。",
        },
        format="json",
    )
    assert r.status_code == 201

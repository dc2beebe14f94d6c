import logging

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _quiet_request_log():
    # 4xx answers are the point of many tests here; Django logs each one as a warning.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture(autouse=True)
def _clean_cache():
    # Portal counters live in the cache; one test's attempts must not throttle the next.
    # The queue's sparse-access memo would otherwise carry one test's count into the next
    # test's query counts (never into its answers: it only picks the plan).
    from mediation.api import views

    cache.clear()
    views._sparse_memo.clear()
    yield
    cache.clear()


def token_for(user) -> str:
    client = APIClient()
    r = client.post(
        "/api/auth/token/",
        {"username": user.username, "password": settings.DEMO_PASSWORD},
        format="json",
    )
    assert r.status_code == 200, r.content
    return r.json()["token"]


@pytest.fixture
def api(world):
    """api(user) → an APIClient that authenticates with that user's token; api() is anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        return client

    return make

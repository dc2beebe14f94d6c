import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.conftest import APPLICANT, RESPONDENT

APPLICANT_PHONE = APPLICANT["phone"]
RESPONDENT_PHONE = RESPONDENT["phone"]


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def sms_lines() -> list[dict]:
    path = Path(settings.SMS_FILE_PATH or Path(settings.MEDIA_ROOT) / "sms.jsonl")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def last_code(phone: str) -> str:
    texts = [m["text"] for m in sms_lines() if m["phone"] == phone]
    assert texts, f"no message to {phone}"
    return re.search(r"\d{6}", texts[-1]).group(0)


def ask_code(client: APIClient, phone: str, capture) -> object:
    with capture(execute=True):
        return client.post("/api/party/code/", {"phone": phone}, format="json")


def sign_in(client: APIClient, phone: str, capture) -> str:
    assert ask_code(client, phone, capture).status_code == 204
    r = client.post(
        "/api/party/session/", {"phone": phone, "code": last_code(phone)}, format="json"
    )
    assert r.status_code == 201, r.content
    return r.json()["token"]


def party_client(phone: str, capture) -> APIClient:
    client = APIClient()
    token = sign_in(client, phone, capture)
    client.credentials(HTTP_AUTHORIZATION=f"Party {token}")
    return client

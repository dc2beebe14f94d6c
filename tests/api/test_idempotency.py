"""`Idempotency-Key` on every creating POST (DESIGN.md §12.3): the same key and body within
24 h answer the first answer again, another body is a 422, keys are per caller, they expire
after 24 h, and concurrent duplicates wait for the first (PostgreSQL threads)."""

import datetime as dt
import threading
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from mediation.law.choices import State
from mediation.models import (
    Case,
    Complaint,
    Consultation,
    FollowUp,
    IdempotencyKey,
    MediationSession,
    ScreeningRound,
)
from mediation.prevention import records as prevention
from tests.conftest import RESPONDENT, case_body
from tests.helpers import plain_party

from .conftest import token_for


@dataclass
class Endpoint:
    url: str
    body: dict[str, Any]
    other: dict[str, Any]  # the same request with another body
    user: Any  # None: anonymous
    count: Any  # () -> rows that a create adds


def _today() -> str:
    return timezone.localdate().isoformat()


def _round(world) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "org": world.home.pk,
        "period_start": (today - dt.timedelta(days=3)).isoformat(),
        "period_end": today.isoformat(),
        "places": "中圈塘村一组",
        "found": [
            {
                "summary": "两户因宅基地界址争执",
                "category": "housing_land",
                "risk": "high",
                "parties": [plain_party("applicant", "马德胜"), dict(RESPONDENT)],
            }
        ],
        "note": "逐户走访",
    }


CONSULTATION = {
    "channel": "hotline",
    "topic": "dispute",
    "category": "labor",
    "question": "老板一直拖欠工资不给。",
    "answer": "可申请劳动争议调解。",
    "caller_name": "海振华",
    "caller_phone": "13995367890",
}
APPLICATION = {
    "applicant": {"name": "海玉梅", "id_number": "640303195503010030", "phone": "13995300123"},
    "respondent": {"name": "白振华", "phone": "13895300002"},
    "category": "neighbour",
    "summary": "邻居在我家门前堆放杂物，影响通行。",
    "claims": "请求清除杂物。",
    "region": "红寺堡镇",
    "privacy_consent": True,
}


def _cases() -> int:
    return Case.objects.count()


def endpoint(name: str, world) -> Endpoint:
    """Every creating POST of the API, ready to be sent."""
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    if name == "cases":
        body = case_body(world.home)
        return Endpoint("/api/cases/", body, {**body, "summary": "另一件"}, world.intake, _cases)
    if name == "sessions":
        case = world.make_case(State.MEDIATING)
        body = {"held_at": timezone.now().isoformat(), "place": "调解室", "attendees": "双方",
                "record": "同意。"}  # fmt: skip
        return Endpoint(
            f"/api/cases/{case.pk}/sessions/",
            body,
            {**body, "place": "村委会"},
            world.mediator,
            MediationSession.objects.count,
        )
    if name == "follow_ups":
        case = world.make_case(State.AGREED)
        body = {"date": _today(), "performed": True}
        return Endpoint(
            f"/api/cases/{case.pk}/follow-ups/",
            body,
            {**body, "note": "另一次"},
            world.mediator,
            FollowUp.objects.count,
        )
    if name == "petition_transfers":
        body = {
            **case_body(world.home),
            "petition_number": "宁红信转〔2026〕15号",
            "feedback_due": due,
            "petitioner_consent": True,
        }
        other = {**body, "petition_number": "宁红信转〔2026〕16号"}
        return Endpoint("/api/petitions/transfers/", body, other, world.petition, _cases)
    if name == "court_referrals":
        body = {**case_body(world.home), "referral_number": "（2026）宁0303诉前调1号"}
        other = {**body, "referral_number": "（2026）宁0303诉前调2号"}
        return Endpoint("/api/courts/referrals/", body, other, world.clerk, _cases)
    if name == "portal_applications":
        other = {**APPLICATION, "claims": "另一项"}
        return Endpoint("/api/portal/applications/", APPLICATION, other, None, _cases)
    if name == "complaints":
        body = {"org": world.home.pk, "complainant": "马玉兰", "contact": "13995310001",
                "facts": "调解员在调解中偏袒对方。"}  # fmt: skip
        other = {**body, "facts": "另一件事"}
        return Endpoint("/api/complaints/", body, other, None, Complaint.objects.count)
    if name == "consultations":
        other = {**CONSULTATION, "question": "另一个问题"}
        return Endpoint(
            "/api/consultations/", CONSULTATION, other, world.intake, Consultation.objects.count
        )
    if name == "consultation_register":
        row = prevention.record_consultation(world.intake, dict(CONSULTATION))
        body = {
            "org": world.home.pk,
            "parties": [{"role": "applicant", "kind": "person", "name": "海振华"}, RESPONDENT],
        }
        return Endpoint(f"/api/consultations/{row.pk}/register/", body, {}, world.intake, _cases)
    if name == "screenings":
        other = {**_round(world), "note": "另一次"}
        return Endpoint(
            "/api/screenings/", _round(world), other, world.mediator, ScreeningRound.objects.count
        )
    if name == "screening_register":
        round_ = prevention.record_screening(world.mediator, _round(world))
        found = round_.found.get()
        return Endpoint(
            f"/api/screenings/{round_.pk}/found/{found.pk}/register/",
            {"org": world.home.pk},
            {},
            world.mediator,
            _cases,
        )
    raise AssertionError(name)


ENDPOINTS = [
    "cases",
    "sessions",
    "follow_ups",
    "petition_transfers",
    "court_referrals",
    "portal_applications",
    "complaints",
    "consultations",
    "consultation_register",
    "screenings",
    "screening_register",
]


@pytest.fixture
def client_for(api):
    def make(user) -> APIClient:
        return api(user) if user is not None else api()

    return make


def post(client: APIClient, url: str, body: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, body, format="json", **headers)


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_retry_gets_the_first_answer_and_creates_nothing(world, client_for, name):
    ep = endpoint(name, world)
    client = client_for(ep.user)
    before = ep.count()
    first = post(client, ep.url, ep.body, "k-1")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    again = post(client, ep.url, ep.body, "k-1")
    assert again.status_code == 201, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content  # byte for byte
    assert ep.count() == before + 1


@pytest.mark.parametrize("name", ENDPOINTS)
def test_the_same_key_with_another_body_is_a_422(world, client_for, name):
    ep = endpoint(name, world)
    client = client_for(ep.user)
    assert post(client, ep.url, ep.body, "k-2").status_code == 201
    before = ep.count()
    other = post(client, ep.url, ep.other, "k-2")
    assert other.status_code == 422, other.content
    assert "幂等键" in other.json()["detail"]
    assert "Idempotency-Key" in other.json()["errors"]
    assert ep.count() == before


def test_without_a_key_a_retry_creates_again(world, api):
    client = api(world.intake)
    for _ in range(2):
        assert post(client, "/api/cases/", case_body(world.home), None).status_code == 201
    assert Case.objects.count() == 2 and not IdempotencyKey.objects.exists()


def test_the_key_binds_the_body_not_its_key_order(world, api):
    client = api(world.intake)
    body = case_body(world.home)
    first = post(client, "/api/cases/", body, "k-order")
    reordered = dict(reversed(list(body.items())))
    again = post(client, "/api/cases/", reordered, "k-order")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]


def test_keys_are_per_caller(world, api):
    body = case_body(world.home)
    mine = post(api(world.intake), "/api/cases/", body, "shared-key")
    head = post(api(world.head), "/api/cases/", body, "shared-key")
    assert mine.status_code == head.status_code == 201
    assert mine.json()["id"] != head.json()["id"]


def test_anonymous_keys_are_per_address(world):
    ep = endpoint("portal_applications", world)
    one, two = APIClient(REMOTE_ADDR="10.0.0.1"), APIClient(REMOTE_ADDR="10.0.0.2")
    assert post(one, ep.url, ep.body, "anon").status_code == 201
    assert post(two, ep.url, ep.body, "anon").status_code == 201
    assert Case.objects.count() == 2


def test_a_refused_request_is_kept_and_replayed(world, api):
    """Like Stripe: every answer but a 5xx (and a 429) is the key's answer."""
    client = api(world.intake)
    bad = {**case_body(world.home), "category": "nonsense"}
    first = post(client, "/api/cases/", bad, "k-bad")
    assert first.status_code == 400
    again = post(client, "/api/cases/", bad, "k-bad")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert not Case.objects.exists()


def test_a_throttled_request_is_not_kept(world, settings):
    settings.PORTAL_APPLY_PER_IP = 0
    ep = endpoint("portal_applications", world)
    client = APIClient()
    assert post(client, ep.url, ep.body, "k-429").status_code == 429
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "含中文", "a b"])
def test_a_malformed_key_is_a_400(world, api, key):
    r = post(api(world.intake), "/api/cases/", case_body(world.home), key)
    assert r.status_code == 400 and "Idempotency-Key" in r.json()["errors"]
    assert not Case.objects.exists()


def test_a_key_is_kept_24_hours(world):
    client = APIClient()
    client.force_authenticate(world.intake)  # a token would expire within the day
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        first = post(client, "/api/cases/", case_body(world.home), "k-day").json()
    with time_machine.travel(start + dt.timedelta(hours=23, minutes=59), tick=False):
        again = post(client, "/api/cases/", case_body(world.home), "k-day")
        assert again.json()["id"] == first["id"] and again["Idempotent-Replayed"] == "true"
    with time_machine.travel(start + dt.timedelta(hours=24, seconds=1), tick=False):
        later = post(client, "/api/cases/", case_body(world.home), "k-day")
        assert later.status_code == 201 and "Idempotent-Replayed" not in later
        assert later.json()["id"] != first["id"]
    assert Case.objects.count() == 2
    assert IdempotencyKey.objects.count() == 1  # the expired row gave way


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["cases", "petition_transfers", "portal_applications"])
def test_five_parallel_posts_with_one_key_make_one(world, name):
    """The duplicates wait on the first request's key row and then answer its answer."""
    ep = endpoint(name, world)
    token = token_for(ep.user) if ep.user is not None else None
    key = str(uuid.uuid4())
    before = ep.count()
    answers: list[tuple[int, bytes, str | None]] = []
    barrier = threading.Barrier(5)

    def send() -> None:
        try:
            client = APIClient()
            if token:
                client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait(timeout=10)
            r = post(client, ep.url, ep.body, key)
            answers.append((r.status_code, r.content, r.get("Idempotent-Replayed")))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(answers) == 5
    assert {status for status, _, _ in answers} == {201}
    assert len({body for _, body, _ in answers}) == 1  # byte for byte
    assert sorted(str(flag) for _, _, flag in answers) == ["None", *["true"] * 4]
    assert ep.count() == before + 1


def _png(color: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buf, "PNG")
    return buf.getvalue()


def test_an_upload_retried_with_its_key_is_stored_once(world, api):
    """The attachment upload is a creating POST too (multipart): its key binds the file's
    content, not only its name — the same name with other bytes is another request."""
    import io

    from mediation.models import Attachment

    case = world.make_case(State.MEDIATING)
    client = api(world.mediator)
    url = f"/api/cases/{case.pk}/attachments/"

    def upload(content: bytes, key: str):
        file = io.BytesIO(content)
        file.name = "evidence.png"
        return client.post(url, {"kind": "evidence", "file": file}, HTTP_IDEMPOTENCY_KEY=key)

    first = upload(_png((200, 10, 10)), "att-1")
    assert first.status_code == 201, first.content
    again = upload(_png((200, 10, 10)), "att-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Attachment.objects.filter(case=case).count() == 1
    other = upload(_png((10, 200, 10)), "att-1")
    assert other.status_code == 422, other.content
    assert Attachment.objects.filter(case=case).count() == 1

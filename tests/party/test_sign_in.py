"""Sign-in by phone and one-time code (DESIGN.md §12.2): right, wrong, expired, locked,
rate-limited, and the same answer whether or not the phone is on a case."""

import datetime as dt

import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from mediation.law.choices import State
from mediation.models import PartyCode, SmsMessage, SmsStatus
from mediation.ops import sms
from tests.api.conftest import token_for

from .conftest import APPLICANT_PHONE, ask_code, last_code, sign_in, sms_lines

UNKNOWN = "13700000001"


def test_a_known_phone_gets_a_six_digit_code_by_the_file_backend(
    world, django_capture_on_commit_callbacks
):
    world.make_case(State.ACCEPTED)
    r = ask_code(APIClient(), APPLICANT_PHONE, django_capture_on_commit_callbacks)
    assert r.status_code == 204
    assert r["RateLimit-Limit"]
    (line,) = sms_lines()
    assert line["phone"] == APPLICANT_PHONE
    assert len(line["text"]) <= sms.MAX_CHARS
    assert "验证码" in line["text"] and last_code(APPLICANT_PHONE).isdigit()
    assert SmsMessage.objects.get(purpose="code").status == SmsStatus.SENT


def test_the_right_code_opens_a_session_that_lists_the_partys_case(
    world, django_capture_on_commit_callbacks
):
    case = world.make_case(State.ACCEPTED)
    client = APIClient()
    token = sign_in(client, APPLICANT_PHONE, django_capture_on_commit_callbacks)
    client.credentials(HTTP_AUTHORIZATION=f"Party {token}")
    (row,) = client.get("/api/party/cases/").json()
    assert row["number"] == case.number and row["state"] == "accepted"
    assert row["next_step"]
    # a code is used once
    r = APIClient().post(
        "/api/party/session/",
        {"phone": APPLICANT_PHONE, "code": last_code(APPLICANT_PHONE)},
        format="json",
    )
    assert r.status_code == 400


def test_an_unknown_phone_gets_the_same_answers_and_no_message(
    world, django_capture_on_commit_callbacks
):
    world.make_case(State.ACCEPTED)
    client = APIClient()
    known = ask_code(client, APPLICANT_PHONE, django_capture_on_commit_callbacks)
    unknown = ask_code(client, UNKNOWN, django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 204
    assert known.content == unknown.content == b""
    assert [m["phone"] for m in sms_lines()] == [APPLICANT_PHONE]
    answers = []
    for phone in (APPLICANT_PHONE, UNKNOWN):
        r = client.post("/api/party/session/", {"phone": phone, "code": "000000"}, format="json")
        answers.append((r.status_code, r.json()))
    if last_code(APPLICANT_PHONE) != "000000":
        assert answers[0] == answers[1]
        assert answers[0][0] == 400 and "验证码错误或已过期" in answers[0][1]["detail"]


def test_five_wrong_codes_lock_the_code_for_any_phone(world, django_capture_on_commit_callbacks):
    world.make_case(State.ACCEPTED)
    client = APIClient()
    for phone in (APPLICANT_PHONE, UNKNOWN):
        ask_code(client, phone, django_capture_on_commit_callbacks)
    right = last_code(APPLICANT_PHONE)
    wrong = "111111" if right != "111111" else "222222"
    for phone in (APPLICANT_PHONE, UNKNOWN):
        for _ in range(5):
            r = client.post("/api/party/session/", {"phone": phone, "code": wrong}, format="json")
            assert r.status_code == 400
    locked = [
        client.post("/api/party/session/", {"phone": p, "code": right}, format="json")
        for p in (APPLICANT_PHONE, UNKNOWN)
    ]
    assert [r.status_code for r in locked] == [400, 400]
    assert locked[0].json() == locked[1].json()
    assert "错误次数过多" in locked[0].json()["errors"]["code"][0]
    assert PartyCode.objects.filter(tries=5).count() == 2


def test_a_code_expires_after_five_minutes(world, django_capture_on_commit_callbacks):
    world.make_case(State.ACCEPTED)
    client = APIClient()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        ask_code(client, APPLICANT_PHONE, django_capture_on_commit_callbacks)
    code = last_code(APPLICANT_PHONE)
    with time_machine.travel(start + dt.timedelta(minutes=5, seconds=1), tick=False):
        r = client.post(
            "/api/party/session/", {"phone": APPLICANT_PHONE, "code": code}, format="json"
        )
    assert r.status_code == 400 and "过期" in r.json()["errors"]["code"][0]
    with time_machine.travel(start + dt.timedelta(minutes=4, seconds=59), tick=False):
        r = client.post(
            "/api/party/session/", {"phone": APPLICANT_PHONE, "code": code}, format="json"
        )
    assert r.status_code == 201


def test_codes_are_limited_per_phone_and_per_address(
    world, settings, django_capture_on_commit_callbacks
):
    settings.PARTY_CODE_PER_PHONE = 2
    settings.PARTY_CODE_PER_IP = 3
    client = APIClient()
    codes = [ask_code(client, UNKNOWN, django_capture_on_commit_callbacks) for _ in range(3)]
    assert [r.status_code for r in codes] == [204, 204, 429]
    assert int(codes[-1]["Retry-After"]) > 0
    # another phone from the same address: the address's allowance (3) is used up now
    r = ask_code(client, "13700000002", django_capture_on_commit_callbacks)
    assert r.status_code == 429


def test_a_phone_that_is_not_a_mobile_number_is_a_400(db):
    r = APIClient().post("/api/party/code/", {"phone": "12345"}, format="json")
    assert r.status_code == 400 and "phone" in r.json()["errors"]
    r = APIClient().post(
        "/api/party/session/", {"phone": APPLICANT_PHONE, "code": "12ab"}, format="json"
    )
    assert r.status_code == 400 and "code" in r.json()["errors"]


def test_the_api_takes_the_number_as_its_schema_states_and_the_page_as_typed(
    world, django_capture_on_commit_callbacks
):
    """The schema's pattern is the API's rule (schemathesis, issue 29: "0" passed the
    schema and was refused); the sign-in page still takes a number with spaces."""
    world.make_case(State.ACCEPTED)
    for typed in ("138 0013 8000", "1380013800a", "23800138000"):
        r = APIClient().post("/api/party/code/", {"phone": typed}, format="json")
        assert r.status_code == 400 and r.json()["errors"]["phone"], typed
    r = ask_code(APIClient(), "+86" + APPLICANT_PHONE, django_capture_on_commit_callbacks)
    assert r.status_code == 204
    spaced = f"{APPLICANT_PHONE[:3]} {APPLICANT_PHONE[3:7]} {APPLICANT_PHONE[7:]}"
    with django_capture_on_commit_callbacks(execute=True):
        page = Client().post("/party/", {"phone": spaced})
    assert page.status_code in (200, 302)
    assert [line["phone"] for line in sms_lines()] == [APPLICANT_PHONE, APPLICANT_PHONE]


def test_the_party_api_needs_a_party_token(world):
    assert APIClient().get("/api/party/cases/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Party not-a-token")
    assert client.get("/api/party/cases/").status_code == 401
    # a staff login is not a party
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.mediator)}")
    assert client.get("/api/party/cases/").status_code == 401


def test_a_gateway_that_is_down_keeps_the_message_queued_and_retried(
    world, settings, django_capture_on_commit_callbacks, caplog
):
    world.make_case(State.ACCEPTED)
    # only the code in the outbox (the acceptance's notices were never tried here)
    SmsMessage.objects.exclude(purpose="code").delete()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"  # the discard port: nothing listens
    settings.SMS_HTTP_TIMEOUT_SECONDS = 0.5
    r = ask_code(APIClient(), APPLICANT_PHONE, django_capture_on_commit_callbacks)
    assert r.status_code == 204  # never a 500
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.QUEUED and message.attempts == 1
    assert message.last_error.startswith("http")
    assert "not delivered" in caplog.text
    # the gateway is back: the sweep's retry delivers it once its backoff is over
    settings.SMS_BACKEND = "file"
    assert sms.retry_due() == {"tried": 0, "sent": 0}
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=False):
        assert sms.retry_due() == {"tried": 1, "sent": 1}
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.attempts == 2
    assert [m["phone"] for m in sms_lines()] == [APPLICANT_PHONE]


def test_a_message_is_given_up_after_the_last_attempt(db, settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = "http://127.0.0.1:9/sms"
    settings.SMS_HTTP_TIMEOUT_SECONDS = 0.5
    settings.SMS_MAX_ATTEMPTS = 1
    message = sms.queue(APPLICANT_PHONE, "测试", "notice")
    assert sms.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.status == SmsStatus.FAILED


def test_the_console_backend_prints(db, settings, capsys):
    settings.SMS_BACKEND = "console"
    message = sms.queue(APPLICANT_PHONE, "测试短信", "notice")
    assert sms.deliver(message.pk) is True
    assert "测试短信" in capsys.readouterr().out

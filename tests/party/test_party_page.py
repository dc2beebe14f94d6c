"""The party's page and API (DESIGN.md §12.2): their cases with state and next step,
notices with read receipts that are events (电子送达, CPL art 90), evidence through the
attachment checks, and nothing of any other case (404)."""

import datetime as dt
import io
import re

import time_machine
from django.test import Client
from django.utils import timezone
from PIL import Image

from mediation.actions import services
from mediation.law.choices import EventType, State
from mediation.models import Attachment, CaseEvent
from tests.conftest import APPLICANT, RESPONDENT

from .conftest import APPLICANT_PHONE, RESPONDENT_PHONE, last_code, party_client


def _other_case(world):
    """A case whose parties have other phones."""
    return world.make_case(
        State.ACCEPTED,
        parties=[
            {**APPLICANT, "name": "李秀英", "phone": "13600000011", "id_number": "", "tags": []},
            {**RESPONDENT, "name": "王德明", "phone": "13600000012", "id_number": ""},
        ],
    )


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    return out.getvalue()


def _with_session(world, case, now=None):
    services.add_session(
        case,
        world.mediator,
        {
            "held_at": (now or timezone.now()).isoformat(),
            "place": "红寺堡镇调解室",
            "attendees": "双方当事人",
            "record": "双方陈述意见。",
        },
    )


def test_the_party_sees_state_next_step_and_notices(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.MEDIATING)
    _with_session(world, case)
    client = party_client(RESPONDENT_PHONE, django_capture_on_commit_callbacks)
    (row,) = client.get("/api/party/cases/").json()
    assert row["state"] == "mediating" and row["next_step"]
    assert [n["kind"] for n in row["notices"]] == ["acceptance", "session"]
    session_notice = row["notices"][1]
    assert session_notice["title"] == "调解通知" and session_notice["place"] == "红寺堡镇调解室"
    # their own data in full, the other side masked
    assert row["me"][0]["name"] == RESPONDENT["name"]
    assert row["me"][0]["phone"] == RESPONDENT_PHONE
    names = {p["name"] for p in row["parties"]}
    assert RESPONDENT["name"] in names and "马**" in names and APPLICANT["name"] not in names
    assert APPLICANT["id_number"] not in str(row) and APPLICANT_PHONE not in str(row)


def test_a_read_receipt_is_an_event_with_time_and_address(
    world, django_capture_on_commit_callbacks
):
    case = world.make_case(State.ACCEPTED)
    client = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    at = timezone.now().replace(microsecond=0)

    with time_machine.travel(at, tick=False):
        r = client.post(
            f"/api/party/cases/{case.pk}/notices/acceptance/read/", REMOTE_ADDR="10.1.2.3"
        )
    assert r.status_code == 200
    (event,) = CaseEvent.objects.filter(case=case, type=EventType.PARTY_NOTICE_READ)
    assert event.at == at and event.actor is None
    data = event.payload["data"]
    assert data["address"] == "10.1.2.3" and data["notice"] == "acceptance"
    assert data["basis"] == "民事诉讼法第九十条" and data["party_name"] == APPLICANT["name"]
    # read again: still one receipt, the first time kept
    r2 = client.post(f"/api/party/cases/{case.pk}/notices/acceptance/read/")
    assert r2.json()["read_at"] == r.json()["read_at"]
    assert CaseEvent.objects.filter(type=EventType.PARTY_NOTICE_READ).count() == 1
    (row,) = client.get("/api/party/cases/").json()
    assert row["notices"][0]["read_at"]
    # the mediator's case page shows who read what
    staff = Client()
    staff.force_login(world.mediator)
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert "当事人网上送达" in page and "受理通知" in page and "10.1.2.3" in page


def test_termination_and_agreement_notices(world, django_capture_on_commit_callbacks):
    failed = world.make_case(State.FAILED)
    agreed = world.make_case(State.AGREED)
    client = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    rows = {r["id"]: r for r in client.get("/api/party/cases/").json()}
    assert "termination" in [n["kind"] for n in rows[failed.pk]["notices"]]
    agreement = next(n for n in rows[agreed.pk]["notices"] if n["kind"] == "agreement")
    assert re.fullmatch(r"[0-9a-f]{64}", agreement["sha256"])
    assert "排水沟" in agreement["text"]


def test_a_party_of_another_case_gets_404_everywhere(world, django_capture_on_commit_callbacks):
    mine = world.make_case(State.ACCEPTED)
    theirs = _other_case(world)
    client = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    assert [r["id"] for r in client.get("/api/party/cases/").json()] == [mine.pk]
    assert client.post(f"/api/party/cases/{theirs.pk}/notices/acceptance/read/").status_code == 404
    r = client.post(
        f"/api/party/cases/{theirs.pk}/attachments/",
        {"file": io.BytesIO(_png())},
        format="multipart",
    )
    assert r.status_code == 404
    assert client.post(f"/api/party/cases/{mine.pk}/notices/nothing-1/read/").status_code == 404
    assert not CaseEvent.objects.filter(case=theirs, type=EventType.PARTY_NOTICE_READ).exists()
    assert not Attachment.objects.filter(case=theirs).exists()


def test_evidence_goes_through_the_attachment_checks(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.MEDIATING)
    client = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    png = io.BytesIO(_png())
    png.name = "照片.png"
    r = client.post(f"/api/party/cases/{case.pk}/attachments/", {"file": png}, format="multipart")
    assert r.status_code == 201, r.content
    att = Attachment.objects.get(case=case)
    assert att.kind == "evidence" and att.uploaded_by is None
    event = CaseEvent.objects.filter(case=case, type=EventType.CASE_UPDATED).last()
    assert event.payload["data"]["by_party"] and event.payload["data"]["record"] == "attachment"
    fake = io.BytesIO(b"MZ not an image")
    fake.name = "x.png"
    r = client.post(f"/api/party/cases/{case.pk}/attachments/", {"file": fake}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()["errors"]


def test_the_page_signs_in_with_phone_then_code(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.ACCEPTED)
    client = Client()
    page = client.get("/party/")
    assert page.status_code == 200 and 'name="phone"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/party/", {"phone": APPLICANT_PHONE})
    assert r.status_code == 200 and 'name="code"' in r.content.decode()
    r = client.post("/party/", {"code": "12"})
    assert r.status_code == 400
    r = client.post("/party/", {"code": last_code(APPLICANT_PHONE)})
    assert r.status_code == 302
    home = client.get("/party/").content.decode()
    assert case.number in home and "受理通知" in home and "下一步" in home
    r = client.post(f"/party/cases/{case.pk}/notices/acceptance/read/")
    assert r.status_code == 302
    assert CaseEvent.objects.filter(case=case, type=EventType.PARTY_NOTICE_READ).exists()
    other = _other_case(world)
    assert client.post(f"/party/cases/{other.pk}/notices/acceptance/read/").status_code == 404
    # signed out: the page asks for the phone again
    client.post("/party/", {"action": "logout"})
    assert 'name="phone"' in client.get("/party/").content.decode()


def test_an_expired_party_session_signs_out(world, django_capture_on_commit_callbacks, settings):
    world.make_case(State.ACCEPTED)
    client = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)

    later = timezone.now() + dt.timedelta(minutes=settings.PARTY_SESSION_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        assert client.get("/api/party/cases/").status_code == 401

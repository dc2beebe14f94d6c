"""Confirming and signing (DESIGN.md §12.2): the text and its SHA-256, the drawn signature
stored as PNG with time, address and hash; a corrected text voids the signatures and a
signature on the old text is a 409 with the new one; bad images refused; the paper route."""

import base64
import io

import time_machine
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from mediation.actions import services
from mediation.law.choices import EventType, State
from mediation.models import Attachment, CaseEvent, PartySignature
from tests.api.conftest import token_for
from tests.conftest import AGREEMENT

from .conftest import APPLICANT_PHONE, RESPONDENT_PHONE, party_client


def png_data_url(size=(300, 120)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _doc(client, case, document):
    row = next(r for r in client.get("/api/party/cases/").json() if r["id"] == case.pk)
    return next(d for d in row["documents"] if d["document"] == document)


def _sign(client, case, document="agreement", sha=None, signature=None, **extra):
    sha = sha or _doc(client, case, document)["sha256"]
    return client.post(
        f"/api/party/cases/{case.pk}/confirm/",
        {"document": document, "sha256": sha, "signature": signature or png_data_url()},
        format="json",
        **extra,
    )


def test_both_parties_sign_the_agreement(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.AGREED)
    applicant = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    respondent = party_client(RESPONDENT_PHONE, django_capture_on_commit_callbacks)
    doc = _doc(applicant, case, "agreement")
    assert AGREEMENT["terms"] in doc["text"] and doc["open"] and doc["signed_at"] is None
    at = timezone.now().replace(microsecond=0)
    with time_machine.travel(at, tick=False):
        r = _sign(applicant, case, REMOTE_ADDR="10.0.0.7")
    assert r.status_code == 201, r.content
    assert _sign(respondent, case).status_code == 201
    first = PartySignature.objects.filter(case=case).order_by("id").first()
    assert first.method == "online" and first.signed_at == at and first.address == "10.0.0.7"
    assert first.text_sha256 == doc["sha256"]
    with default_storage.open(first.image.name, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    events = CaseEvent.objects.filter(case=case, type=EventType.PARTY_SIGNED)
    assert [e.payload["data"]["sha256"] for e in events] == [doc["sha256"]] * 2
    assert _doc(applicant, case, "agreement")["signed_at"]
    staff = Client()
    staff.force_login(world.mediator)
    page = staff.get(f"/cases/{case.pk}/").content.decode()
    assert page.count('data-document="agreement"') == 2
    assert 'data-document="agreement" data-party' in page and "网上签署" in page


def test_a_signature_on_a_changed_text_is_a_409_with_the_new_text(
    world, django_capture_on_commit_callbacks
):
    case = world.make_case(State.AGREED)
    applicant = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    old = _doc(applicant, case, "agreement")["sha256"]
    r = _sign(applicant, case, sha="0" * 64)
    assert r.status_code == 409
    body = r.json()
    assert body["sha256"] == old and AGREEMENT["terms"] in body["text"]
    assert body["current_state"] == "agreed"
    assert not PartySignature.objects.exists()


def test_a_correction_of_the_text_voids_the_signatures(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.AGREED)
    applicant = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    old = _doc(applicant, case, "agreement")["sha256"]
    assert _sign(applicant, case).status_code == 201
    assert _sign(applicant, case, "confirmation_application").status_code == 201
    # the court refuses; the mediator resumes and the parties agree on corrected terms
    case = services.perform(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    world.register_confirmation(case)
    case = services.perform(case, "reject_confirmation", world.judge, {"grounds": "内容不明确"})
    case = services.perform(case, "resume", world.mediator, {"note": "修改协议"})
    today = timezone.localdate()
    services.perform(
        case,
        "reach_agreement",
        world.mediator,
        {
            **AGREEMENT,
            "terms": "被申请人于五日内改建排水沟。",
            "performance_due": today.isoformat(),
            "effective_date": today.isoformat(),
        },
    )
    doc = _doc(applicant, case, "agreement")
    assert doc["sha256"] != old and doc["signed_at"] is None
    assert _doc(applicant, case, "confirmation_application")["signed_at"] is None
    r = _sign(applicant, case, sha=old)
    assert r.status_code == 409 and "五日内" in r.json()["text"]
    staff = Client()
    staff.force_login(world.mediator)
    assert "原签名因文本更正失效" in staff.get(f"/cases/{case.pk}/").content.decode()
    assert _sign(applicant, case).status_code == 201


def test_bad_signatures_are_refused(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.AGREED)
    client = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    jpeg = io.BytesIO()
    Image.new("RGB", (10, 10)).save(jpeg, "JPEG")
    bad = [
        "data:image/jpeg;base64," + base64.b64encode(jpeg.getvalue()).decode(),
        "data:image/png;base64," + base64.b64encode(b"GIF89a not a png").decode(),
        "data:image/png;base64,%%%",
        "data:image/png;base64," + "A" * (300 * 1024),
        png_data_url((3000, 1000)),
    ]
    for value in bad:
        r = _sign(client, case, signature=value)
        assert r.status_code == 400 and "signature" in r.json()["errors"], value[:40]
    assert not PartySignature.objects.exists()


def test_signing_is_for_an_agreed_case_of_ones_own(world, django_capture_on_commit_callbacks):
    mediating = world.make_case(State.MEDIATING)
    client = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    r = client.post(
        f"/api/party/cases/{mediating.pk}/confirm/",
        {"document": "agreement", "sha256": "0" * 64, "signature": png_data_url()},
        format="json",
    )
    assert r.status_code == 409 and r.json()["current_state"] == "mediating"
    other = world.make_case(
        State.AGREED,
        parties=[
            {"role": "applicant", "kind": "person", "name": "李秀英", "phone": "13600000011"},
            {"role": "respondent", "kind": "person", "name": "王德明", "phone": "13600000012"},
        ],
    )
    r = client.post(
        f"/api/party/cases/{other.pk}/confirm/",
        {"document": "agreement", "sha256": "0" * 64, "signature": png_data_url()},
        format="json",
    )
    assert r.status_code == 404


def test_the_paper_route_is_recorded(world):
    case = world.make_case(State.AGREED)
    scan = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(scan, "PNG")
    scan.seek(0)
    scan.name = "协议签字页.png"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.mediator)}")
    r = api.post(
        f"/api/cases/{case.pk}/attachments/", {"kind": "other", "file": scan}, format="multipart"
    )
    assert r.status_code == 201, r.content
    att = r.json()
    party = case.case_parties.first().party_id
    r = api.post(
        f"/api/cases/{case.pk}/paper-signatures/",
        {"party": party, "document": "agreement", "attachment": att["id"]},
        format="json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["method"] == "paper"
    signature = PartySignature.objects.get()
    assert signature.attachment_id == att["id"] and signature.recorded_by == world.mediator
    r = api.post(
        f"/api/cases/{case.pk}/paper-signatures/",
        {"party": party, "document": "agreement", "attachment": 999999},
        format="json",
    )
    assert r.status_code == 400 and "attachment" in r.json()["errors"]
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.outsider)}")
    r = outsider.post(
        f"/api/cases/{case.pk}/paper-signatures/",
        {"party": party, "document": "agreement", "attachment": att["id"]},
        format="json",
    )
    assert r.status_code == 404
    assert Attachment.objects.filter(case=case).count() == 1

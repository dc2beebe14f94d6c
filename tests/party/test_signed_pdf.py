"""Signed PDFs (DESIGN.md §12.2): once both parties signed, the stored agreement gets a new
version with the parties' signature page and the organisation's PAdES signature; pyHanko's
validator finds it intact, and not after one byte of the file changes."""

from rest_framework.test import APIClient

from mediation.documents import pades, records
from mediation.law.choices import State
from mediation.models import Document
from tests.api.conftest import token_for

from .conftest import APPLICANT_PHONE, RESPONDENT_PHONE, party_client
from .test_signing import _sign


def test_both_parties_sign_and_the_pdf_validates(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.AGREED)
    applicant = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    respondent = party_client(RESPONDENT_PHONE, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        assert _sign(applicant, case).status_code == 201
    assert not Document.objects.filter(case=case, reason="signed").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert _sign(respondent, case).status_code == 201
    signed = Document.objects.get(case=case, kind="agreement", reason="signed")
    earlier = Document.objects.filter(case=case, kind="agreement").exclude(pk=signed.pk)
    assert earlier.exists() and all(d.reason != "signed" for d in earlier)
    data = records.read(signed, full=True)
    (check,) = pades.verify_pdf(data)
    assert check.intact and check.valid and check.trusted and check.whole_file
    # one byte changed inside the signed range: the validator says so
    tampered = bytearray(data)
    at = data.index(b"stream") + 20
    tampered[at] = (tampered[at] + 1) % 256
    checks = pades.verify_pdf(bytes(tampered))
    assert not all(c.intact and c.valid for c in checks)
    # the court checks it through the API
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.mediator)}")
    r = api.get(f"/api/cases/{case.pk}/documents/agreement.pdf/verify")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["signed"] and body["intact"] and body["version"] == signed.version
    assert "大调解文书签章" in body["signatures"][0]["signer"]
    outsider = APIClient()
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.outsider)}")
    assert outsider.get(f"/api/cases/{case.pk}/documents/agreement.pdf/verify").status_code == 404


def test_an_unsigned_document_says_so(world):
    case = world.make_case(State.AGREED)
    records.ensure(case, "agreement")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.mediator)}")
    body = api.get(f"/api/cases/{case.pk}/documents/agreement.pdf/verify").json()
    assert body["signed"] is False and body["intact"] is False and body["signatures"] == []

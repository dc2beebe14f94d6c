"""The tracking page and the court's case page show whether a signed document still holds
(#29): the same check as GET …/documents/{kind}.pdf/verify, "完整" for the stored file as
signed, "已被改动" once one byte of the stored file changes."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import Document
from mediation.models.crypto import read_stored, seal

from .conftest import APPLICANT_PHONE, RESPONDENT_PHONE, party_client
from .test_signing import _sign


def _signed_case(world, capture):
    case = world.make_case(State.AGREED)
    for phone in (APPLICANT_PHONE, RESPONDENT_PHONE):
        client = party_client(phone, capture)
        with capture(execute=True):
            assert _sign(client, case).status_code == 201
    return case, Document.objects.get(case=case, kind="agreement", reason="signed")


def _change_one_byte(name: str) -> None:
    """The stored file rewritten in place with one byte of its signed content changed."""
    data = bytearray(read_stored(name))
    at = bytes(data).index(b"stream") + 20
    data[at] = (data[at] + 1) % 256
    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(seal(bytes(data)))) == name


def _signatures_block(html: str) -> str:
    start = html.index('id="signature-checks"')
    return html[start : html.index("</ul>", start)]


def test_tracking_page_shows_intact_then_altered(world, django_capture_on_commit_callbacks):
    case, signed = _signed_case(world, django_capture_on_commit_callbacks)
    page = Client().get(f"/track/{case.tracking_token}/")
    assert page.status_code == 200
    block = _signatures_block(page.content.decode())
    assert "已电子签署" in block and "完整" in block and "已被改动" not in block
    assert "大调解文书签章" in block  # the signer named by the certificate
    # the public page checks the masked copy; one byte changed there is seen
    _change_one_byte(signed.masked_file.name)
    block = _signatures_block(Client().get(f"/track/{case.tracking_token}/").content.decode())
    assert "已被改动" in block and "完整）" not in block


def test_the_court_sees_the_check_on_its_case_page(world, django_capture_on_commit_callbacks):
    case, signed = _signed_case(world, django_capture_on_commit_callbacks)
    services.perform(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    clerk = Client()
    clerk.force_login(world.staff(world.court, "clerk"))
    block = _signatures_block(clerk.get(f"/cases/{case.pk}/").content.decode())
    assert "已电子签署" in block and "完整" in block
    # the court is shown the full copy while the handoff is open (DESIGN §9)
    _change_one_byte(signed.file.name)
    block = _signatures_block(clerk.get(f"/cases/{case.pk}/").content.decode())
    assert "已被改动" in block


def test_an_unsigned_case_shows_no_signature_line(world):
    case = world.make_case(State.AGREED)
    html = Client().get(f"/track/{case.tracking_token}/").content.decode()
    assert 'id="signature-checks"' not in html

"""GET /api/cases/{id}/documents/{kind}.pdf and the case file stored at archive."""

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from mediation.law.choices import EventType, State
from mediation.models import Case, CaseEvent, crypto

from .conftest import assert_in_order, page_count, pdftotext


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def url(case, kind):
    return f"/api/cases/{case.pk}/documents/{kind}.pdf"


def test_handler_downloads_a_pdf(world):
    case = world.make_case(State.CONFIRMING)
    before = CaseEvent.objects.filter(case=case).count()
    response = client_for(world.mediator).get(url(case, "agreement"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" not in response["Content-Disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert_in_order(pdftotext(pdf), ["调解协议书", case.number, "马建国", "640303195503010030"])
    # the export is recorded (DESIGN §9)
    events = CaseEvent.objects.filter(case=case).order_by("id")
    assert events.count() == before + 1
    last = events.last()
    assert last.type == EventType.CASE_UPDATED
    assert last.payload["data"] == {
        "record": "export",
        "document": "agreement",
        "masked": False,
        "versions": [1],
    }
    assert last.actor == world.mediator


def test_outsider_gets_404_and_anonymous_401(world):
    case = world.make_case(State.AGREED)
    response = client_for(world.outsider).get(url(case, "agreement"))
    assert response.status_code == 404
    assert response.json()["detail"] == "案件不存在"
    assert b"%PDF" not in response.content
    assert client_for(None).get(url(case, "agreement")).status_code == 401
    missing = client_for(world.mediator).get(f"/api/cases/{case.pk + 999}/documents/agreement.pdf")
    assert missing.status_code == 404


def test_partner_court_sees_full_numbers_audited(world):
    """§9: the court rules on who the parties are: its copy of the application is full
    while its handoff is open or decided; each full view is an AuditEvent."""
    from mediation.models import AuditEvent

    case = world.make_case(State.CONFIRMING)
    response = client_for(world.judge).get(url(case, "confirmation_application"))
    assert response.status_code == 200
    text = pdftotext(response.content)
    assert "司法确认申请书" in text
    assert "640303195503010030" in text and "640303********0030" not in text
    export = CaseEvent.objects.filter(case=case, actor=world.judge).last()
    assert export.payload["data"]["masked"] is False
    audit = AuditEvent.objects.get(type="personal_data.full_view", actor=world.judge)
    assert audit.payload["case"] == case.pk and audit.payload["via"] == "document"
    supervisor = client_for(world.supervisor).get(url(case, "agreement"))
    assert supervisor.status_code == 200
    assert "640303195503010030" not in pdftotext(supervisor.content)


def test_not_applicable_kind_is_404_with_reason(world):
    case = world.make_case(State.MEDIATING)
    response = client_for(world.mediator).get(url(case, "agreement"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "该案件尚未达成调解协议", "errors": {}}
    unknown = client_for(world.mediator).get(url(case, "verdict"))
    assert unknown.status_code == 404
    assert "verdict" in unknown.json()["detail"]


def test_archive_stores_the_case_file(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case(State.ARCHIVED)
    case = Case.objects.get(pk=case.pk)
    assert case.state == State.ARCHIVED
    assert case.case_file.name.startswith("documents/")
    assert default_storage.exists(case.case_file.name)
    # sealed at rest (SM4, issue #30); the store reads it back in clear
    stored = crypto.read_stored(case.case_file.name)
    text = pdftotext(stored)
    assert_in_order(
        text,
        [
            "人民调解卷宗",
            case.number,
            "卷内目录",
            "调解申请书",
            "调解协议书",
            "回访记录",
            "案件流转记录",
            "归档",
        ],
        case.number,
    )
    assert page_count(stored) >= 7
    # the handling organisation downloads the stored file itself
    response = client_for(world.head).get(url(case, "case_file"))
    assert response.status_code == 200
    assert response.content == stored
    # a partner outside the handling organisation gets a masked rendering instead
    assert case.confirmation_court_id is None
    sup = client_for(world.supervisor).get(url(case, "case_file"))
    assert sup.status_code == 200
    assert "640303195503010030" not in pdftotext(sup.content)


def test_case_file_on_demand_before_archive(world):
    case = world.make_case(State.ACCEPTED)
    response = client_for(world.mediator).get(url(case, "case_file"))
    assert response.status_code == 200
    assert_in_order(
        pdftotext(response.content),
        ["人民调解卷宗", "卷内目录", "调解申请书", "受理登记表", "权利义务告知书", "案件流转记录"],
        case.number,
    )
    assert Case.objects.get(pk=case.pk).case_file.name == ""

"""The 卷宗's 案件流转记录 says every step in words (issue #28): who was assigned, what a
subsidy grading decided — never a bare dash where the event carries the facts."""

from django.core.files.uploadedfile import SimpleUploadedFile

from mediation import documents
from mediation.documents.casefile import describe_event
from mediation.law.choices import EventType, State
from mediation.law.identity import display_name
from mediation.models import CaseEvent

from .conftest import add_session, assert_in_order, flat, pdftotext
from .test_records import client_for, pdf_bytes


def test_the_assignment_names_the_mediator(world):
    case = world.make_case(State.ACCEPTED)
    text = flat(pdftotext(documents.render("case_file", case)), case.number)
    row = text.split("指派调解员", 1)[1]
    assert row.split("调解员：", 1)[1].startswith(display_name(case.mediator))


def test_a_subsidy_grading_is_said_in_words(world):
    event = CaseEvent(
        type=EventType.CASE_UPDATED,
        payload={"data": {"record": "subsidy_grade", "grade": "general", "amount": "280.00"}},
    )
    assert describe_event(event) == ("案件更新", "核定补贴等级：一般，补贴280.00元")
    event.payload["data"]["grade"] = "nonsense"
    assert describe_event(event) == ("案件更新", "")


def test_an_investigation_record_is_filed_before_the_sessions(world, settings, tmp_path):
    """调查记录 is a kind of its own in the 卷宗, filed with the evidence before the
    mediation records, and the log says it was received."""
    settings.MEDIA_ROOT = tmp_path
    case = world.make_case(State.MEDIATING)
    add_session(world, case, "第一次调解。")
    resp = client_for(world.mediator).post(
        f"/api/cases/{case.pk}/attachments/",
        {
            "kind": "investigation",
            "file": SimpleUploadedFile("现场调查.pdf", pdf_bytes(1), "application/pdf"),
        },
        format="multipart",
    )
    assert resp.status_code == 201, resp.content
    text = flat(pdftotext(documents.render("case_file", case)), case.number)
    contents = text.split("卷内目录", 1)[1].split("人民调解申请书", 2)[1]
    assert_in_order(contents, ["人民调解权利义务告知书", "调查记录", "人民调解记录"])
    assert "收入调查记录：现场调查.pdf" in text

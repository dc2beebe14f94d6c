"""The 卷宗's 案件流转记录 says every step in words (issue #28): who was assigned, what a
subsidy grading decided — never a bare dash where the event carries the facts."""

from mediation import documents
from mediation.documents.casefile import describe_event
from mediation.law.choices import EventType, State
from mediation.law.identity import display_name
from mediation.models import CaseEvent

from .conftest import flat, pdftotext


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

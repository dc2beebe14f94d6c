"""The 受理登记表 names who acts for a minor (民法典 第二十三条), as the application does:
a receiver of the form must see who signs for the child (issue #28)."""

import datetime as dt

from mediation import documents
from mediation.actions import services
from tests.conftest import case_body
from tests.law.test_law import minor, plain_party, resident_id

from .conftest import flat, pdftotext


def test_acceptance_form_names_the_minors_guardian(world):
    guardian = {
        "kind": "guardian",
        "name": "马建国",
        "id_number": resident_id(dt.date(1980, 1, 1)),
        "phone": "13995300001",
    }
    body = case_body(
        world.home, parties=[minor(representative=guardian), plain_party("respondent", "杨军")]
    )
    case = services.register_case(world.intake, body)
    case = world.advance(case, "accepted")
    text = flat(pdftotext(documents.render("acceptance", case)), case.number)
    assert "法定代理人：马建国" in text
    assert "第2页" not in text  # still the Ministry's one-page form


def test_rights_notice_is_told_to_the_minor_through_the_guardian(world):
    guardian = {
        "kind": "guardian",
        "name": "马建国",
        "id_number": resident_id(dt.date(1980, 1, 1)),
        "phone": "13995300001",
    }
    body = case_body(
        world.home, parties=[minor(representative=guardian), plain_party("respondent", "杨军")]
    )
    case = world.advance(services.register_case(world.intake, body), "accepted")
    child = case.case_parties.get(role="applicant").party.name
    text = flat(pdftotext(documents.render("rights_notice", case)), case.number)
    assert f"{child}（法定代理人：马建国）、杨军：" in text
    assert f"{child}的法定代理人马建国已阅知（签名）" in text and "杨军已阅知（签名）" in text

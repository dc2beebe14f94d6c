"""Issue 30: ID and phone numbers in free text written with spaces, hyphens, full-width
digits, an `ID` prefix or `+86` passed unmasked to sockets, and summaries, claims and
session records reached the supervisor unmasked."""

import pytest
import time_machine
from django.test import Client

from mediation.actions import services
from mediation.events import serialise
from mediation.law.choices import State
from mediation.law.identity import mask_free_text
from mediation.models import CaseEvent

from .test_tokens import client_with, token_for

ID = "640303195503010030"
MOBILE = "13995312345"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("身份证 640303 1955 0301 0030。", "身份证 640303********0030。"),
        ("640303-19550301-0030", "640303********0030"),
        ("６４０３０３１９５５０３０１００３０", "640303********0030"),
        ("ID640303195503010030", "ID640303********0030"),
        ("ID: 64030319550301003x号", "ID: 640303********003X号"),
        ("电话 +86 139 9531 2345", "电话 +86 139****2345"),
        ("+8613995312345", "+86139****2345"),
        ("0086-139-9531-2345", "0086-139****2345"),
        ("１３９９５３１２３４５", "139****2345"),
        ("＋８６１３９９５３１２３４５", "＋８６139****2345"),
        ("139-9531-2345", "139****2345"),
        ("139 9531 2345", "139****2345"),
        ("座机(0953) 501 2345", "座机(0953) ****2345"),
        ("0953－5012345", "0953－****2345"),
    ],
)
def test_every_common_writing_is_masked(text, expected):
    assert mask_free_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "案号（2026）红人调字第0007号，金额30000元",
        "金额 30000 元，2026 年 1 月 15 日",
        "共 12 345 678 901 元",
        "拨打12348热线",
        "账号6222021234567890123",
        "20261201",
    ],
)
def test_other_numbers_are_left_alone(text):
    assert mask_free_text(text) == text


NOTE = "当事人（身份证 640303 1955 0301 0030，电话 +86 139-9531-2345）扬言报复"
HIGH_RISK = {
    "level": "high",
    "note": NOTE,
    "reported_to": "红寺堡派出所",
    "reported_at": "2026-01-05T10:00:00+08:00",
}


def test_spaced_numbers_in_a_risk_note_never_reach_the_socket(world):
    case = world.make_case()
    services.flag_risk(case, world.head, HIGH_RISK)
    event = CaseEvent.objects.filter(case=case, type="case.risk_flagged").get()
    note = serialise(event)["data"]["note"]
    assert "0301 0030" not in note and "9531-2345" not in note
    assert "640303********0030" in note and "+86 139****2345" in note


SPACED = f"{MOBILE[:3]} {MOBILE[3:7]} {MOBILE[7:]}"
SUMMARY = f"申请人马建国（身份证{ID}）与被申请人因宅基地纠纷，联系电话 {SPACED}"
CLAIMS = f"请求返还宅基地；被申请人电话＋８６{MOBILE}"
RECORD = f"双方到场，被申请人出示身份证 {ID[:6]}-{ID[6:14]}-{ID[14:]}"


@pytest.fixture
def told_case(world):
    with time_machine.travel("2026-11-20 10:00 +0800", tick=False):
        case = world.make_case(state=State.MEDIATING, summary=SUMMARY, claims=CLAIMS)
        services.add_session(
            case,
            world.mediator,
            {
                "held_at": "2026-11-20T09:30",
                "place": "红寺堡镇调解室",
                "attendees": "双方当事人",
                "record": RECORD,
            },
        )
    return case


def test_supervisor_reads_the_case_masked_through_the_api(world, told_case):
    r = client_with(token_for(world.supervisor)).get(f"/api/cases/{told_case.pk}/")
    assert r.status_code == 200
    body = r.json()
    for text in (body["summary"], body["claims"], body["sessions"][0]["record"]):
        assert ID not in text and MOBILE not in text and "9531 2345" not in text
        assert "19550301" not in text
    assert "640303********0030" in body["summary"] and "139****2345" in body["summary"]
    assert "宅基地纠纷" in body["summary"]
    # the handling organisation still reads what was written
    mine = client_with(token_for(world.mediator)).get(f"/api/cases/{told_case.pk}/").json()
    assert mine["summary"] == SUMMARY and mine["sessions"][0]["record"] == RECORD


def test_supervisor_reads_the_case_page_masked(world, told_case):
    client = Client()
    client.force_login(world.supervisor)
    page = client.get(f"/cases/{told_case.pk}/").content.decode()
    assert ID not in page and MOBILE not in page and "19550301" not in page
    assert "9531 2345" not in page
    assert "640303********0030" in page and "宅基地纠纷" in page
    client.force_login(world.mediator)
    assert ID in client.get(f"/cases/{told_case.pk}/").content.decode()

"""Finding 9: an ID number in a risk note was pushed unmasked to every organisation; search
terms landed in the access log; U+202E was accepted in names."""

import logging

import pytest

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.events import serialise
from mediation.law.identity import mask_free_text
from mediation.models import CaseEvent
from tests.conftest import APPLICANT, case_body

from .test_tokens import client_with, token_for

NOTE = "当事人马建国（身份证640303195503010030，电话13995312345，座机0953-5012345）扬言报复"

# A high risk carries its report to the police (PML art 25).
HIGH_RISK = {
    "level": "high",
    "note": NOTE,
    "reported_to": "红寺堡派出所",
    "reported_at": "2026-01-05T10:00:00+08:00",
}


def test_risk_note_is_masked_in_the_event_everyone_gets(world):
    case = world.make_case()
    services.flag_risk(case, world.head, HIGH_RISK)
    event = CaseEvent.objects.filter(case=case, type="case.risk_flagged").get()
    text = str(serialise(event))
    for secret in ("640303195503010030", "13995312345", "0953-5012345"):
        assert secret not in text
    note = serialise(event)["data"]["note"]
    assert "640303********0030" in note and "139****2345" in note and "扬言报复" in note
    # The handling organisation still sees the note as written on the case itself.
    case.refresh_from_db()
    assert case.risk_note == NOTE


def test_supervisor_event_feed_is_masked(world):
    case = world.make_case()
    services.flag_risk(case, world.head, HIGH_RISK)
    r = client_with(token_for(world.supervisor)).get("/api/events/?since=0")
    assert r.status_code == 200
    assert "640303195503010030" not in r.content.decode()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("案号（2026）红人调字第0007号，金额30000元", "案号（2026）红人调字第0007号，金额30000元"),
        ("ID 64030319550301003X.", "ID 640303********003X."),
        ("拨打12348热线", "拨打12348热线"),
    ],
)
def test_mask_free_text_leaves_other_numbers(text, expected):
    assert mask_free_text(text) == expected


def test_search_terms_stay_out_of_the_access_log(world, caplog):
    c = client_with(token_for(world.head))
    with caplog.at_level(logging.INFO, logger="datiaojie"):
        r = c.get("/api/cases/", {"q": "640303195503010030 马建国"})
    assert r.status_code == 200
    lines = [
        (rec.getMessage(), getattr(rec, "path", ""))
        for rec in caplog.records
        if rec.name.startswith("datiaojie")
    ]
    assert ("request", "/api/cases/") in lines, lines
    assert not any("640303" in str(line) or "马建国" in str(line) for line in lines)


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f"])
def test_direction_controls_refused_in_names(world, control):
    applicant = {**APPLICANT, "name": f"马建{control}国"}
    body = case_body(world.home, parties=[applicant, case_body(world.home)["parties"][1]])
    with pytest.raises(InvalidFields) as exc:
        services.register_case(world.intake, body)
    assert any("方向控制字符" in m for msgs in exc.value.errors.values() for m in msgs)
    r = client_with(token_for(world.intake)).post("/api/cases/", body, format="json")
    assert r.status_code == 400
    assert "parties[0].name" in r.json()["errors"]

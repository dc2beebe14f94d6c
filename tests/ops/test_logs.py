"""Structured logs (DESIGN.md §9): JSON lines with the actor and the case number, never a
full resident ID number or phone number. The tests drive real requests (registration with
ID and phone numbers, a bad ID, a transition, the public tracking form, a failing request)
and grep everything the loggers wrote."""

import io
import json
import logging

import pytest
from django.test import Client

from mediation.ops.logs import JsonFormatter, scrub
from tests.api.conftest import token_for
from tests.conftest import APPLICANT, RESPONDENT, case_body

FULL = [APPLICANT["id_number"], APPLICANT["phone"], RESPONDENT["id_number"], RESPONDENT["phone"]]


@pytest.fixture
def log_lines():
    """Everything logged (every logger, INFO and up) as JSON lines, like production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", "datiaojie", "django")}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()], stream
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_requests_and_events_are_json_lines_without_full_numbers(
    world, log_lines, django_capture_on_commit_callbacks
):
    read, stream = log_lines
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {token_for(world.intake)}"}
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/api/cases/", case_body(world.home), content_type="application/json", **auth
        )
    assert r.status_code == 201, r.content
    number, pk = r.json()["number"], r.json()["id"]
    # A bad ID number: the 400 names the party; the log must not carry the number.
    bad = case_body(world.home)
    bad["parties"][0] = {**APPLICANT, "id_number": "640303195503010031"}
    r = client.post("/api/cases/", bad, content_type="application/json", **auth)
    assert r.status_code == 400
    # A transition through the pages' door of the API, as the organisation head.
    head = {"HTTP_AUTHORIZATION": f"Token {token_for(world.head)}"}
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/api/cases/{pk}/transitions/accept/",
            {"mediator": world.mediator.pk},
            content_type="application/json",
            **head,
        )
    assert r.status_code == 200, r.content
    # The public tracking form with the applicant's phone, and a query string carrying it.
    client.post("/track/", {"number": number, "phone": APPLICANT["phone"]})
    client.get(f"/track/?phone={APPLICANT['phone']}&id={APPLICANT['id_number']}")
    logging.getLogger("mediation").warning(
        "form value rejected: %s / %s", APPLICANT["id_number"], "0953-1234567"
    )

    text = stream.getvalue()
    for secret in [*FULL, "0953-1234567"]:
        assert secret not in text, secret
    lines = read()
    assert lines, "nothing was logged"
    requests = [x for x in lines if x["logger"] == "datiaojie.requests"]
    created = next(x for x in requests if x["method"] == "POST" and x["status"] == 201)
    assert created["path"] == "/api/cases/" and created["actor"] == "intake"
    assert created["ms"] >= 0
    assert any(x["path"] == "/track/" and "actor" not in x for x in requests)
    events = [x for x in lines if x["logger"] == "datiaojie.events"]
    assert {"type": "case.created", "case": number, "actor_id": world.intake.pk}.items() <= (
        events[0].items()
    )
    accepted = next(x for x in events if x.get("transition") == "accept")
    assert accepted["case"] == number and accepted["actor_id"] == world.head.pk
    masked = next(x for x in lines if x["msg"].startswith("form value rejected"))
    assert masked["msg"] == "form value rejected: 640303********0030 / 0953-****4567"


def test_scrub_masks_numbers_inside_text_but_not_case_numbers_or_ids():
    assert scrub("id=640303195503010030&p=13995312345") == "id=640303********0030&p=139****2345"
    assert scrub("x 64030319550301003X y") == "x 640303********003X y"
    text = "（2026）红人调字第0007号 event 1234567 case 42"
    assert scrub(text) == text


def test_exception_tracebacks_are_scrubbed(log_lines):
    read, stream = log_lines
    try:
        raise ValueError(f"bad party {APPLICANT['id_number']} {APPLICANT['phone']}")
    except ValueError:
        logging.getLogger("mediation").exception("failed")
    assert APPLICANT["id_number"] not in stream.getvalue()
    line = read()[-1]
    assert "640303********0030" in line["exc"] and "139****2345" in line["exc"]

"""Dates that integrators send (issue #31): a date given for a deadline is the end of that
day in Asia/Shanghai, dates are bounded by the case's own history, the petition clock is
closed once the bureau accepted the feedback, the case's due date follows the court
president's extension, and timestamps inside handoffs[].data are +08:00."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from mediation.law.choices import State
from mediation.models import Case, CaseEvent, Handoff
from tests.conftest import case_body

from .conftest import complete, one_task

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 10, tzinfo=SHANGHAI)


def transfer_body(world, **overrides):
    return {
        **case_body(world.home),
        "petition_number": "宁红信转〔2026〕31号",
        "feedback_due": "2026-05-29",
        "received_on": "2026-02-27",
        "petitioner_consent": True,
        **overrides,
    }


@time_machine.travel(NOW, tick=False)
def test_feedback_due_date_is_the_end_of_that_day(world, as_user):
    resp = as_user(world.petition).post(
        "/api/petitions/transfers/", transfer_body(world), format="json"
    )
    assert resp.status_code == 201, resp.content
    handoff = Handoff.objects.get(case_id=resp.json()["id"], kind="petition")
    assert timezone.localtime(handoff.due_at).isoformat() == "2026-05-29T23:59:59+08:00"
    body = as_user(world.petition).get(f"/api/cases/{resp.json()['id']}/").json()
    assert body["petition"]["feedback_due"] == "2026-05-29T23:59:59+08:00"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "field,value",
    [
        ("notified_on", "2000-01-01"),  # before the petition was received
        ("notified_on", "2026-02-26"),
        ("received_on", "1999-12-31"),  # before the regulation's time
    ],
)
def test_petition_dates_are_bounded(world, as_user, field, value):
    resp = as_user(world.petition).post(
        "/api/petitions/transfers/", transfer_body(world, **{field: value}), format="json"
    )
    assert resp.status_code == 400, resp.content
    assert field in resp.json()["errors"]


@time_machine.travel(NOW, tick=False)
def test_notice_date_before_receipt_refused_on_the_clock(world, as_user):
    petition = as_user(world.petition)
    resp = petition.post("/api/petitions/transfers/", transfer_body(world), format="json")
    case_id = resp.json()["id"]
    url = f"/api/cases/{case_id}/petition/clock/"
    resp = petition.post(url, {"action": "notified", "notified_on": "2000-01-01"}, format="json")
    assert resp.status_code == 400, resp.content
    assert "notified_on" in resp.json()["errors"]
    ok = petition.post(url, {"action": "notified", "notified_on": "2026-02-28"}, format="json")
    assert ok.status_code == 200, ok.content


def test_petition_clock_is_closed_after_acceptance(world, as_user):
    mediator, petition = as_user(world.mediator), as_user(world.petition)
    resp = petition.post(
        "/api/petitions/transfers/",
        transfer_body(
            world,
            feedback_due=(timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            received_on="",
        ),
        format="json",
    )
    case = Case.objects.get(pk=resp.json()["id"])
    world.advance(case, State.AGREED)
    complete(
        mediator, one_task(mediator, "petition.feedback", case), decision="submit", feedback="好"
    )
    assert complete(petition, one_task(petition, "petition.review", case), decision="accept")
    handoff = Handoff.objects.get(case=case, kind="petition")
    assert handoff.status == "closed"
    url = f"/api/cases/{case.pk}/petition/clock/"
    resp = petition.post(url, {"action": "extend", "days": 10, "reason": "复杂"}, format="json")
    assert resp.status_code == 409, resp.content
    assert resp.json()["current_state"] == "closed"
    handoff.refresh_from_db()
    assert not handoff.data["clocks"]["handle"]["extended_days"]


@time_machine.travel(NOW, tick=True)
def test_case_due_follows_the_presidents_extension(world, as_user):
    case = world.make_case(State.CONFIRMING)
    clerk, judge = as_user(world.clerk), as_user(world.judge)
    complete(
        clerk,
        one_task(clerk, "confirmation.register", case),
        decision="register",
        number="（2026）宁0303民特31号",
    )
    task = one_task(judge, "confirmation.decide", case)
    resp = complete(
        judge, task, decision="extend", approved_by=world.president.pk, reason="案情复杂"
    )
    assert resp.status_code == 200, resp.content
    handoff = Handoff.objects.get(case=case, kind="confirmation")
    case.refresh_from_db()
    assert case.due_at == handoff.due_at
    moved = [
        e
        for e in CaseEvent.objects.filter(case=case, type="case.updated")
        if e.payload["data"].get("due_at") == timezone.localtime(handoff.due_at).isoformat()
    ]
    assert len(moved) == 1
    # the handoff's data speaks +08:00 like the rest of the API
    data = as_user(world.clerk).get(f"/api/cases/{case.pk}/").json()["handoffs"][-1]["data"]
    assert data["registered_at"].endswith("+08:00")
    assert data["extension"]["at"].endswith("+08:00")


@time_machine.travel(NOW, tick=False)
def test_stored_utc_timestamps_render_as_shanghai(world, as_user):
    case = world.make_case(State.CONFIRMING)
    handoff = Handoff.objects.get(case=case, kind="confirmation")
    handoff.data = {**handoff.data, "registered_at": "2026-03-02T02:00:00+00:00", "n": "x"}
    handoff.save(update_fields=["data"])
    data = as_user(world.clerk).get(f"/api/cases/{case.pk}/").json()["handoffs"][-1]["data"]
    assert data["registered_at"] == "2026-03-02T10:00:00+08:00"
    assert data["n"] == "x"


@time_machine.travel(NOW, tick=True)
@pytest.mark.parametrize("ruling_date", ["2000-01-01", "2026-03-20"])
def test_ruling_date_bounded(world, as_user, ruling_date):
    """Not before the agreement took effect (nothing to confirm yet), not in the future."""
    case = world.make_case(State.CONFIRMING)
    clerk, judge = as_user(world.clerk), as_user(world.judge)
    complete(
        clerk,
        one_task(clerk, "confirmation.register", case),
        decision="register",
        number="（2026）宁0303民特32号",
    )
    task = one_task(judge, "confirmation.decide", case)
    resp = complete(judge, task, decision="confirm", ruling_date=ruling_date)
    assert resp.status_code == 400, resp.content
    assert "ruling_date" in resp.json()["errors"]
    assert complete(judge, task, decision="confirm", ruling_date="2026-03-02").status_code == 200


@time_machine.travel(NOW, tick=False)
def test_agreed_extension_date_is_the_end_of_that_day(world, as_user):
    case = world.make_case(State.MEDIATING)
    resp = as_user(world.head).post(
        f"/api/cases/{case.pk}/transitions/extend/",
        {"due_at": "2026-12-31", "reason": "双方同意延期", "consent": True},
        format="json",
    )
    assert resp.status_code == 200, resp.content
    case.refresh_from_db()
    assert timezone.localtime(case.due_at).isoformat() == "2026-12-31T23:59:59+08:00"
    bad = as_user(world.head).post(
        f"/api/cases/{case.pk}/transitions/extend/",
        {"due_at": "2026-02-30", "reason": "x", "consent": True},
        format="json",
    )
    assert bad.status_code == 400 and "due_at" in bad.json()["errors"]

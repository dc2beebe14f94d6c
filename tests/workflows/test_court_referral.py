import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import Case, CaseAccess, Handoff
from tests.conftest import case_body
from workflows.models import CaseTask

from .conftest import complete, inbox, one_task

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def refer(world, as_user):
    def make(**extra):
        body = {**case_body(world.home), "referral_number": "（2026）宁0303诉前调1号", **extra}
        resp = as_user(world.clerk).post("/api/courts/referrals/", body, format="json")
        assert resp.status_code == 201, resp.content
        return Case.objects.get(pk=resp.json()["id"])

    return make


@pytest.mark.parametrize(
    ("extra", "last_day"),
    [
        ({}, "2026-12-03"),
        ({"kind": "pre_filing"}, "2026-12-03"),  # 委派: 30 days
        ({"kind": "post_filing"}, "2026-11-18"),  # 委托: 15 days
        ({"kind": "post_filing", "summary_procedure": True}, "2026-11-10"),  # summary: 7
    ],
)
def test_limits_run_from_sign_for(world, refer, extra, last_day):
    """The court's limit runs from the day the organisation signs for the materials —
    its acceptance (3 Nov) — not from the referral (2 Nov)."""
    with time_machine.travel(NOW, tick=False):
        case = refer(**extra)
    handoff = Handoff.objects.get(case=case, kind="court_referral")
    assert handoff.due_at is None
    assert handoff.org == world.court
    assert case.channel == "court_referral" and case.org == world.home
    assert CaseAccess.objects.filter(case=case, org=world.court).exists()
    signed = NOW + dt.timedelta(days=1)
    case = services.perform(case, "accept", world.head, {"mediator": world.mediator.pk}, now=signed)
    assert case.materials_received_at == signed
    assert timezone.localtime(case.due_at).isoformat() == f"{last_day}T23:59:59+08:00"
    handoff.refresh_from_db()
    assert handoff.due_at == case.due_at


def test_explicit_due_and_validation(world, refer, as_user):
    case = refer(due_at="2099-03-01T12:00:00+08:00", extension_agreed=True)
    assert Handoff.objects.get(case=case).due_at.isoformat().startswith("2099-03-01T04:00")
    case = services.perform(case, "accept", world.head, {"mediator": world.mediator.pk})
    assert case.due_at.isoformat().startswith("2099-03-01T04:00")  # the court's own date
    assert "指定" in case.due_basis
    client = as_user(world.clerk)
    body = {**case_body(world.home), "kind": "appeal"}
    resp = client.post("/api/courts/referrals/", body, format="json")
    assert resp.status_code == 400
    assert {"referral_number", "kind"} <= set(resp.json()["errors"])
    for user in (world.judge, world.mediator, world.petition):
        body = {**case_body(world.home), "referral_number": "X"}
        assert as_user(user).post("/api/courts/referrals/", body, format="json").status_code == 403


def test_failed_mediation_is_filed_and_referred_to_litigation(world, refer, as_user):
    case = refer()
    clerk = as_user(world.clerk)
    assert inbox(clerk, case=case) == []
    world.advance(case, State.FAILED)
    task = one_task(clerk, "court.outcome", case)
    assert {d["decision"] for d in task["decisions"]} == {"file", "acknowledge"}
    assert one_task(as_user(world.judge), "court.outcome", case)["id"] == task["id"]
    assert complete(as_user(world.mediator), task, decision="file").status_code == 404
    resp = complete(clerk, task, decision="file", filing_number="（2026）宁0303民初88号")
    assert resp.status_code == 200, resp.content
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert (case.referral_route, case.referral_org) == ("litigation", world.court)
    assert "（2026）宁0303民初88号" in case.referral_result
    # the court filed the case itself: no referral task back to the same court
    assert not CaseTask.objects.filter(case=case, status="NEW").exclude(kind="").exists()
    assert Handoff.objects.get(case=case, kind="court_referral").result == "filed"


def test_agreement_confirmed_through_the_confirmation_flow(world, refer, as_user):
    case = refer()
    world.advance(case, State.AGREED)
    clerk, judge = as_user(world.clerk), as_user(world.judge)
    task = one_task(clerk, "court.outcome", case)
    assert {d["decision"] for d in task["decisions"]} == {
        "confirm",
        "mediation_document",
        "acknowledge",
    }
    assert complete(clerk, task, decision="confirm").status_code == 400  # joint application
    resp = complete(clerk, task, decision="confirm", joint_application=True)
    assert resp.status_code == 200, resp.content
    case.refresh_from_db()
    assert case.state == State.CONFIRMING and case.confirmation_court == world.court
    register = one_task(clerk, "confirmation.register", case)
    complete(clerk, register, decision="register", number="（2026）宁0303民特3号")
    resp = complete(judge, one_task(judge, "confirmation.decide", case), decision="confirm")
    assert resp.status_code == 200
    case.refresh_from_db()
    assert case.state == State.CONFIRMED


def test_agreement_closed_by_mediation_document(world, refer, as_user):
    case = refer()
    world.advance(case, State.AGREED)
    clerk = as_user(world.clerk)
    task = one_task(clerk, "court.outcome", case)
    resp = complete(clerk, task, decision="mediation_document", number="（2026）宁0303民调5号")
    assert resp.status_code == 200
    handoff = Handoff.objects.get(case=case, kind="court_referral")
    assert handoff.result == "mediation_document"
    assert handoff.data["mediation_document"] == "（2026）宁0303民调5号"


def test_withdrawn_case_is_acknowledged(world, refer, as_user):
    case = refer()
    services.perform(case, "withdraw", world.head, {"note": "申请人撤回"})
    clerk = as_user(world.clerk)
    task = one_task(clerk, "court.outcome", case)
    assert [d["decision"] for d in task["decisions"]] == ["acknowledge"]
    assert complete(clerk, task, decision="acknowledge", note="已知悉").status_code == 200
    assert Handoff.objects.get(case=case).status == "closed"
    assert timezone.now()


def test_an_agreed_extension_moves_the_courts_date(world, refer):
    with time_machine.travel(NOW, tick=False):
        case = refer()
        case = services.perform(case, "accept", world.head, {"mediator": world.mediator.pk})
        case = services.perform(case, "begin", world.mediator, {"consent": True})
        later = (case.due_at + dt.timedelta(days=15)).isoformat()
        case = services.perform(
            case, "extend", world.head, {"due_at": later, "reason": "双方同意", "consent": True}
        )
    handoff = Handoff.objects.get(case=case, kind="court_referral")
    assert handoff.due_at == case.due_at
    # recorded in +08:00 like the rest of the API (#31)
    assert handoff.data["agreed_extension"]["due_at"] == timezone.localtime(case.due_at).isoformat()

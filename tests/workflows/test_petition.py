import datetime as dt

import pytest
from django.utils import timezone

from mediation.law import petitions
from mediation.law.choices import State
from mediation.models import Case, CaseAccess, Handoff
from mediation.web.forms_desks import PetitionTransferForm
from tests.conftest import case_body
from workflows.api import petition_transfer_request

from .conftest import complete, inbox, one_task


@pytest.fixture
def transfer(world, as_user):
    def make(**overrides):
        body = {
            **case_body(world.home),
            "petition_number": "宁红信转〔2026〕15号",
            "feedback_due": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            "petitioner_consent": True,
            **overrides,
        }
        resp = as_user(world.petition).post("/api/petitions/transfers/", body, format="json")
        assert resp.status_code == 201, resp.content
        return Case.objects.get(pk=resp.json()["id"])

    return make


def test_only_petition_officers_transfer(world, as_user):
    body = {**case_body(world.home), "petition_number": "X", "feedback_due": "2099-01-01"}
    for user in (world.mediator, world.clerk, world.intake):
        resp = as_user(user).post("/api/petitions/transfers/", body, format="json")
        assert resp.status_code == 403, user


def test_transfer_validation(world, as_user):
    client = as_user(world.petition)
    resp = client.post("/api/petitions/transfers/", case_body(world.home), format="json")
    assert resp.status_code == 400
    assert {"petition_number", "feedback_due"} <= set(resp.json()["errors"])
    body = {**case_body(world.home), "petition_number": "X", "feedback_due": "2001-01-01"}
    assert client.post("/api/petitions/transfers/", body, format="json").status_code == 400
    body = {
        **case_body(world.petition_bureau),
        "petition_number": "X",
        "feedback_due": "2099-01-01",
        "petitioner_consent": True,
    }
    resp = client.post("/api/petitions/transfers/", body, format="json")
    assert resp.status_code == 400 and "org" in resp.json()["errors"]
    assert not Case.objects.exists()


def test_petition_flow_accepted(world, transfer, as_user):
    case = transfer()
    assert case.channel == "petition_transfer" and case.org == world.home
    assert CaseAccess.objects.filter(case=case, org=world.petition_bureau).exists()
    handoff = Handoff.objects.get(case=case, kind="petition")
    assert handoff.external_number == "宁红信转〔2026〕15号"
    mediator, petition = as_user(world.mediator), as_user(world.petition)
    assert inbox(mediator, case=case) == []  # nothing until an outcome
    world.advance(case, State.AGREED)

    task = one_task(mediator, "petition.feedback", case)
    assert task["due_at"] is not None
    assert one_task(as_user(world.head), "petition.feedback", case)["id"] == task["id"]
    assert complete(as_user(world.outsider), task, decision="submit").status_code == 404
    resp = complete(mediator, task, decision="submit", feedback="双方达成协议，已履行。")
    assert resp.status_code == 200, resp.content

    review = one_task(petition, "petition.review", case)
    assert {d["decision"] for d in review["decisions"]} == {"accept", "return"}
    assert complete(mediator, review, decision="accept").status_code == 404
    assert complete(petition, review, decision="accept").status_code == 200
    handoff.refresh_from_db()
    assert (handoff.status, handoff.result) == ("closed", "handled")
    assert inbox(petition, case=case) == [] and inbox(mediator, case=case) == []


def test_returned_failed_case_goes_back_to_mediating(world, transfer, as_user):
    case = transfer()
    world.advance(case, State.FAILED)
    mediator, petition = as_user(world.mediator), as_user(world.petition)
    complete(
        mediator,
        one_task(mediator, "petition.feedback", case),
        decision="submit",
        feedback="双方分歧较大，调解终止。",
    )
    review = one_task(petition, "petition.review", case)
    assert complete(petition, review, decision="return").status_code == 400  # note required
    resp = complete(
        petition, review, decision="return", note="请进一步做好释法说理工作", consent=True
    )
    assert resp.status_code == 200, resp.content
    case.refresh_from_db()
    assert case.state == State.MEDIATING
    assert resp.json()["case"]["state"] == State.MEDIATING
    # the flow waits for the next outcome, then asks for feedback again
    assert inbox(mediator, case=case) == []
    from mediation.actions import services

    services.perform(case, "fail", world.mediator, {"reason": "no_agreement", "routes": "诉讼"})
    assert one_task(mediator, "petition.feedback", case)


def test_returned_failed_case_without_consent_asks_for_supplementary_feedback(
    world, transfer, as_user
):
    """Mediation is voluntary (PML arts 3, 17): a return without both sides' consent to
    mediate again does not reopen the case; it asks for a supplementary feedback."""
    case = transfer()
    world.advance(case, State.FAILED)
    mediator, petition = as_user(world.mediator), as_user(world.petition)
    complete(
        mediator,
        one_task(mediator, "petition.feedback", case),
        decision="submit",
        feedback="被申请人拒绝继续调解。",
    )
    review = one_task(petition, "petition.review", case)
    resp = complete(petition, review, decision="return", note="请补充说明当事人意愿")
    assert resp.status_code == 200, resp.content
    case.refresh_from_db()
    assert case.state == State.FAILED
    assert one_task(mediator, "petition.feedback", case)
    assert not case.events.filter(payload__data__transition="reopen").exists()


def test_transfer_records_consent_and_refuses_matters_before_a_court(world, as_user):
    client = as_user(world.petition)
    base = {
        **case_body(world.home),
        "petition_number": "宁红信转〔2026〕16号",
        "feedback_due": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
    }
    resp = client.post("/api/petitions/transfers/", base, format="json")
    assert resp.status_code == 400
    assert "第三十三条" in resp.json()["errors"]["petitioner_consent"][0]
    body = {**base, "petitioner_consent": True, "in_legal_proceedings": True}
    resp = client.post("/api/petitions/transfers/", body, format="json")
    assert resp.status_code == 400
    assert "涉法涉诉" in resp.json()["errors"]["in_legal_proceedings"][0]
    assert "第二十八条" in resp.json()["errors"]["in_legal_proceedings"][0]
    assert not Case.objects.exists()
    resp = client.post(
        "/api/petitions/transfers/", {**base, "petitioner_consent": True}, format="json"
    )
    assert resp.status_code == 201, resp.content
    handoff = Handoff.objects.get(case_id=resp.json()["id"], kind="petition")
    assert handoff.data["petitioner_consent_at"]


def test_returned_agreed_case_asks_for_supplementary_feedback(world, transfer, as_user):
    case = transfer()
    world.advance(case, State.AGREED)
    mediator, petition = as_user(world.mediator), as_user(world.petition)
    complete(
        mediator,
        one_task(mediator, "petition.feedback", case),
        decision="submit",
        feedback="已达成协议",
    )
    review = one_task(petition, "petition.review", case)
    resp = complete(petition, review, decision="return", note="请补充协议履行情况")
    assert resp.status_code == 200, resp.content
    case.refresh_from_db()
    assert case.state == State.AGREED  # an agreement binds the parties: no way back
    assert one_task(mediator, "petition.feedback", case)


def test_declined_at_intake_opens_feedback(world, transfer, as_user):
    case = transfer()
    world.advance(case, State.DECLINED)
    assert one_task(as_user(world.head), "petition.feedback", case)


def test_the_consent_and_legal_proceedings_citations_are_stated_once(world, as_user):
    """The law states them (mediation.law.petitions); the API's errors and schema and the
    desk's checkbox quote the same words."""
    schema = petition_transfer_request()["properties"]
    assert petitions.CONSENT_LAW in schema["petitioner_consent"]["description"]
    assert petitions.LEGAL_PROCEEDINGS_LAW in schema["in_legal_proceedings"]["description"]
    label = str(PetitionTransferForm.base_fields["petitioner_consent"].label)
    assert label == f"信访人同意通过调解解决（{petitions.CONSENT_LAW}）"
    body = {**case_body(world.home), "petition_number": "宁红信转〔2026〕17号"}
    body.update(feedback_due=(timezone.localdate() + dt.timedelta(days=30)).isoformat())
    resp = as_user(world.petition).post(
        "/api/petitions/transfers/", {**body, "in_legal_proceedings": True}, format="json"
    )
    errors = resp.json()["errors"]
    assert petitions.CONSENT_LAW in errors["petitioner_consent"][0]
    assert petitions.LEGAL_PROCEEDINGS_LAW in errors["in_legal_proceedings"][0]

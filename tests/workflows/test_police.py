"""警调对接 (DESIGN.md §12.4) through the REST API: a station's referral opens a case at a
people's mediation committee, the committee feeds the result back, the station reviews it;
its 接处警 number names one case; a high risk flag reaches the station's event stream."""

import pytest
import time_machine

from mediation import policies
from mediation.actions import services
from mediation.county.police import may_use_police_desk, referring_stations
from mediation.law.choices import Role, State
from mediation.models import Case, CaseAccess, CaseEvent, Handoff, Membership
from tests.conftest import case_body

from .conftest import complete, inbox, one_task

URL = "/api/police/referrals/"
NUMBER = "红派接警〔2026〕0815号"
NOW = "2026-11-18 10:00 +08:00"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def station(world):
    return world.org("红寺堡派出所")


@pytest.fixture
def other_officer(world, django_user_model):
    user = django_user_model.objects.create_user("police_tys", password="x")
    Membership.objects.create(user=user, org=world.org("太阳山派出所"), role=Role.POLICE_OFFICER)
    return user


@pytest.fixture
def refer(world, as_user):
    def make(**overrides):
        body = {**case_body(world.home), "incident_number": NUMBER, **overrides}
        resp = as_user(world.police).post(URL, body, format="json")
        assert resp.status_code == 201, resp.content
        return Case.objects.get(pk=resp.json()["id"])

    return make


def test_referral_opens_a_case_the_station_sees(world, refer, station, as_user, other_officer):
    case = refer(feedback_due="2026-12-18")
    assert (case.channel, case.org, case.state) == ("police_referral", world.home, "registered")
    assert CaseAccess.objects.filter(case=case, org=station).exists()
    handoff = Handoff.objects.get(case=case, kind="police")
    assert (handoff.org, handoff.external_number, handoff.status) == (station, NUMBER, "open")
    police = as_user(world.police)
    body = police.get(f"/api/cases/{case.pk}/").json()
    assert body["number"] == case.number
    # the station sees who is in dispute, not their ID numbers (it rules on nothing)
    assert all("*" in (p.get("id_number") or "*") for p in body["parties"])
    listed = police.get("/api/cases/", {"channel": "police_referral"}).json()["results"]
    assert [c["id"] for c in listed] == [case.pk]
    # the other station's officer does not see it
    other = other_officer
    assert as_user(other).get(f"/api/cases/{case.pk}/").status_code == 404


def test_same_incident_number_is_a_409_naming_the_case(world, refer, as_user, other_officer):
    first = refer()
    body = {**case_body(world.home), "incident_number": f"  {NUMBER} "}
    resp = as_user(world.police).post(URL, body, format="json")
    assert resp.status_code == 409, resp.content
    assert str(first.pk) in resp.json()["detail"] and first.number in resp.json()["detail"]
    assert Case.objects.count() == 1
    # another station may use the same number for its own call-out
    other = other_officer
    assert as_user(other).post(URL, body, format="json").status_code == 201


@pytest.mark.parametrize(
    "receiver", ["红寺堡区人民法院", "红寺堡区信访局", "太阳山派出所", "红寺堡区律师调解工作室"]
)
def test_referral_to_a_non_committee_is_refused(world, as_user, receiver):
    body = {**case_body(world.org(receiver)), "incident_number": NUMBER}
    resp = as_user(world.police).post(URL, body, format="json")
    assert resp.status_code == 400, resp.content
    assert "人民调解法》第十八条" in resp.json()["errors"]["org"][0]
    assert not Case.objects.exists() and not Handoff.objects.exists()


@pytest.mark.parametrize("number", [None, "", "   ", 815, "号" * 65, "红派\x00"])
def test_incident_number_is_required_text(world, as_user, number):
    body = {**case_body(world.home), "incident_number": number}
    if number is None:
        body.pop("incident_number")
    resp = as_user(world.police).post(URL, body, format="json")
    assert resp.status_code == 400, resp.content
    assert list(resp.json()["errors"]) == ["incident_number"]
    assert not Case.objects.exists()


def test_feedback_due_in_the_past_and_foreign_station_are_refused(world, as_user):
    body = {**case_body(world.home), "incident_number": NUMBER, "feedback_due": "2026-11-01"}
    resp = as_user(world.police).post(URL, body, format="json")
    assert resp.status_code == 400 and "feedback_due" in resp.json()["errors"]
    foreign = world.org("太阳山派出所").pk
    body = {**case_body(world.home), "incident_number": NUMBER, "police_station": foreign}
    resp = as_user(world.police).post(URL, body, format="json")
    assert resp.status_code == 400 and "police_station" in resp.json()["errors"]


def test_only_police_officers_refer(world, as_user):
    body = {**case_body(world.home), "incident_number": NUMBER}
    for user in (world.mediator, world.petition, world.clerk, world.supervisor):
        assert as_user(user).post(URL, body, format="json").status_code == 403, user
    assert not Case.objects.exists()


def test_result_feedback_and_review(world, refer, as_user, other_officer):
    case = refer()
    mediator, police = as_user(world.mediator), as_user(world.police)
    assert inbox(mediator, case=case) == []  # nothing until an outcome
    world.advance(case, State.FAILED)
    task = one_task(mediator, "police.feedback", case)
    assert complete(police, task, decision="submit", feedback="x").status_code == 404
    resp = complete(mediator, task, decision="submit", feedback="被申请人拒绝调解，调解终止。")
    assert resp.status_code == 200, resp.content

    review = one_task(police, "police.review", case)
    assert {d["decision"] for d in review["decisions"]} == {"accept", "return"}
    assert complete(police, review, decision="return").status_code == 400  # note required
    resp = complete(police, review, decision="return", note="请补充告知当事人的救济途径")
    assert resp.status_code == 200, resp.content
    assert Case.objects.get(pk=case.pk).state == State.FAILED  # a return reopens nothing
    handoff = Handoff.objects.get(case=case, kind="police")
    assert handoff.data["return_note"] == "请补充告知当事人的救济途径"

    again = one_task(mediator, "police.feedback", case)
    complete(mediator, again, decision="submit", feedback="已告知双方可向人民法院起诉。")
    review = one_task(police, "police.review", case)
    assert complete(police, review, decision="accept").status_code == 200
    handoff.refresh_from_db()
    assert (handoff.status, handoff.result) == ("closed", "handled")
    assert handoff.data["feedback"] == "已告知双方可向人民法院起诉。"
    assert inbox(police, case=case) == [] and inbox(mediator, case=case) == []
    # the other station's officer cannot even see the review task
    other = other_officer
    assert complete(as_user(other), review, decision="accept").status_code == 404


def test_high_risk_flag_reaches_the_station_live(world, refer, station, as_user):
    case = refer()
    since = CaseEvent.objects.order_by("-id").values_list("id", flat=True).first()
    world.advance(case, State.MEDIATING)
    services.flag_risk(
        case,
        world.mediator,
        {
            "level": "high",
            "note": "一方扬言报复",
            "reported_to": "红寺堡派出所",
            "reported_at": "2026-11-18T09:30:00+08:00",
        },
    )
    event = CaseEvent.objects.get(case=case, type="case.risk_flagged")
    assert station.pk in event.payload["orgs"]  # the socket fan-out's groups (mediation.live)
    feed = as_user(world.police).get("/api/events/", {"since": since}).json()
    flagged = [e for e in feed["results"] if e["type"] == "case.risk_flagged"]
    assert [e["data"]["level"] for e in flagged] == ["high"]


def test_policy_refers_only_for_a_police_station(world, station):
    assert referring_stations(world.police) == [station.pk]
    assert may_use_police_desk(world.police)
    for user in (world.mediator, world.petition, world.supervisor, world.intake):
        assert referring_stations(user) == [] and not may_use_police_desk(user)
    # the role held in an organisation that is no police station refers nothing
    Membership.objects.create(user=world.mediator, org=world.home, role=Role.POLICE_OFFICER)
    policies.forget(world.mediator)
    assert referring_stations(world.mediator) == []
    assert policies.may_complete_task(world.police, "police.review", station.pk)
    assert not policies.may_complete_task(world.police, "police.feedback", world.home.pk)
    assert policies.may_complete_task(world.mediator, "police.feedback", world.home.pk)

"""The law as practised (issue #10, DESIGN.md §3–§4), through `services.perform` and the
flows' task doors: each rule refused with a 400 that names the statute and writes nothing,
and its allowed path."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from mediation.actions import services
from mediation.errors import InvalidFields, NotPermitted, StateConflict
from mediation.law.choices import State
from mediation.models import Case, CaseEvent, Membership, Organization, Party
from tests.conftest import AGREEMENT, case_body
from tests.helpers import plain_party, resident_id, snapshot
from workflows.models import CaseTask
from workflows.services import complete_task


def refused(case, name, user, data, exc=InvalidFields):
    before = snapshot(case)
    with pytest.raises(exc) as err:
        services.perform(case.pk, name, user, data)
    assert snapshot(case) == before
    return err.value


def messages(err) -> str:
    return " ".join(m for ms in err.errors.values() for m in ms)


def agreement(**overrides):
    today = timezone.localdate()
    body = {
        **AGREEMENT,
        "performance_due": (today + dt.timedelta(days=10)).isoformat(),
        "effective_date": today.isoformat(),
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def task(case, kind):
    return CaseTask.objects.get(case=case, kind=kind, status="NEW")


def court_staff(org, role, username):
    user, _ = get_user_model().objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, org=org, role=role)
    return user


# -- agreements (PML arts 29–30; LDMAL art 14) --------------------------------------------


def test_agreement_records_facts_and_responsibilities(world):
    case = world.make_case(State.MEDIATING)
    err = refused(case, "reach_agreement", world.mediator, agreement(facts="", responsibilities=""))
    assert {"facts", "responsibilities"} <= set(err.errors)
    case = services.perform(case, "reach_agreement", world.mediator, agreement())
    a = case.current_agreement
    assert a.facts.startswith("被申请人修建院墙") and "主要责任" in a.responsibilities


def test_labour_and_medical_agreements_must_be_written(world):
    for category, article in (("labor", "第十四条"), ("medical", "第四十条")):
        case = world.make_case(State.MEDIATING, category=category)
        err = refused(
            case, "reach_agreement", world.mediator, agreement(form="oral", effective_date=None)
        )
        assert article in err.errors["form"][0]
        case = services.perform(case, "reach_agreement", world.mediator, agreement())
        assert case.state == State.AGREED and case.current_agreement.form == "written"


def test_oral_agreement_takes_effect_the_day_it_is_reached(world):
    case = world.make_case(State.MEDIATING)
    err = refused(case, "reach_agreement", world.mediator, agreement(form="oral"))
    assert "第三十条" in err.errors["effective_date"][0]
    case = services.perform(
        case, "reach_agreement", world.mediator, agreement(form="oral", effective_date=None)
    )
    assert case.current_agreement.effective_date == timezone.localdate()


def test_written_agreement_date_never_future_nor_before_mediation(world):
    case = world.make_case(State.MEDIATING)
    today = timezone.localdate()
    err = refused(case, "reach_agreement", world.mediator, agreement(effective_date=None))
    assert "第二十九条" in err.errors["effective_date"][0]
    future = (today + dt.timedelta(days=1)).isoformat()
    err = refused(case, "reach_agreement", world.mediator, agreement(effective_date=future))
    assert "不得晚于今天" in err.errors["effective_date"][0]
    before = (today - dt.timedelta(days=3)).isoformat()
    err = refused(case, "reach_agreement", world.mediator, agreement(effective_date=before))
    assert "调解开始" in err.errors["effective_date"][0]
    case = services.perform(case, "reach_agreement", world.mediator, agreement())
    assert case.current_agreement.effective_date == today


# -- routes by category (LDMAL art 5; Arbitration Law arts 3–4) ---------------------------


def test_labour_disputes_go_to_labour_arbitration_first(world):
    case = world.make_case(State.FAILED, category="labor")
    err = refused(case, "refer", world.mediator, {"route": "litigation"})
    assert err.errors["route"] == ["劳动争议须先经劳动人事争议仲裁（《劳动争议调解仲裁法》第五条）"]
    err = refused(
        case,
        "refer",
        world.mediator,
        {"route": "arbitration", "target_org": world.land_arbitration.pk},
    )
    assert "劳动人事争议仲裁委员会" in err.errors["target_org"][0]
    case = services.perform(
        case, "refer", world.mediator, {"route": "arbitration", "target_org": world.arbitration.pk}
    )
    assert case.state == State.REFERRED and case.referral_org == world.arbitration


def test_other_arbitration_needs_an_arbitration_agreement_and_a_fitting_commission(world):
    commercial = Organization.objects.create(
        name="吴忠仲裁委员会", short_code="吴仲", kind="arbitration", scope="commercial"
    )
    case = world.make_case(State.FAILED, category="contract")
    err = refused(case, "refer", world.mediator, {"route": "arbitration"})
    assert "《仲裁法》第四条" in err.errors["arbitration_agreement"][0]
    err = refused(
        case,
        "refer",
        world.mediator,
        {"route": "arbitration", "arbitration_agreement": True, "target_org": world.arbitration.pk},
    )
    assert "target_org" in err.errors
    case = services.perform(
        case,
        "refer",
        world.mediator,
        {"route": "arbitration", "arbitration_agreement": True, "target_org": commercial.pk},
    )
    assert case.referral_org == commercial
    event = case.events.filter(type="case.transitioned").last()
    assert event.payload["data"]["arbitration_agreement"] is True


def test_land_contract_goes_to_its_own_commission_without_an_agreement(world):
    case = world.make_case(State.FAILED, category="land_contract")
    err = refused(
        case, "refer", world.mediator, {"route": "arbitration", "target_org": world.arbitration.pk}
    )
    assert "农村土地承包仲裁委员会" in err.errors["target_org"][0]
    case = services.perform(
        case,
        "refer",
        world.mediator,
        {"route": "arbitration", "target_org": world.land_arbitration.pk},
    )
    assert case.referral_org == world.land_arbitration


def test_family_disputes_cannot_be_arbitrated(world):
    case = world.make_case(State.FAILED, category="marriage_family")
    err = refused(case, "refer", world.mediator, {"route": "arbitration"})
    assert "《仲裁法》第三条" in err.errors["route"][0]
    assert services.perform(case, "refer", world.mediator, {"route": "litigation"}).state == (
        State.REFERRED
    )


# -- judicial confirmation ------------------------------------------------------------------


def parties_of(case):
    return {link.role: link.party_id for link in case.case_parties.all()}


def test_applicants_both_sides_or_one_side_with_consent(world):
    case = world.make_case(State.AGREED)
    ids = parties_of(case)
    body = {"court": world.court.pk, "applicants": [ids["applicant"]]}
    err = refused(case, "request_confirmation", world.mediator, body)
    assert "第二百零五条" in err.errors["applicants"][0] and "杨学军" in err.errors["applicants"][0]
    err = refused(case, "request_confirmation", world.mediator, {"court": world.court.pk})
    assert "applicants" in err.errors
    case = services.perform(
        case,
        "request_confirmation",
        world.mediator,
        {**body, "consent_of": [ids["respondent"]], "paper_signatures": True},
    )
    assert case.confirmation_applicants == [ids["applicant"]]
    assert case.confirmation_consent_of == [ids["respondent"]]


def test_status_and_title_answered_explicitly_and_refused_when_true(world):
    case = world.make_case(State.AGREED, category="housing_land")
    body = {"court": world.court.pk, "joint_application": True, "paper_signatures": True}
    err = refused(case, "request_confirmation", world.mediator, body)
    assert {"concerns_status", "concerns_title"} <= set(err.errors)
    err = refused(
        case,
        "request_confirmation",
        world.mediator,
        {**body, "concerns_status": False, "concerns_title": True},
    )
    assert "第三百五十五条" in err.errors["concerns_title"][0]
    case = services.perform(
        case,
        "request_confirmation",
        world.mediator,
        {**body, "concerns_status": False, "concerns_title": False},
    )
    assert case.state == State.CONFIRMING
    # a category outside the list needs no answer
    other = world.make_case(State.AGREED)
    assert services.perform(other, "request_confirmation", world.mediator, body).state == (
        State.CONFIRMING
    )


def test_court_must_have_jurisdiction(world):
    far = Organization.objects.create(
        name="吴忠市利通区人民法院", short_code="利院", kind="court", region="利通区"
    )
    case = world.make_case(State.AGREED)  # 红寺堡镇
    body = {"joint_application": True, "paper_signatures": True}
    err = refused(case, "request_confirmation", world.mediator, {**body, "court": far.pk})
    assert "第二百零五条" in err.errors["court"][0]
    # the 太阳山 tribunal is not the place of a 红寺堡镇 dispute
    err = refused(
        case, "request_confirmation", world.mediator, {**body, "court": world.tribunal.pk}
    )
    assert "人民法庭" in err.errors["court"][0]
    case = services.perform(
        case, "request_confirmation", world.mediator, {**body, "court": world.court.pk}
    )
    assert case.confirmation_court == world.court


def test_only_a_judge_rules_and_only_after_registration(world):
    case = world.make_case(State.CONFIRMING)
    refused(case, "confirm", world.judge, {}, exc=NotPermitted)
    refused(case, "reject_confirmation", world.judge, {"grounds": "x"}, exc=NotPermitted)
    case = world.register_confirmation(case)
    refused(case, "reject_confirmation", world.clerk, {"grounds": "x"}, exc=NotPermitted)
    refused(case, "confirm", world.clerk, {}, exc=NotPermitted)
    case = services.perform(case, "reject_confirmation", world.judge, {"grounds": "违反法律规定"})
    assert case.confirmation_ruling == "rejected"
    # after a rejection (驳回) the agreement must be amended first: no re-filing
    refused(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
        exc=StateConflict,
    )


def test_full_confirmation_flow_refused_refiled_extended_confirmed(world):
    """not_accepted at the district court → re-filed at the 太阳山 tribunal with the same
    agreement → registered there under a 民特 number → extension approved by the
    president → the tribunal's judge confirms."""
    org = world.org("太阳山镇人民调解委员会")
    case = world.make_case(State.MEDIATING, org=org, region="太阳山镇")
    mediator = case.mediator
    case = services.perform(case, "reach_agreement", mediator, agreement())
    case = services.perform(
        case,
        "request_confirmation",
        mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    complete_task(
        task(case, "confirmation.register").pk,
        world.clerk,
        {"decision": "refuse", "reason": "wrong_court", "note": "由太阳山法庭受理"},
    )
    case.refresh_from_db()
    assert (case.state, case.confirmation_ruling) == (State.CONFIRMATION_REJECTED, "not_accepted")
    agreements = case.agreements.count()

    case = services.perform(
        case,
        "request_confirmation",
        mediator,
        {"court": world.tribunal.pk, "joint_application": True, "paper_signatures": True},
    )
    assert case.state == State.CONFIRMING and case.confirmation_ruling == ""
    assert case.agreements.count() == agreements  # no new agreement
    clerk = court_staff(world.tribunal, "clerk", "tribunal_clerk")
    judge = court_staff(world.tribunal, "judge", "tribunal_judge")
    complete_task(
        task(case, "confirmation.register").pk,
        clerk,
        {"decision": "register", "number": "（2026）宁0303民特17号"},
    )
    decide = task(case, "confirmation.decide")
    # the approver must be the president, never the deciding judge
    for approver in (judge, world.judge):
        with pytest.raises(InvalidFields) as err:
            complete_task(
                decide.pk,
                judge,
                {"decision": "extend", "approved_by": approver.pk, "reason": "案情复杂"},
            )
        assert "院长" in messages(err.value)
    complete_task(
        decide.pk,
        judge,
        {"decision": "extend", "approved_by": world.president.pk, "reason": "需补充材料"},
    )
    handoff = case.handoffs.get(kind="confirmation", status="open")
    assert handoff.data["extension"]["approved_by"] == world.president.pk
    assert handoff.external_number == "（2026）宁0303民特17号"
    complete_task(task(case, "confirmation.decide").pk, judge, {"decision": "confirm"})
    case.refresh_from_db()
    assert case.state == State.CONFIRMED and case.confirmation_court == world.tribunal


def test_withdraw_confirmation_until_the_ruling(world):
    case = world.make_case(State.CONFIRMING)
    refused(case, "withdraw_confirmation", world.mediator, {})
    refused(case, "withdraw_confirmation", world.judge, {"note": "x"}, exc=NotPermitted)
    case = services.perform(case, "withdraw_confirmation", world.mediator, {"note": "双方撤回申请"})
    assert case.state == State.AGREED
    assert not CaseTask.objects.filter(case=case, status="NEW").exclude(kind="").exists()
    refused(case, "confirm", world.judge, {}, exc=NotPermitted)


def test_referred_case_files_at_the_referring_court(world, as_referral):
    case = as_referral("pre_filing")
    other = world.tribunal
    err = refused(
        case,
        "request_confirmation",
        case.mediator,
        {"court": other.pk, "joint_application": True, "paper_signatures": True},
    )
    assert "作出委派的人民法院" in err.errors["court"][0]
    case = services.perform(
        case,
        "request_confirmation",
        case.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    assert case.confirmation_court == world.court


@pytest.fixture
def as_referral(world):
    from workflows.services import start_court_referral

    def make(kind):
        body = {
            **case_body(world.home),
            "referral_number": "（2026）宁0303民诉前调1号",
            "kind": kind,
        }
        case = start_court_referral(world.clerk, body)
        case = world.advance(case, State.MEDIATING)
        return services.perform(case, "reach_agreement", world.mediator, agreement())

    return make


def test_post_filing_referral_ends_in_a_mediation_statement_or_withdrawal(world, as_referral):
    case = as_referral("post_filing")
    outcome = task(case, "court.outcome")
    from workflows.services import decisions_of

    assert set(decisions_of(outcome)) == {"mediation_document", "withdraw_suit", "acknowledge"}


def test_post_filing_failure_returns_to_the_trial(world):
    from workflows.services import decisions_of, start_court_referral

    body = {
        **case_body(world.home),
        "referral_number": "（2026）宁0303民初9号",
        "kind": "post_filing",
    }
    case = world.advance(start_court_referral(world.clerk, body), State.FAILED)
    outcome = task(case, "court.outcome")
    assert set(decisions_of(outcome)) == {"resume_trial", "acknowledge"}
    complete_task(outcome.pk, world.clerk, {"decision": "resume_trial"})
    case.refresh_from_db()
    assert case.state == State.CLOSED and "恢复审理" in case.referral_result
    assert not case.events.filter(payload__data__transition="request_confirmation").exists()


# -- voluntariness ---------------------------------------------------------------------------


def test_reopen_needs_both_sides_consent(world):
    case = world.make_case(State.FAILED)
    err = refused(case, "reopen", world.head, {"note": "再调"})
    assert "第十七条" in err.errors["consent"][0]
    case = services.perform(case, "reopen", world.head, {"note": "再调", "consent": True})
    assert case.state == State.MEDIATING


# -- representatives ----------------------------------------------------------------------


def minor(**extra):
    return {
        **plain_party("applicant", "马小花", birth=dt.date(2015, 5, 1)),
        **extra,
    }


def test_minor_without_guardian_is_refused_at_registration(world):
    body = case_body(world.home, parties=[minor(), plain_party("respondent", "杨军")])
    with pytest.raises(InvalidFields) as err:
        services.register_case(world.intake, body)
    assert "监护人" in err.value.errors["parties[0].representative"][0]
    assert "第二十三条" in err.value.errors["parties[0].representative"][0]
    assert not Case.objects.exists()
    adult = plain_party("applicant", "马大")
    body = case_body(
        world.home, parties=[{**adult, "limited_capacity": True}, minor(role="respondent")]
    )
    with pytest.raises(InvalidFields) as err:
        services.register_case(world.intake, body)
    assert {"parties[0].representative", "parties[1].representative"} <= set(err.value.errors)
    guardian = {
        "kind": "guardian",
        "name": "马建国",
        "id_number": resident_id(dt.date(1980, 1, 1)),
        "phone": "13995300001",
    }
    body = case_body(
        world.home,
        parties=[minor(representative=guardian), plain_party("respondent", "杨军")],
    )
    case = services.register_case(world.intake, body)
    party = case.case_parties.get(role="applicant").party
    assert party.representative_info["name"] == "马建国" and "minor" in party.tags


def test_agent_applying_for_confirmation_needs_an_authorisation(world):
    agent = {"kind": "agent", "name": "丁律师", "phone": "13995300002"}
    applicant = {**plain_party("applicant", "马明"), "representative": agent}
    case = world.make_case(State.AGREED, parties=[applicant, plain_party("respondent", "杨军")])
    body = {"court": world.court.pk, "joint_application": True, "paper_signatures": True}
    err = refused(case, "request_confirmation", world.mediator, body)
    assert (
        "授权委托书" in err.errors["applicants"][0] and "第六十二条" in err.errors["applicants"][0]
    )
    Party.objects.filter(pk=parties_of(case)["applicant"]).update(
        rep_authorization="特别授权：代为申请司法确认"
    )
    assert services.perform(case, "request_confirmation", world.mediator, body).state == (
        State.CONFIRMING
    )


# -- after the agreement -----------------------------------------------------------------


def follow(case, user, **data):
    return services.add_follow_up(
        case, user, {"date": timezone.localdate().isoformat(), "performed": False, **data}
    )


def test_non_performance_routes_follow_the_agreement(world):
    agreed = world.make_case(State.AGREED)
    assert services.performance_routes(agreed) == ["suit"]
    with pytest.raises(InvalidFields) as err:
        follow(agreed, world.mediator, route="enforcement")
    assert "第二百零六条" in err.value.errors["route"][0]
    assert follow(agreed, world.mediator, route="suit").route == "suit"

    confirmed = world.make_case(State.CONFIRMED)
    assert services.performance_routes(confirmed) == ["enforcement"]
    with pytest.raises(InvalidFields):
        follow(confirmed, world.mediator, route="suit")
    assert follow(confirmed, world.mediator, route="enforcement").route == "enforcement"

    labour = world.make_case(State.AGREED, category="labor")
    assert services.performance_routes(labour) == ["labour_arbitration", "payment_order"]
    with pytest.raises(InvalidFields) as err:
        follow(labour, world.mediator, route="suit")
    assert "第十五条" in err.value.errors["route"][0]
    assert follow(labour, world.mediator, route="payment_order").route == "payment_order"
    event = CaseEvent.objects.filter(case=labour).last()
    assert event.payload["data"]["routes_open"] == ["labour_arbitration", "payment_order"]


# -- risk ------------------------------------------------------------------------------------


def test_high_risk_records_the_police_report(world):
    case = world.make_case(State.MEDIATING)
    with pytest.raises(InvalidFields) as err:
        services.flag_risk(case, world.mediator, {"level": "high", "note": "扬言报复"})
    assert "第二十五条" in err.value.errors["reported_to"][0]
    assert not case.events.filter(type="case.risk_flagged").exists()
    at = timezone.now() - dt.timedelta(hours=1)
    services.flag_risk(
        case,
        world.mediator,
        {
            "level": "high",
            "note": "扬言报复",
            "reported_to": "红寺堡派出所",
            "reported_at": at.isoformat(),
        },
    )
    case.refresh_from_db()
    assert case.risk_reported_to == "红寺堡派出所" and abs(case.risk_reported_at - at).seconds < 1
    event = case.events.get(type="case.risk_flagged")
    assert event.payload["data"]["reported_to"] == "红寺堡派出所"


def test_receiving_body_records_the_partys_filing(world):
    # The mediating body advises; the commission records the party's own application
    # (referral.filing) and its clocks start then (LDMAL art 29).
    case = world.make_case(State.FAILED, category="labor")
    services.perform(
        case, "refer", world.mediator, {"route": "arbitration", "target_org": world.arbitration.pk}
    )
    filing = task(case, "referral.filing")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(InvalidFields) as err:
        complete_task(
            filing.pk, world.arbiter, {"decision": "record", "filed_on": tomorrow.isoformat()}
        )
    assert "filed_on" in err.value.errors
    filed = timezone.localdate().isoformat()
    complete_task(filing.pk, world.arbiter, {"decision": "record", "filed_on": filed})
    assert case.handoffs.get(kind="arbitration").data["filed_on"] == filed
    assert task(case, "referral.acknowledge").pk

"""Rulings a court would accept (issue #28, Rulings and routes): each refusal a 400 that
names the rule and its article and writes nothing, through the doors users use."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.law.choices import State
from mediation.models import Handoff
from tests.conftest import case_body
from workflows.services import complete_task, start_court_referral

from .test_law import agreement, messages, refused, task


@pytest.fixture
def referred(world):
    def make(kind):
        body = {**case_body(world.home), "referral_number": f"（2026）宁0303民初{kind}号"}
        case = start_court_referral(world.clerk, {**body, "kind": kind})
        case = world.advance(case, State.MEDIATING)
        return services.perform(case, "reach_agreement", world.mediator, agreement())

    return make


def test_post_filing_referral_cannot_request_confirmation(world, referred):
    """委托调解 (after filing) ends in the court's 调解书 or withdrawal, never in a
    confirmation (CPL art 205 is for agreements outside litigation)."""
    case = referred("post_filing")
    for user in (world.mediator, world.clerk):
        err = refused(
            case,
            "request_confirmation",
            user,
            {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
        )
        assert "第二百零五条" in messages(err) and "第一百条" in messages(err)
    # 委派 (before filing) still may
    case = referred("pre_filing")
    case = services.perform(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    assert case.state == State.CONFIRMING


@pytest.mark.parametrize(
    ("kind", "decision", "body"),
    [
        ("post_filing", "mediation_document", {"number": "（2026）宁0303民初7号"}),
        ("pre_filing", "mediation_document", {"number": "（2026）宁0303民初8号"}),
        ("post_filing", "withdraw_suit", {"note": "原告申请撤诉，准许"}),
    ],
)
def test_the_courts_instrument_closes_the_case(world, referred, kind, decision, body):
    case = referred(kind)
    complete_task(task(case, "court.outcome").pk, world.clerk, {"decision": decision, **body})
    case.refresh_from_db()
    assert case.state == State.CLOSED
    result = Handoff.objects.get(case=case, kind="court_referral").result
    assert result == {"withdraw_suit": "suit_withdrawn"}.get(decision, decision)
    assert not case.follow_ups.exists()  # the court's act, not a follow-up, ends it
    closed = case.events.get(payload__data__transition="close")
    assert closed.actor == world.clerk


def test_the_clerk_closes_only_on_the_courts_instrument(world, referred):
    case = referred("pre_filing")
    from mediation.errors import NotPermitted

    refused(case, "close", world.clerk, {"note": "x"}, exc=NotPermitted)


def test_oral_agreement_cannot_be_confirmed(world):
    case = world.make_case(State.MEDIATING)
    case = services.perform(
        case, "reach_agreement", world.mediator, agreement(form="oral", effective_date=None)
    )
    err = refused(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    assert "法释〔2011〕5号第三条" in messages(err) and "第三百五十四条" in messages(err)


def test_the_clerk_refuses_only_on_intake_grounds(world):
    """At registration the clerk rules 不予受理 on the grounds of art 355 only; a merits
    refusal is the judge's 驳回申请 (art 358)."""
    case = world.make_case(State.CONFIRMING)
    err = refused(case, "reject_confirmation", world.clerk, {"grounds": "协议违反法律强制性规定"})
    assert "第三百五十五条" in messages(err) and "第三百五十八条" in messages(err)
    case = services.perform(
        case,
        "reject_confirmation",
        world.clerk,
        {"reason": "wrong_court", "grounds": "应向原审法院"},
    )
    assert case.confirmation_ruling == "not_accepted"
    assert case.rejection_grounds.startswith("不予受理：不属于本院管辖")


def test_the_judge_rejects_on_the_merits_with_grounds(world):
    case = world.make_case(State.CONFIRMING)
    world.register_confirmation(case)
    err = refused(case, "reject_confirmation", world.judge, {"reason": "wrong_court"})
    assert "reason" in err.errors
    refused(case, "reject_confirmation", world.judge, {})
    case = services.perform(case, "reject_confirmation", world.judge, {"grounds": "违反法律规定"})
    assert case.confirmation_ruling == "rejected"


# -- dates of records ----------------------------------------------------------------------


def test_session_and_follow_up_dates_are_bounded(world):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), tick=False):
        case = world.make_case(State.MEDIATING)
    with time_machine.travel(dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC), tick=False):
        session = {"place": "调解室", "attendees": "双方", "record": "陈述"}
        for held_at in ("2026-11-11T09:00:00+08:00", "2026-10-30T09:00:00+08:00"):
            with pytest.raises(InvalidFields) as err:
                services.add_session(case, world.mediator, {**session, "held_at": held_at})
            assert "held_at" in err.value.errors
        services.add_session(case, world.mediator, {**session, "held_at": "2026-11-09T09:00+08:00"})
        case = services.perform(case, "reach_agreement", world.mediator, agreement())
        for day in ("2026-11-11", "2026-11-01"):
            with pytest.raises(InvalidFields) as err:
                services.add_follow_up(case, world.mediator, {"date": day, "performed": True})
            assert "date" in err.value.errors
    assert not case.follow_ups.exists() and case.sessions.count() == 1


def test_closing_follow_up_after_performance_date_or_says_why(world):
    with time_machine.travel(dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), tick=False):
        case = world.make_case(State.MEDIATING)
        case = services.perform(case, "reach_agreement", world.mediator, agreement())
        services.add_follow_up(case, world.mediator, {"date": "2026-11-02", "performed": True})
        err = refused(case, "close", world.mediator, {"note": "已履行"})
        assert "第三十一条" in messages(err) and "2026-11-12" in messages(err)
    with time_machine.travel(dt.datetime(2026, 11, 12, 9, tzinfo=dt.UTC), tick=False):
        services.add_follow_up(case, world.mediator, {"date": "2026-11-12", "performed": True})
        case = services.perform(case, "close", world.mediator, {"note": "已履行"})
    assert case.state == State.CLOSED


def test_an_early_follow_up_with_its_reason_closes(world):
    case = world.make_case(State.AGREED)
    services.add_follow_up(
        case,
        world.mediator,
        {
            "date": timezone.localdate().isoformat(),
            "performed": True,
            "early_reason": "被申请人已当场一次性付清",
        },
    )
    assert services.perform(case, "close", world.mediator, {}).state == State.CLOSED


# -- after the agreement: payment orders (CPL art 225) -------------------------------------


def test_payment_order_on_a_monetary_agreement_outside_labour(world):
    case = world.make_case(State.MEDIATING, category="contract")
    case = services.perform(case, "reach_agreement", world.mediator, agreement(amount="3000.00"))
    assert case.current_agreement.amount == 3000
    assert services.performance_routes(case) == ["suit", "payment_order"]
    follow_up = services.add_follow_up(
        case,
        world.mediator,
        {"date": timezone.localdate().isoformat(), "performed": False, "route": "payment_order"},
    )
    assert follow_up.route == "payment_order"
    # no money term: no payment order, and the refusal names the article
    plain = world.make_case(State.AGREED, category="neighbour")
    with pytest.raises(InvalidFields) as err:
        services.add_follow_up(
            plain,
            world.mediator,
            {
                "date": timezone.localdate().isoformat(),
                "performed": False,
                "route": "payment_order",
            },
        )
    assert "第二百二十五条" in err.value.errors["route"][0]
    assert not plain.follow_ups.exists()


# -- citations ---------------------------------------------------------------------------


def test_no_invented_rule_and_the_right_articles(world):
    from mediation.law import petitions
    from mediation.law.limits import SEEDED
    from mediation.models import TimeLimit
    from mediation.prevention import records as prevention

    assert not any("大调解工作规范" in row[-1] for row in SEEDED)
    assert not TimeLimit.objects.filter(basis__contains="大调解工作规范").exists()
    assert TimeLimit.objects.filter(basis__contains="若干规定》第三十三条").exists()
    assert petitions.LEGAL_PROCEEDINGS_LAW == "《信访工作条例》第二十八条"
    assert petitions.CONSENT_LAW == "《信访工作条例》第三十三条"
    with pytest.raises(InvalidFields) as err:
        prevention.record_screening(
            world.mediator,
            {
                "org": world.court.pk,
                "period_start": "2026-11-01",
                "period_end": "2026-11-02",
                "places": "辖区",
                "found": [],
            },
        )
    assert "《人民调解法》第八条" not in messages(err.value)
    # 第三条 is the committees' tasks (防止民间纠纷激化); 第五条 is the agreement's nature
    assert "若干规定》第三条" in messages(err.value)
    assert "若干规定》第五条" not in messages(err.value)

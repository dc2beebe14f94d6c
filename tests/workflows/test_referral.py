import datetime as dt

import pytest
import time_machine

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import CaseEvent, Handoff
from workflows.models import CaseTask

from .conftest import complete, inbox, one_task

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def record_filing(client, case, filed_on=None):
    """The parties file at the receiving body, which records it (its clocks start)."""
    from django.utils import timezone

    task = one_task(client, "referral.filing", case)
    day = filed_on or timezone.localdate().isoformat()
    resp = complete(client, task, decision="record", filed_on=day)
    assert resp.status_code == 200, resp.content


@pytest.fixture
def failed_labour(world):
    return world.make_case(State.FAILED, category="labor")


def test_arbitration_acknowledges_then_records_result(world, failed_labour, as_user):
    case = failed_labour
    with time_machine.travel(NOW, tick=False):
        services.perform(
            case,
            "refer",
            world.mediator,
            {"route": "arbitration", "target_org": world.arbitration.pk},
        )
    arbiter = as_user(world.arbiter)
    assert inbox(arbiter, "referral.acknowledge", case) == []
    with time_machine.travel(NOW, tick=False):
        record_filing(arbiter, case)
    task = one_task(arbiter, "referral.acknowledge", case)
    assert task["org"] == world.arbitration.pk
    # Filed Monday 2 Nov: 5 days end on Saturday the 7th, so Monday 9 Nov (CPL art 85).
    assert task["due_at"] == "2026-11-09T23:59:59+08:00"
    assert inbox(as_user(world.mediator), case=case) == []
    assert complete(as_user(world.clerk), task, decision="accept").status_code == 404
    resp = complete(arbiter, task, decision="accept", number="红劳人仲案字〔2026〕9号")
    assert resp.status_code == 200, resp.content
    result = one_task(arbiter, "referral.result", case)
    assert complete(arbiter, result, decision="record").status_code == 400
    resp = complete(arbiter, result, decision="record", result="仲裁裁决支持申请人请求")
    assert resp.status_code == 200
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.referral_result == "仲裁裁决支持申请人请求"
    handoff = Handoff.objects.get(case=case, kind="arbitration")
    assert (handoff.status, handoff.external_number) == ("closed", "红劳人仲案字〔2026〕9号")
    types = list(CaseEvent.objects.filter(case=case).values_list("type", flat=True))
    assert types.count("task.completed") == 3 and "handoff.opened" in types  # filing, ack, result


def test_arbitration_declines(world, failed_labour, as_user):
    case = failed_labour
    services.perform(
        case, "refer", world.mediator, {"route": "arbitration", "target_org": world.arbitration.pk}
    )
    arbiter = as_user(world.arbiter)
    record_filing(arbiter, case)
    task = one_task(arbiter, "referral.acknowledge", case)
    resp = complete(arbiter, task, decision="decline", reason="超过仲裁时效")
    assert resp.status_code == 200
    case.refresh_from_db()
    assert case.state == State.CLOSED and "超过仲裁时效" in case.referral_result
    assert inbox(arbiter, case=case) == []


def test_litigation_referral_to_the_court(world, as_user):
    case = world.make_case(State.FAILED)
    services.perform(
        case, "refer", world.mediator, {"route": "litigation", "target_org": world.court.pk}
    )
    clerk = as_user(world.clerk)
    record_filing(clerk, case)
    task = one_task(clerk, "referral.acknowledge", case)
    assert "第一百二十六条" in task["due_basis"]  # 7 days to decide on filing
    assert complete(clerk, task, decision="accept").status_code == 200
    resp = complete(
        clerk, one_task(clerk, "referral.result", case), decision="record", result="已判决"
    )
    assert resp.status_code == 200
    case.refresh_from_db()
    assert case.state == State.CLOSED


def test_no_flow_for_a_target_outside_the_system(world):
    case = world.make_case(State.REFERRED)  # refer without target_org
    assert not CaseTask.objects.filter(case=case).exists()


def test_result_entered_directly_cancels_the_open_task(world, failed_labour):
    case = failed_labour
    services.perform(
        case, "refer", world.mediator, {"route": "arbitration", "target_org": world.arbitration.pk}
    )
    services.perform(case, "record_result", world.arbiter, {"result": "已受理"})
    assert not CaseTask.objects.filter(case=case, status="NEW").exclude(kind="").exists()


def test_land_contract_arbitration_runs_its_own_clocks(world, as_user):
    """《农村土地承包经营纠纷调解仲裁法》: acceptance within five working days of the
    application (art 24), the award within sixty days of acceptance, once extended by at
    most thirty (art 48); the demo commission has staff who receive the tasks."""
    with time_machine.travel(NOW, tick=False):
        case = world.make_case(State.FAILED, category="land_contract")
        services.perform(
            case,
            "refer",
            world.mediator,
            {
                "route": "arbitration",
                "target_org": world.land_arbitration.pk,
                "arbitration_agreement": True,
            },
        )
        arbiter = as_user(world.land_arbiter)
        record_filing(arbiter, case)  # Monday 2 Nov 2026
        task = one_task(arbiter, "referral.acknowledge", case)
        # Five working days: 3–6 and 9 Nov.
        assert task["due_at"] == "2026-11-09T23:59:59+08:00"
        assert "第二十四条" in task["due_basis"]
        resp = complete(arbiter, task, decision="accept", number="红土仲字〔2026〕1号")
        assert resp.status_code == 200, resp.content
        result = one_task(arbiter, "referral.result", case)
        # Sixty days from 2 Nov: 1 Jan 2027 (元旦) → Monday 4 Jan.
        assert result["due_at"] == "2027-01-04T23:59:59+08:00"
        assert "第四十八条" in result["due_basis"]
        resp = complete(arbiter, result, decision="extend", days=31, reason="案情复杂")
        assert resp.status_code == 400
        assert "第四十八条" in resp.content.decode()
        resp = complete(arbiter, result, decision="extend", days=30, reason="案情复杂")
        assert resp.status_code == 200, resp.content
        again = one_task(arbiter, "referral.result", case)
    # From the period's own end (1 Jan), not the rolled-over 4 Jan: 31 Jan is a Sunday, so
    # Monday 1 Feb (counted from 4 Jan it would have been 3 Feb).
    assert again["due_at"] == "2027-02-01T23:59:59+08:00"

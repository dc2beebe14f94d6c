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

"""The task inbox page: the court clerk and the judge complete judicial confirmation."""

import re

import pytest

from mediation.actions import services
from mediation.law.choices import State
from workflows import services as workflow_services

pytestmark = pytest.mark.django_db


def requested(world):
    case = world.make_case(State.AGREED)
    services.perform(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
    )
    return case


def test_clerk_registers_and_judge_confirms_through_the_inbox(client, world):
    case = requested(world)
    client.force_login(world.clerk)
    page = client.get("/tasks/").content.decode()
    task = workflow_services.open_tasks(world.clerk)[0]
    assert case.number in page and "登记受理" in page and "不予受理" in page
    bad = client.post(f"/tasks/{task.pk}/complete/", {"decision": "register"})
    assert bad.status_code == 400
    assert re.search(rf'data-for="t{task.pk}-register-number">该字段是必填项', bad.content.decode())
    ok = client.post(
        f"/tasks/{task.pk}/complete/",
        {"decision": "register", f"t{task.pk}-register-number": "（2026）宁0303民特12号"},
    )
    assert ok.status_code == 302
    after = client.get(ok["Location"]).content.decode()
    assert f"任务已办理：{case.number}" in after
    assert f'data-task="{task.pk}"' not in after and "没有待办任务" in after

    client.force_login(world.judge)
    decide = workflow_services.open_tasks(world.judge)[0]
    assert "裁定确认有效" in client.get("/tasks/").content.decode()
    r = client.post(f"/tasks/{decide.pk}/complete/", {"decision": "confirm"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == State.CONFIRMED
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "衔接流程开启：司法确认" in page
    assert "衔接任务办结：登记受理" in page and "衔接任务办结：裁定确认有效" in page
    assert "（2026）宁0303民特12号" in page and "已办结" in page


def test_tasks_of_other_orgs_are_hidden(client, world):
    requested(world)
    task = workflow_services.open_tasks(world.clerk)[0]
    client.force_login(world.outsider)
    assert "没有待办任务" in client.get("/tasks/").content.decode()
    r = client.post(f"/tasks/{task.pk}/complete/", {"decision": "refuse"})
    assert r.status_code == 404

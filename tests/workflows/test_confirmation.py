import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from mediation.law.choices import State
from mediation.models import CaseEvent, Handoff, Membership
from workflows.models import CaseTask

from .conftest import complete, inbox, one_task

NUMBER = "（2026）宁0303民特12号"


@pytest.fixture
def confirming(world):
    return world.make_case(State.CONFIRMING)


def decisions(task):
    return {d["decision"]: [f["name"] for f in d["fields"]] for d in task["decisions"]}


def test_clerk_registers_and_judge_confirms(world, confirming, as_user):
    clerk, judge = as_user(world.clerk), as_user(world.judge)
    task = one_task(clerk, "confirmation.register", confirming)
    assert task["org"] == world.court.pk
    assert decisions(task) == {"register": ["number"], "refuse": ["reason", "note"]}
    assert inbox(judge, case=confirming) == []  # the judge's turn comes after registration

    resp = complete(clerk, task, decision="register", number=NUMBER)
    assert resp.status_code == 200, resp.content
    assert resp.json()["task"]["status"] == "done"

    task = one_task(judge, "confirmation.decide", confirming)
    assert set(decisions(task)) == {"confirm", "reject", "extend"}
    # a ruling on the day the agreement took effect or later (人民调解法 art 33)
    ruled = confirming.current_agreement.effective_date
    resp = complete(judge, task, decision="confirm", ruling_date=ruled.isoformat())
    assert resp.status_code == 200, resp.content
    confirming.refresh_from_db()
    assert confirming.state == State.CONFIRMED
    assert confirming.ruling_date == ruled
    handoff = Handoff.objects.get(case=confirming, kind="confirmation")
    assert (handoff.status, handoff.result, handoff.external_number) == (
        "closed",
        "confirmed",
        NUMBER,
    )
    assert inbox(judge, case=confirming) == []
    # a second completion of the same task is a conflict
    again = complete(judge, task, decision="confirm")
    assert again.status_code == 409
    assert again.json()["current_state"] == State.CONFIRMED


def test_handoff_events_reach_both_sides(world, confirming, as_user):
    clerk = as_user(world.clerk)
    complete(
        clerk,
        one_task(clerk, "confirmation.register", confirming),
        decision="register",
        number=NUMBER,
    )
    opened = CaseEvent.objects.get(case=confirming, type="handoff.opened")
    done = CaseEvent.objects.get(case=confirming, type="task.completed")
    for event in (opened, done):
        assert {world.home.pk, world.court.pk} <= set(event.payload["orgs"])
    assert done.payload["data"]["type"] == "confirmation.register"
    assert done.payload["data"]["decision"] == "register"
    assert done.actor == world.clerk
    # the mediating organisation reads them through the events API too
    resp = as_user(world.mediator).get(f"/api/cases/{confirming.pk}/events/")
    assert resp.status_code == 200
    body = resp.json()
    items = body["results"] if isinstance(body, dict) else body
    assert {"handoff.opened", "task.completed"} <= {e["type"] for e in items}


def test_judge_rejects(world, confirming, as_user):
    clerk, judge = as_user(world.clerk), as_user(world.judge)
    complete(
        clerk,
        one_task(clerk, "confirmation.register", confirming),
        decision="register",
        number=NUMBER,
    )
    task = one_task(judge, "confirmation.decide", confirming)
    resp = complete(judge, task, decision="reject")
    assert resp.status_code == 400
    assert "grounds" in resp.json()["errors"]
    resp = complete(judge, task, decision="reject", grounds="协议内容违反法律强制性规定")
    assert resp.status_code == 200, resp.content
    confirming.refresh_from_db()
    assert confirming.state == State.CONFIRMATION_REJECTED
    assert confirming.rejection_grounds == "协议内容违反法律强制性规定"


@pytest.mark.parametrize("reason", ["wrong_court", "late", "not_joint"])
def test_clerk_refuses_at_intake(world, confirming, as_user, reason):
    clerk = as_user(world.clerk)
    task = one_task(clerk, "confirmation.register", confirming)
    resp = complete(clerk, task, decision="refuse", reason=reason, note="材料不全")
    assert resp.status_code == 200, resp.content
    confirming.refresh_from_db()
    # refused applications go back to the mediator: resume or refer from here
    assert confirming.state == State.CONFIRMATION_REJECTED
    assert confirming.rejection_grounds.startswith("不予受理：")
    assert inbox(as_user(world.judge), case=confirming) == []
    names = {
        t["name"]
        for t in as_user(world.mediator)
        .get(f"/api/cases/{confirming.pk}/")
        .json()["available_transitions"]
    }
    assert {"resume", "refer"} <= names


def test_bad_decision_and_fields(world, confirming, as_user):
    clerk = as_user(world.clerk)
    task = one_task(clerk, "confirmation.register", confirming)
    assert complete(clerk, task, decision="confirm").status_code == 400
    assert complete(clerk, task).status_code == 400
    resp = complete(clerk, task, decision="refuse", reason="bored")
    assert resp.status_code == 400 and "reason" in resp.json()["errors"]
    # valid by the API's body schema (another task's "refuse" takes free text): the refusal
    # says this task's list, never Django's generic "not one of the choices" (issue 31)
    (message,) = resp.json()["errors"]["reason"]
    assert "confirmation.register" in message and "decisions" in message
    from mediation.law.handoffs import REFUSAL_REASONS

    assert "只能是" in message and all(value in message for value, _label in REFUSAL_REASONS)
    assert complete(clerk, task, decision="register").status_code == 400
    assert CaseTask.objects.get(pk=task["id"]).status == "NEW"


def test_outsider_and_wrong_role(world, confirming, as_user):
    clerk, judge = as_user(world.clerk), as_user(world.judge)
    complete(
        clerk,
        one_task(clerk, "confirmation.register", confirming),
        decision="register",
        number=NUMBER,
    )
    task = one_task(judge, "confirmation.decide", confirming)
    for outsider in (world.outsider, world.mediator, world.petition):
        client = as_user(outsider)
        assert inbox(client, case=confirming) == []
        resp = complete(client, task, decision="confirm")
        assert resp.status_code == 404, outsider
    # the court clerk is an insider without the judge's role
    assert complete(clerk, task, decision="confirm").status_code == 403
    assert complete(as_user(world.outsider), {"id": 999999}, decision="x").status_code == 404
    confirming.refresh_from_db()
    assert confirming.state == State.CONFIRMING


# Registered on a Monday in March 2026: the review's 15 days and the 10 more end on working
# days, so the extension is exactly 10 calendar days on any day the suite runs.
@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True)
def test_one_extension_with_approval(world, confirming, as_user):
    clerk, judge = as_user(world.clerk), as_user(world.judge)
    complete(
        clerk,
        one_task(clerk, "confirmation.register", confirming),
        decision="register",
        number=NUMBER,
    )
    task = one_task(judge, "confirmation.decide", confirming)
    # self-approval and a clerk's approval are refused
    # the president approves (法释〔2011〕5号 art 5); an org head or another judge may not
    head = world.users["supervisor"].__class__.objects.create_user("court_head")
    Membership.objects.create(user=head, org=world.court, role="org_head")
    for approver in (world.judge, world.clerk, head):
        resp = complete(judge, task, decision="extend", approved_by=approver.pk, reason="案情复杂")
        assert resp.status_code == 400, approver
    president = world.president
    resp = complete(judge, task, decision="extend", approved_by=president.pk, reason="案情复杂")
    assert resp.status_code == 200, resp.content
    second = one_task(judge, "confirmation.decide", confirming)
    first_due = dt.datetime.fromisoformat(task["due_at"])
    assert dt.datetime.fromisoformat(second["due_at"]) - first_due == dt.timedelta(days=10)
    assert set(decisions(second)) == {"confirm", "reject"}  # allowed once
    handoff = Handoff.objects.get(case=confirming, kind="confirmation")
    assert handoff.due_at == dt.datetime.fromisoformat(second["due_at"])
    assert complete(judge, second, decision="confirm").status_code == 200


def test_direct_ruling_leaves_no_dangling_task(world):
    """make_case(CONFIRMED) runs confirm directly: the flow's open task is cancelled, and
    so is its handoff (the case moved on by another door)."""
    case = world.make_case(State.CONFIRMED)
    assert not CaseTask.objects.filter(case=case, status__in=["NEW", "ASSIGNED"]).exists()
    handoff = Handoff.objects.get(case=case, kind="confirmation")
    assert (handoff.status, handoff.result) == ("cancelled", "superseded:confirmed")


def test_due_dates(world, as_user):
    import time_machine

    now = timezone.make_aware(dt.datetime(2026, 3, 2, 10))
    with time_machine.travel(now, tick=False):
        case = world.make_case(State.CONFIRMING, now=now)
    task = CaseTask.objects.get(case=case, kind="confirmation.register")
    # 3 days from the application (法释〔2011〕5号 art 4), ending at the end of the day.
    assert timezone.localtime(task.due_at).isoformat() == "2026-03-05T23:59:59+08:00"
    assert "第四条" in task.data["clock"]["basis"]


def request_confirmation(client, case, court, joint=True):
    return client.post(
        f"/api/cases/{case.pk}/transitions/request_confirmation/",
        {"court": court.pk, "joint_application": joint, "paper_signatures": True},
        format="json",
    )


def test_not_joint_application_is_refused(world, as_user):
    case = world.make_case(State.AGREED)
    resp = request_confirmation(as_user(world.mediator), case, world.court, joint=False)
    assert resp.status_code == 400
    assert "第二百零五条" in resp.json()["errors"]["applicants"][0]
    case.refresh_from_db()
    assert case.state == State.AGREED
    assert not CaseTask.objects.filter(case=case).exists()
    assert not Handoff.objects.filter(case=case).exists()


def test_thirty_day_limit(world, as_user):
    import time_machine

    t0 = dt.datetime(2026, 10, 1, 2, 0, tzinfo=dt.UTC)  # 10:00 in Ningxia
    with time_machine.travel(t0, tick=False):
        late = world.make_case(State.AGREED, now=t0)
        in_time = world.make_case(State.AGREED, now=t0)
    mediator = as_user(world.mediator)
    # 30 days from 1 October end on Saturday 31 October: the period runs to Monday
    # 2 November (CPL art 85), and is over on the 3rd.
    with time_machine.travel(t0 + dt.timedelta(days=33), tick=False):
        resp = request_confirmation(mediator, late, world.court)
        assert resp.status_code == 400
        assert "30" in str(resp.json()["errors"]) and "2026-11-02" in str(resp.json()["errors"])
        assert not CaseTask.objects.filter(case=late).exists()
    with time_machine.travel(t0 + dt.timedelta(days=32), tick=False):
        resp = request_confirmation(mediator, in_time, world.court)
        assert resp.status_code == 200, resp.content
        assert one_task(as_user(world.clerk), "confirmation.register", in_time)


def test_request_starts_the_flow_in_the_same_transaction(world, as_user):
    """A request that fails after the flow started leaves neither the state nor a task."""
    from django.db import transaction

    from mediation.actions import services

    case = world.make_case(State.AGREED)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.perform(
            case,
            "request_confirmation",
            world.mediator,
            {"court": world.court.pk, "joint_application": True, "paper_signatures": True},
        )
        assert CaseTask.objects.filter(case=case, kind="confirmation.register").exists()
        raise RuntimeError("rolled back")
    case.refresh_from_db()
    assert case.state == State.AGREED
    assert not CaseTask.objects.filter(case=case).exists()


def test_admin_lists_are_read_only(world, client, django_user_model):
    world.make_case(State.CONFIRMING)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin_user = django_user_model.objects.create_superuser("root", password="x")
    client.force_login(admin_user)
    # The admin needs the second factor too (config.admin_site): a verified TOTP device.
    device = TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    for path in ("/admin/workflows/casetask/", "/admin/workflows/caseprocess/"):
        assert client.get(path).status_code == 200
    assert client.get("/admin/workflows/casetask/add/").status_code == 403

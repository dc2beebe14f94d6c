import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from mediation.law.choices import State
from mediation.law.deadlines import sweep
from mediation.models import CaseEvent

from .conftest import complete, one_task

T0 = dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC)


def run_sweep():
    out = StringIO()
    call_command("sweep_deadlines", stdout=out)
    return dict(pair.split("=") for pair in out.getvalue().split())


def deadline_events(case, kind, **data):
    events = CaseEvent.objects.filter(case=case, type=f"deadline.{kind}")
    return [e for e in events if all(e.payload["data"].get(k) == v for k, v in data.items())]


@pytest.fixture
def registered_confirmation(world, as_user):
    with time_machine.travel(T0, tick=False):
        case = world.make_case(State.CONFIRMING, now=T0)
        clerk = as_user(world.clerk)
        task = one_task(clerk, "confirmation.register", case)
        complete(clerk, task, decision="register", number="（2026）宁0303民特12号")
    return case


def at(days, minutes=0):
    return time_machine.travel(T0 + dt.timedelta(days=days, minutes=minutes), tick=False)


def test_fifteen_day_decision_deadline(world, registered_confirmation):
    case = registered_confirmation
    decide = {"task_type": "confirmation.decide"}
    # Registered Monday 2 Nov 09:00 (+08:00): 15 days run 3–17 Nov and end at 24:00 on
    # the 17th; 80% (12 days) have run out at midnight after 14 Nov, i.e. T0 + 12d 15h.
    with at(12, 15 * 60 - 1):
        run_sweep()
        assert deadline_events(case, "approaching", **decide) == []
    with at(12, 15 * 60):
        assert run_sweep()["approaching"] == "1"
        assert len(deadline_events(case, "approaching", **decide)) == 1
    with at(15, 14 * 60 + 59):  # 17 Nov, 23:59 local
        run_sweep()
        assert deadline_events(case, "overdue", **decide) == []
    with at(15, 15 * 60):
        assert run_sweep()["overdue"] == "1"
        [event] = deadline_events(case, "overdue", **decide)
        assert event.payload["data"]["org"] == world.court.pk
        assert {world.home.pk, world.court.pk} <= set(event.payload["orgs"])
        assert run_sweep() == {"checked": "1", "approaching": "0", "overdue": "0"}
    assert len(deadline_events(case, "overdue", **decide)) == 1


def test_extension_moves_the_decision_deadline(world, registered_confirmation, as_user):
    case = registered_confirmation
    president = world.president  # the court's 院长 approves (法释〔2011〕5号 art 5)
    judge = as_user(world.judge)
    with at(10):
        task = one_task(judge, "confirmation.decide", case)
        resp = complete(judge, task, decision="extend", approved_by=president.pk, reason="鉴定")
        assert resp.status_code == 200
    with at(15, 15 * 60 + 1):  # the original 15 days have passed: not overdue any more
        run_sweep()
        assert deadline_events(case, "overdue") == []
    with at(25, 14 * 60 + 59):
        run_sweep()
        assert deadline_events(case, "overdue") == []
    with at(25, 15 * 60):
        run_sweep()
        [event] = deadline_events(case, "overdue", task_type="confirmation.decide")
        # 17 Nov + 10 days: the end of Friday 27 Nov (法释〔2011〕5号 art 5)
        assert event.payload["data"]["due_at"] == "2026-11-27T23:59:59+08:00"
    with at(26):
        task = one_task(judge, "confirmation.decide", case)
        assert complete(judge, task, decision="confirm").status_code == 200
    with at(30):
        assert run_sweep()["overdue"] == "0"


def test_sweep_twice_emits_each_event_once(world):
    with time_machine.travel(T0, tick=False):
        registered = world.make_case(State.REGISTERED, now=T0)  # 1 day: priority (veteran)
        mediating = world.make_case(State.MEDIATING, now=T0)  # 30 days
    with at(40):
        first = run_sweep()
        assert first["overdue"] == "2"
        second = run_sweep()
        assert second["overdue"] == "0" and second["approaching"] == "0"
    for case in (registered, mediating):
        assert len(deadline_events(case, "overdue")) == 1
        assert deadline_events(case, "approaching") == []  # already overdue when first seen


def test_approaching_then_overdue_for_a_case(world):
    with time_machine.travel(T0, tick=False):
        case = world.make_case(
            State.MEDIATING,
            now=T0,
            parties=[
                {"role": "applicant", "kind": "person", "name": "李四"},
                {"role": "respondent", "kind": "person", "name": "王五"},
            ],
        )
    assert not case.priority
    # Accepted Monday 2 Nov: 30 days run 3 Nov – 2 Dec; 24 of them (80%) have run out at
    # midnight after 26 Nov (T0 + 24d 15h); overdue from midnight after 2 Dec.
    with at(24, 15 * 60 - 1):
        assert sweep()["approaching"] == 0
    with at(24, 15 * 60):
        assert sweep()["approaching"] == 1
        assert sweep()["approaching"] == 0
    with at(30, 15 * 60 - 1):
        assert sweep()["overdue"] == 0
    with at(30, 15 * 60):
        assert sweep()["overdue"] == 1
    assert len(deadline_events(case, "approaching", subject="case")) == 1
    assert len(deadline_events(case, "overdue", subject="case")) == 1


def test_approaching_edge_frozen_exactly(world):
    """The 80 % point itself: nothing a microsecond before it, the announcement at it."""
    from mediation.law import deadlines

    with time_machine.travel(T0, tick=False):
        case = world.make_case(State.MEDIATING, now=T0)
    [item] = [i for i in deadlines._case_items() if i.case_id == case.pk]
    edge = deadlines.approaching_point(item, 0.8)
    assert item.start < edge < item.due
    with time_machine.travel(edge - dt.timedelta(microseconds=1), tick=False):
        assert sweep()["approaching"] == 0
    with time_machine.travel(edge, tick=False):
        assert sweep()["approaching"] == 1
    assert len(deadline_events(case, "approaching", subject="case")) == 1


def test_concurrent_announcement_loses_quietly(world):
    """The Deadline insert decides: a second sweep that read before the first committed
    finds the row taken and emits nothing."""
    from mediation.law import deadlines

    with time_machine.travel(T0, tick=False):
        case = world.make_case(State.MEDIATING, now=T0)
    now = T0 + dt.timedelta(days=31)
    [item] = [i for i in deadlines._case_items() if i.case_id == case.pk]
    assert deadlines._announce(item, "overdue", now) is True
    assert deadlines._announce(item, "overdue", now) is False
    assert len(deadline_events(case, "overdue")) == 1


def test_petition_feedback_date_is_announced_once(world, as_user):
    from tests.conftest import case_body

    body = {
        **case_body(world.home),
        "petition_number": "宁红信转〔2026〕15号",
        "feedback_due": (T0 + dt.timedelta(days=10)).isoformat(),
        "petitioner_consent": True,
    }
    with time_machine.travel(T0, tick=False):
        resp = as_user(world.petition).post("/api/petitions/transfers/", body, format="json")
        assert resp.status_code == 201
    from mediation.models import Case

    case = Case.objects.get(pk=resp.json()["id"])
    with at(2):
        world.advance(case, State.FAILED, now=T0 + dt.timedelta(days=2))
        assert one_task(as_user(world.mediator), "petition.feedback", case)["due_at"]
    with at(10, 1):
        sweep()
        sweep()
    overdue = deadline_events(case, "overdue")
    assert [e.payload["data"]["subject"] for e in overdue] == ["handoff"]
    assert overdue[0].payload["data"]["kind"] == "petition"
    assert {world.home.pk, world.petition_bureau.pk} <= set(overdue[0].payload["orgs"])

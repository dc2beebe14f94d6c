"""A clock stands still while the law says its days do not count (《医疗纠纷预防和处理条例》
第三十八条: the appraisal time is not part of the mediation period), DESIGN §12.1."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from mediation.actions import clock_changes, services
from mediation.errors import NotPermitted, NotVisible, StateConflict
from mediation.law.choices import State
from mediation.models import CaseEvent

CST = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=CST)


@pytest.fixture
def medical(world):
    with time_machine.travel(at(2026, 11, 2, 10), tick=False):  # a Monday
        return world.make_case(State.MEDIATING, category="medical")


def test_the_appraisal_days_do_not_count(world, medical, client):
    assert timezone.localdate(medical.due_at) == dt.date(2026, 12, 14)  # 30 working days
    with time_machine.travel(at(2026, 11, 9, 9), tick=False):
        case = services.perform(
            medical, "suspend_clock", world.mediator, {"reason": "医疗损害鉴定"}
        )
    assert case.due_at is None and case.state == State.MEDIATING
    with time_machine.travel(at(2026, 11, 12, 9), tick=False):
        client.force_login(world.mediator)
        page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "期限暂停计算中（自 2026-11-09 起，3 日）" in page
    with time_machine.travel(at(2026, 11, 16, 9), tick=False):
        case = services.perform(case, "resume_clock", world.mediator, {"reason": "鉴定意见已送达"})
    # 09–13 Nov were five working days of the clock: it ends a week later.
    assert timezone.localdate(case.due_at) == dt.date(2026, 12, 21)
    names = [
        e.payload["data"]["transition"]
        for e in CaseEvent.objects.filter(case=case, type="case.transitioned").order_by("id")
    ]
    assert names[-2:] == ["suspend_clock", "resume_clock"]
    resumed = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert resumed.payload["data"]["paused_days"] == 7
    with time_machine.travel(at(2026, 11, 17, 9), tick=False):
        client.force_login(world.mediator)  # five idle days ended the session
        page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "已暂停 7 日，不计入期限" in page
    # A calendar change counts the clock again with its pause still left out.
    with time_machine.travel(at(2026, 11, 17, 9), tick=False):
        clock_changes.set_holiday(world.supervisor, dt.date(2026, 12, 18), "rest", "测试")
    case.refresh_from_db()
    assert timezone.localdate(case.due_at) == dt.date(2026, 12, 22)


def test_only_a_running_clock_pauses_and_only_a_paused_one_resumes(world, medical):
    with pytest.raises(StateConflict):
        services.perform(medical, "resume_clock", world.mediator, {"reason": "x"})
    case = services.perform(medical, "suspend_clock", world.mediator, {"reason": "鉴定"})
    with pytest.raises(StateConflict):
        services.perform(case, "suspend_clock", world.mediator, {"reason": "again"})


def test_a_date_the_parties_agreed_is_not_paused(world, medical):
    due = (medical.due_at + dt.timedelta(days=10)).isoformat()
    with time_machine.travel(at(2026, 11, 20, 9), tick=False):  # before the new date
        case = services.perform(
            medical, "extend", world.head, {"due_at": due, "reason": "同意", "consent": True}
        )
        with pytest.raises(StateConflict):
            services.perform(case, "suspend_clock", world.mediator, {"reason": "鉴定"})


def test_others_may_not_pause(world, medical):
    with pytest.raises((NotPermitted, NotVisible)):
        services.perform(medical, "suspend_clock", world.outsider, {"reason": "x"})
    with pytest.raises(NotPermitted):
        services.perform(medical, "suspend_clock", world.mediator2, {"reason": "x"})

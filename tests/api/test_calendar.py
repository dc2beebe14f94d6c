"""Keeping the calendar (DESIGN §12.1): a year's arrangement entered through the API moves
every open clock with one event a case; who sees an estimated date is told."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from mediation.actions import clock_changes
from mediation.errors import InvalidFields, NotPermitted
from mediation.law import clocks
from mediation.law.choices import State
from mediation.models import CaseEvent
from mediation.models.clocks import Holiday, TimeLimit
from workflows.models import CaseTask

CST = ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime(2026, 12, 7, 10, tzinfo=CST)  # a Monday in December: clocks reach 2027


@pytest.fixture
def december():
    with time_machine.travel(TODAY, tick=True):
        yield


@pytest.fixture
def medical(world, december):
    """A medical dispute accepted today: 30 working days, due 2027-01-19 (not 01-18)."""
    return world.make_case(State.MEDIATING, category="medical")


def local_day(value):
    return timezone.localdate(value)


def moved_events(case):
    return list(
        CaseEvent.objects.filter(case=case, type="case.updated", payload__data__reason="calendar")
    )


def test_the_medical_clock_skips_new_year_and_says_it_is_an_estimate(world, medical, api):
    assert local_day(medical.due_at) == dt.date(2027, 1, 19)
    body = api(world.mediator).get(f"/api/cases/{medical.pk}/").json()
    assert body["due_confirmed"] is False
    assert body["due_note"] == "（2027年放假安排未公布，按法定节假日推算）"
    assert body["due_at"].startswith("2027-01-19")


def test_the_mediator_and_judge_see_the_estimate_on_their_pages(world, medical, client):
    client.force_login(world.mediator)
    page = client.get(f"/cases/{medical.pk}/").content.decode()
    assert "2027年放假安排未公布，按法定节假日推算" in page
    listing = client.get("/cases/").content.decode()
    assert "2027年放假安排未公布，按法定节假日推算" in listing


def test_the_judge_sees_it_on_the_confirmation_task(world, client):
    with time_machine.travel(dt.datetime(2026, 12, 21, 10, tzinfo=CST), tick=True):
        case = world.make_case(State.CONFIRMING)
    task = CaseTask.objects.get(case=case, kind="confirmation.register")
    # Registered within 3 days and decided within 15: the whole clock ends in 2027.
    assert not clocks.due_confirmed(case.due_at)
    assert task.due_at is not None
    with time_machine.travel(dt.datetime(2026, 12, 21, 11, tzinfo=CST), tick=True):
        client.force_login(world.judge)
        resp = client.get(f"/cases/{case.pk}/")
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "2027年放假安排未公布" in page


def test_entering_a_rest_day_moves_stored_due_dates_with_one_event_each(world, medical, api):
    supervisor = api(world.supervisor)
    before = medical.due_at
    r = supervisor.post(
        "/api/calendar/",
        {"date": "2027-01-15", "kind": "rest", "note": "2027年放假安排（测试）"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert r.json()["cases_moved"] >= 1
    medical.refresh_from_db()
    assert local_day(medical.due_at) == dt.date(2027, 1, 20)
    [event] = moved_events(medical)
    data = event.payload["data"]
    assert data["previous_due_at"] == timezone.localtime(before).isoformat()
    assert data["due_at"].startswith("2027-01-20")
    assert data["fields"] == ["due_at"]
    # The row is listed for the year; deleting it moves the date back, with its own event.
    year = supervisor.get("/api/calendar/?year=2027").json()
    assert {"date": "2027-01-15", "kind": "rest", "note": "2027年放假安排（测试）"} in year["days"]
    assert "2027-02-05" in year["statutory"]
    r = supervisor.delete("/api/calendar/?date=2027-01-15")
    assert r.status_code == 200, r.content
    medical.refresh_from_db()
    assert local_day(medical.due_at) == dt.date(2027, 1, 19)
    assert len(moved_events(medical)) == 2


def test_a_change_that_moves_nothing_writes_no_event(world, medical):
    with time_machine.travel(TODAY, tick=True):
        _row, moved = clock_changes.set_holiday(
            world.supervisor, dt.date(2027, 3, 1), "rest", "测试：远在期限之后"
        )
    assert moved == {}
    assert moved_events(medical) == []


def test_a_flow_task_clock_moves_and_its_case_gets_one_event(world, december):
    case = world.make_case(State.CONFIRMING)
    task = CaseTask.objects.get(case=case, kind="confirmation.register")
    due = local_day(task.due_at)
    rest = due
    _row, moved = clock_changes.set_holiday(world.supervisor, rest, "rest", "测试调休")
    task.refresh_from_db()
    assert local_day(task.due_at) > due
    changes = moved[case.pk]
    assert any(c.subject == "task" and c.id == task.pk for c in changes)
    assert (
        len(
            CaseEvent.objects.filter(
                case=case, type="case.updated", payload__data__reason="calendar"
            )
        )
        == 1
    )


def test_a_time_limit_change_moves_open_clocks(world, medical):
    row = TimeLimit.objects.get(stage="mediation", network="", category="medical")
    row.count = 31
    with time_machine.travel(TODAY, tick=True):
        clock_changes.save_time_limit(world.supervisor, row)
    medical.refresh_from_db()
    assert local_day(medical.due_at) == dt.date(2027, 1, 20)


def test_only_supervisors_and_the_system_administrator_keep_the_calendar(world, api):
    r = api(world.mediator).post(
        "/api/calendar/", {"date": "2027-01-15", "kind": "rest", "note": "x"}, format="json"
    )
    assert r.status_code == 403
    assert api(world.judge).get("/api/calendar/").status_code == 403
    assert api().get("/api/calendar/").status_code in (401, 403)
    with pytest.raises(NotPermitted):
        clock_changes.set_holiday(world.mediator, dt.date(2027, 1, 15), "rest", "x")
    assert not Holiday.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"date": "1999-12-31", "kind": "rest", "note": "x"}, "date"),
        ({"date": "2101-01-03", "kind": "rest", "note": "x"}, "date"),
        ({"date": "2027-01-15", "kind": "holiday"}, "kind"),
        ({"date": "2027-13-01", "kind": "rest"}, "date"),
        # a statutory holiday marked a working day: needs confirm and a note
        ({"date": "2027-01-01", "kind": "work", "note": "调休"}, "kind"),
        ({"date": "2027-01-01", "kind": "work", "confirm": True}, "kind"),
        # restating the default needs a reason
        ({"date": "2027-01-12", "kind": "work"}, "kind"),
        ({"date": "2027-01-16", "kind": "rest"}, "kind"),
    ],
)
def test_bad_days_are_refused_and_nothing_is_written(world, api, body, field):
    r = api(world.supervisor).post("/api/calendar/", body, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()["errors"]
    assert not Holiday.objects.exists()


def test_a_statutory_day_as_working_day_cites_the_law_and_takes_confirmation(world, api):
    c = api(world.supervisor)
    r = c.post("/api/calendar/", {"date": "2027-01-01", "kind": "work"}, format="json")
    assert "全国年节及纪念日放假办法" in r.json()["errors"]["kind"][0]
    r = c.post(
        "/api/calendar/",
        {"date": "2027-01-01", "kind": "work", "confirm": True, "note": "国办发明电〔2026〕X号"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert clocks.is_working_day(dt.date(2027, 1, 1))


def test_the_recount_never_half_applies(world, medical, monkeypatch):
    """A failure while moving the clocks rolls back the calendar row too."""
    before = medical.due_at

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(clock_changes, "record_events_for_cases", broken)
    with time_machine.travel(TODAY, tick=True), pytest.raises(RuntimeError):
        clock_changes.set_holiday(world.supervisor, dt.date(2027, 1, 15), "rest", "测试")
    medical.refresh_from_db()
    assert medical.due_at == before
    assert not Holiday.objects.exists()
    with pytest.raises(InvalidFields):
        clock_changes.delete_holiday(world.supervisor, dt.date(2027, 1, 15))


def test_the_calendar_page(world, medical, client):
    client.force_login(world.mediator)
    assert client.get("/supervision/calendar/").status_code == 403
    client.force_login(world.supervisor)
    page = client.get("/supervision/calendar/?year=2027").content.decode()
    assert "（2027年放假安排未公布，按法定节假日推算）" in page
    assert "2027-02-05" in page  # 除夕 among the statutory days
    r = client.post(
        "/supervision/calendar/",
        {"year": "2027", "date": "2027-01-15", "kind": "rest", "note": "测试"},
        follow=True,
    )
    assert "1 件在办案件的期限随之重算" in r.content.decode()
    medical.refresh_from_db()
    assert local_day(medical.due_at) == dt.date(2027, 1, 20)
    r = client.post(
        "/supervision/calendar/", {"year": "2027", "date": "2027-01-01", "kind": "work"}
    )
    assert r.status_code == 400
    assert "全国年节及纪念日放假办法" in r.content.decode()
    r = client.post("/supervision/calendar/", {"year": "2027", "delete": "2027-01-15"}, follow=True)
    medical.refresh_from_db()
    assert local_day(medical.due_at) == dt.date(2027, 1, 19)


def test_a_province_recounts_in_batches_and_a_second_run_moves_nothing(world, december):
    cases = [world.make_case(State.MEDIATING, category="medical") for _ in range(3)]
    Holiday.objects.create(date=dt.date(2027, 1, 15), is_working_day=False, note="测试")
    moved = clock_changes.recount_in_batches(world.supervisor, "calendar", batch=2)
    assert sorted(moved) == sorted(c.pk for c in cases)
    for case in cases:
        case.refresh_from_db()
        assert local_day(case.due_at) == dt.date(2027, 1, 20)
        assert len(moved_events(case)) == 1
    assert clock_changes.recount_in_batches(world.supervisor, "calendar", batch=2) == {}


def test_above_the_county_size_a_change_commits_first_then_moves_in_batches(
    world, medical, monkeypatch
):
    monkeypatch.setattr(clock_changes, "LARGE", 0)
    with time_machine.travel(TODAY, tick=True):
        _row, moved = clock_changes.set_holiday(
            world.supervisor, dt.date(2027, 1, 15), "rest", "测试"
        )
    assert list(moved) == [medical.pk]
    medical.refresh_from_db()
    assert local_day(medical.due_at) == dt.date(2027, 1, 20)


def test_a_row_entered_in_the_admin_moves_the_clocks_too(admin_client, world, medical):
    r = admin_client.post(
        "/admin/mediation/holiday/add/",
        {"date": "2027-01-15", "is_working_day": "", "note": "2027年放假安排（测试）"},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    medical.refresh_from_db()
    assert local_day(medical.due_at) == dt.date(2027, 1, 20)
    assert len(moved_events(medical)) == 1


def test_dates_somebody_fixed_are_never_shared_between_clocks(db):
    """Two fixed dates started the same day (a court's letters, agreed extensions) each
    keep their own date through a recount; counted clocks of one rule share the count."""
    recount = clock_changes._Recount()
    start = dt.datetime(2026, 12, 7, 10, tzinfo=CST)
    first = clocks.fixed_clock("confirmation_decide", start, start + dt.timedelta(days=20), "法院")
    second = clocks.fixed_clock("confirmation_decide", start, start + dt.timedelta(days=30), "法院")
    assert recount(first).due == first.due
    assert recount(second).due == second.due
    stopped = clocks.paused(clocks.clock("mediation", start, category="medical"), TODAY.date())
    assert recount(stopped) is stopped
    a = clocks.clock("mediation", start, category="medical")
    b = clocks.clock("mediation", start + dt.timedelta(hours=3), category="medical")
    assert recount(a).due == recount(b).due == a.due

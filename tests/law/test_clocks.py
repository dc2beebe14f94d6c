"""Legal clocks on China's official calendar (issue #9, DESIGN.md §3 "Legal clocks")."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from mediation.actions import services
from mediation.law import clocks
from mediation.law.choices import State
from mediation.law.deadlines import sweep
from mediation.models import Case, CaseEvent, Handoff
from mediation.models.clocks import Holiday, TimeLimit
from tests.conftest import APPLICANT, RESPONDENT, case_body

D = dt.date


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def end_of(day: str) -> str:
    return f"{day}T23:59:59+08:00"


def due_iso(case) -> str:
    return timezone.localtime(case.due_at).isoformat()


# -- the table -----------------------------------------------------------------------------

SEEDED = [
    # stage, network, category, count, unit, start, extension, citation
    ("acceptance", "", "", 3, "calendar", "registration", 0, "3日内决定是否受理"),
    ("acceptance_priority", "", "", 1, "calendar", "registration", 0, "优先受理"),
    ("mediation", "", "", 1, "month", "acceptance", 0, "《人民调解工作若干规定》第三十三条"),
    ("mediation", "judicial", "", 30, "calendar", "acceptance", 0, "法释〔2016〕14号"),
    ("mediation", "lawyer", "", 30, "calendar", "acceptance", 0, "司发通〔2017〕105号"),
    ("land_arbitration_accept", "", "", 5, "working", "filing", 0, "第二十四条"),
    ("land_arbitration_award", "", "", 60, "calendar", "arbitration_accepted", 30, "第四十八条"),
    ("mediation", "", "labor", 15, "calendar", "registration", 0, "《劳动争议调解仲裁法》第十四条"),
    (
        "mediation",
        "",
        "medical",
        30,
        "working",
        "acceptance",
        0,
        "《医疗纠纷预防和处理条例》第三十八条",
    ),
    (
        "mediation",
        "administrative",
        "traffic",
        10,
        "calendar",
        "acceptance",
        0,
        "《道路交通安全法实施条例》第九十四条、第九十五条",
    ),
    ("referral_pre_filing", "", "", 30, "calendar", "sign_for", 0, "法释〔2016〕14号"),
    ("referral_post_filing", "", "", 15, "calendar", "sign_for", 0, "法释〔2016〕14号"),
    ("referral_summary", "", "", 7, "calendar", "sign_for", 0, "法释〔2016〕14号"),
    ("petition_accept", "", "", 15, "calendar", "petition_received", 0, "《信访工作条例》"),
    ("petition_handle", "", "", 60, "calendar", "petition_accepted", 30, "《信访工作条例》"),
    ("confirmation_apply", "", "", 30, "calendar", "agreement_effective", 0, "第二百零五条"),
    ("confirmation_register", "", "", 3, "calendar", "application", 0, "法释〔2011〕5号）第四条"),
    (
        "confirmation_decide",
        "",
        "",
        15,
        "calendar",
        "court_registration",
        10,
        "法释〔2011〕5号）第五条",
    ),
    (
        "labour_arbitration_accept",
        "",
        "",
        5,
        "calendar",
        "filing",
        0,
        "《劳动争议调解仲裁法》第二十九条",
    ),
    (
        "labour_arbitration_award",
        "",
        "",
        45,
        "calendar",
        "arbitration_accepted",
        15,
        "《劳动争议调解仲裁法》第四十三条",
    ),
    ("litigation_filing", "", "", 7, "calendar", "filing", 0, "《民事诉讼法》第一百二十六条"),
    (
        "legal_aid_review",
        "",
        "",
        7,
        "calendar",
        "legal_aid_application",
        0,
        "《中华人民共和国法律援助法》第四十三条",
    ),
    # no statute: the bureau's own limit for complaints about mediators (DESIGN.md §8)
    ("complaint_handle", "", "", 30, "calendar", "complaint_received", 0, "司法局内部办理时限"),
]


def test_every_seeded_row_carries_its_value_and_citation(db):
    rows = {
        (r.stage, r.network, r.category): r
        for r in TimeLimit.objects.all()  # written by migration 0003_seed_time_limits
    }
    assert len(rows) == len(SEEDED)
    for stage, network, category, count, unit, start, extension, citation in SEEDED:
        row = rows[(stage, network, category)]
        got = (row.count, row.unit, row.start, row.extension)
        assert got == (count, unit, start, extension), stage
        assert citation in row.basis, (stage, row.basis)


def test_the_most_specific_row_wins_and_edits_apply_at_once(db):
    assert clocks.rule("mediation", "people", "neighbour").unit == "month"  # 一个月内
    assert clocks.rule("mediation", "people", "labor").count == 15
    assert clocks.rule("mediation", "administrative", "traffic").count == 10
    assert clocks.rule("mediation", "people", "traffic").unit == "month"  # traffic police only
    assert "特邀调解" in clocks.rule("mediation", "judicial", "neighbour").basis
    assert "律师调解" in clocks.rule("mediation", "lawyer", "neighbour").basis
    TimeLimit.objects.create(
        network="people", category="", stage="mediation", count=20, unit="calendar",
        start="acceptance", basis="某地规定（第一条）",
    )  # fmt: skip
    assert clocks.rule("mediation", "people", "neighbour").count == 20  # signal cleared cache
    assert clocks.rule("mediation", "people", "labor").count == 15  # category beats network


def test_bad_rows_are_refused_with_a_clear_message(admin_client):
    row = TimeLimit(stage="mediation", count=0, unit="calendar", start="acceptance", basis="x")
    with pytest.raises(ValidationError) as err:
        row.full_clean()
    assert "期限须为正整数" in str(err.value)
    resp = admin_client.post(
        "/admin/mediation/timelimit/add/",
        {"stage": "mediation", "count": "-3", "unit": "calendar", "start": "acceptance",
         "extension": "0", "basis": "某规定"},
    )  # fmt: skip
    assert resp.status_code == 200 and "期限须为正整数" in resp.content.decode()
    # A weekday "working" or a weekend "rest" with no reason restates the default.
    with pytest.raises(ValidationError) as err:
        Holiday(date=D(2027, 3, 3), is_working_day=True).full_clean()
    assert "无需登记" in str(err.value)
    with pytest.raises(ValidationError):
        Holiday(date=D(2027, 3, 6), is_working_day=False).full_clean()
    resp = admin_client.post("/admin/mediation/holiday/add/", {"date": "2027-03-06", "note": ""})
    assert resp.status_code == 200 and "无需登记" in resp.content.decode()
    assert not Holiday.objects.exists()


# -- the calendar -------------------------------------------------------------------------


def test_2026_national_day_spring_festival_and_exchanged_saturdays(db):
    assert not clocks.is_working_day(D(2026, 10, 1))
    assert not clocks.is_working_day(D(2026, 10, 7))
    assert clocks.is_working_day(D(2026, 10, 10))  # a Saturday worked in exchange
    assert clocks.is_working_day(D(2026, 2, 14))  # Saturday before the Spring Festival
    assert not clocks.is_working_day(D(2026, 2, 18))
    # National Day: from 30 September the next working day is 8 October.
    assert clocks.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert clocks.add_working_days(D(2026, 9, 30), 3) == D(2026, 10, 10)
    # Spring Festival: Friday 13 February, then the exchanged Saturday, then the 24th.
    assert clocks.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert clocks.add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)


def test_a_calendar_period_ending_on_a_holiday_ends_on_the_next_working_day(db):
    assert clocks.period_end(D(2026, 9, 21), 10) == D(2026, 10, 8)  # 1 Oct → 8 Oct
    assert clocks.period_end(D(2026, 3, 4), 3) == D(2026, 3, 9)  # Saturday → Monday
    assert clocks.period_end(D(2026, 10, 7), 3) == D(2026, 10, 10)  # exchanged Saturday
    assert clocks.period_end(D(2026, 3, 2), 3) == D(2026, 3, 5)


def test_2027_falls_back_to_the_statutory_holidays_and_warns(db):
    # Not in chinesecalendar: 元旦 and 春节 are still rest days by law, weekends too.
    assert not clocks.is_working_day(D(2027, 1, 1))
    assert not clocks.is_working_day(D(2027, 1, 2))
    assert clocks.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)
    assert clocks.unknown_years([2026, 2027]) == [2027]
    assert not clocks.due_confirmed(local(2027, 1, 4, 23, 59, 59))
    assert clocks.unconfirmed_note(local(2027, 1, 4, 23, 59, 59)) == (
        "（2027年放假安排未公布，按法定节假日推算）"
    )
    assert clocks.unconfirmed_note(local(2026, 12, 31, 23, 59, 59)) == ""
    with time_machine.travel(local(2026, 11, 28, 10), tick=False):
        [warning] = clocks.calendar_warnings()
        assert "2027 年的放假安排尚未录入" in warning
        out = StringIO()
        call_command("check", stdout=out, stderr=out)
        assert "mediation.W001" in out.getvalue()
        # The administrator enters the arrangement: the calendar and the warning follow.
        Holiday.objects.create(date=D(2027, 1, 1), is_working_day=False, note="元旦")
        assert not clocks.is_working_day(D(2027, 1, 1))
        assert clocks.calendar_warnings() == []
        assert clocks.due_confirmed(local(2027, 1, 4, 23, 59, 59))
    # A people's mediation accepted 2026-12-02 (a month) no longer ends on 元旦.
    assert clocks.period_end(D(2026, 12, 2), 30) == D(2027, 1, 4)


STATUTORY_2027 = [
    # the day, and the first working day after it (weekends and the festival's other days)
    (D(2027, 1, 1), D(2027, 1, 4)),  # 元旦, a Friday
    (D(2027, 2, 5), D(2027, 2, 9)),  # 除夕 → after 初一–初三 (Sat–Mon)
    (D(2027, 2, 6), D(2027, 2, 9)),  # 初一
    (D(2027, 2, 7), D(2027, 2, 9)),  # 初二
    (D(2027, 2, 8), D(2027, 2, 9)),  # 初三, a Monday
    (D(2027, 4, 5), D(2027, 4, 6)),  # 清明 (solar term)
    (D(2027, 5, 1), D(2027, 5, 3)),  # 劳动节
    (D(2027, 5, 2), D(2027, 5, 3)),
    (D(2027, 6, 9), D(2027, 6, 10)),  # 端午
    (D(2027, 9, 15), D(2027, 9, 16)),  # 中秋
    (D(2027, 10, 1), D(2027, 10, 4)),  # 国庆
    (D(2027, 10, 2), D(2027, 10, 4)),
    (D(2027, 10, 3), D(2027, 10, 4)),
]


@pytest.mark.parametrize("holiday,next_working", STATUTORY_2027)
def test_no_period_ends_on_a_statutory_holiday_of_an_unpublished_year(db, holiday, next_working):
    assert not clocks.is_working_day(holiday)
    for n in range(1, 8):  # every period whose plain end would be the holiday
        start = holiday - dt.timedelta(days=n)
        assert clocks.period_end(start, n) == next_working
    assert clocks.add_working_days(holiday - dt.timedelta(days=1), 1) >= next_working


def test_years_outside_the_statutory_rules_count_weekends_only(db):
    assert clocks.statutory_rest_days(1999) == frozenset()
    assert clocks.statutory_rest_days(2101) == frozenset()
    assert D(2100, 1, 1) in clocks.statutory_rest_days(2100)


def test_a_medical_clock_across_new_year_2027(db):
    # 30 working days from 2026-12-07 (Monday): 元旦 is not one of them, so 01-19, not 01-18.
    with time_machine.travel(local(2026, 12, 7, 10), tick=False):
        c = clocks.clock("mediation", timezone.now(), category="medical")
    assert c.unit == "working"
    assert timezone.localdate(c.due) == D(2027, 1, 19)
    assert not clocks.due_confirmed(c.due)


def test_petition_handling_60_days_from_today_does_not_end_on_chuxi(db):
    with time_machine.travel(local(2026, 12, 7, 10), tick=False):
        c = clocks.clock("petition_handle", timezone.now())
    # 60 days reach 2027-02-05 (除夕); the period ends after the festival, on 02-09.
    assert timezone.localdate(c.due) == D(2027, 2, 9)


def test_a_paused_clock_leaves_its_days_out(db):
    start = local(2026, 11, 2, 10)  # a Monday
    c = clocks.clock("mediation", start, category="medical")  # 30 working days
    assert timezone.localdate(c.due) == D(2026, 12, 14)
    stopped = clocks.paused(c, D(2026, 11, 9))  # appraisal from Monday 11-09 …
    again = clocks.resumed(stopped, D(2026, 11, 16))  # … to Sunday 11-15: 5 working days
    assert clocks.paused_days(again) == 7
    assert timezone.localdate(again.due) == D(2026, 12, 21)
    # Counted again (a calendar change), the pause stays out.
    assert clocks.recounted(again).due == again.due
    # A calendar-day clock (a month) moves by the 7 calendar days.
    m = clocks.clock("mediation", start)
    m2 = clocks.resumed(clocks.paused(m, D(2026, 11, 9)), D(2026, 11, 16))
    assert (timezone.localdate(m2.due) - timezone.localdate(m.due)).days >= 7


def test_an_extension_counts_from_the_original_end_not_the_rolled_over_day(db):
    # Registered Tuesday 2026-09-15: 15 days end 09-30 (a Wednesday, a working day) …
    registered = local(2026, 9, 22, 10)
    c = clocks.clock("confirmation_decide", registered)
    # 09-22 + 15 = 10-07 (国庆), rolled over to 10-08.
    assert timezone.localdate(c.due) == D(2026, 10, 8)
    longer = clocks.extended("confirmation_decide", c)
    # The 10 more days run from 10-07, the period's own end: 10-17 (a Saturday) → 10-19,
    # not from 10-08 (which would give 10-18 → 10-19 too, so check the count).
    assert longer.count == c.count + 10
    assert timezone.localdate(longer.due) == clocks.period_end(D(2026, 9, 22), 25)


def test_clock_json_round_trip(db):
    c = clocks.confirmation_clock(local(2026, 12, 28, 10))
    again = clocks.clock_from_json(clocks.clock_json(c))
    assert again == c
    assert clocks.recounted(again).due == c.due
    assert clocks.clock_from_json({"stage": "x", "due": "2026-01-01T00:00:00+08:00"}) is None


def test_supervisor_page_warns_about_an_unknown_year(world, client):
    client.force_login(world.supervisor)
    # the supervisor's home (the dashboard) and the case list both say so
    for page in ("/", "/cases/"):
        with time_machine.travel(local(2026, 11, 28, 10), tick=False):
            resp = client.get(page, follow=True)
        assert "2027 年的放假安排尚未录入" in resp.content.decode(), page
    client.force_login(world.mediator)
    with time_machine.travel(local(2026, 11, 28, 10), tick=False):
        resp = client.get("/")
    assert "放假安排尚未录入" not in resp.content.decode()


# -- the case's clocks ---------------------------------------------------------------------


def _case(world, at, **overrides):
    with time_machine.travel(at, tick=False):
        return world.make_case(State.REGISTERED, now=at, **overrides)


def _accept(world, case, at):
    with time_machine.travel(at, tick=False):
        return services.perform(case, "accept", world.head, {"mediator": world.mediator.pk}, now=at)


def test_acceptance_three_days_one_for_priority(world):
    case = _case(world, local(2026, 3, 4, 10))  # the applicant is a veteran: priority
    assert case.priority and due_iso(case) == end_of("2026-03-05")
    assert "优先受理" in case.due_basis
    applicant = {**APPLICANT, "id_number": "640303199001010012", "tags": []}
    plain = _case(world, local(2026, 3, 4, 10), parties=[applicant, dict(RESPONDENT)])
    assert not plain.priority
    assert due_iso(plain) == end_of("2026-03-09")  # 7 March is a Saturday: Monday


def test_medical_mediation_runs_thirty_working_days(world, client):
    case = _case(world, local(2026, 9, 10, 9), category="medical")
    case = _accept(world, case, local(2026, 9, 14, 10))
    # 30 working days over Mid-Autumn and National Day, counting 20 Sep and 10 Oct worked.
    assert due_iso(case) == end_of("2026-10-30")
    assert case.due_unit == "working" and "第三十八条" in case.due_basis
    client.force_login(world.mediator)
    with time_machine.travel(local(2026, 9, 30, 10), tick=False):
        body = client.get(f"/api/cases/{case.pk}/").json()
    assert body["due_basis"] == case.due_basis
    assert body["due_left"] == "剩余 18 个工作日"  # 8, 9, 10 Oct and three full weeks


def test_case_pages_show_the_basis_on_hover_and_days_left(world, client):
    case = _accept(world, _case(world, local(2026, 9, 10, 9), category="medical"),
                   local(2026, 9, 14, 10))  # fmt: skip
    client.force_login(world.mediator)
    with time_machine.travel(local(2026, 9, 30, 10), tick=False):
        listing = client.get("/").content.decode()
        detail = client.get(f"/cases/{case.pk}/").content.decode()
    for page in (listing, detail):
        assert f'title="{case.due_basis}"' in page
        assert "剩余 18 个工作日" in page


def test_labour_mediation_runs_fifteen_days_from_registration(world):
    case = _case(world, local(2026, 3, 2, 10), category="labor")
    case = _accept(world, case, local(2026, 3, 6, 10))
    assert due_iso(case) == end_of("2026-03-17")
    assert case.due_from == local(2026, 3, 2, 10)
    assert "第十四条" in case.due_basis


def test_traffic_mediation_by_the_traffic_police_runs_ten_days(world):
    case = _case(world, local(2026, 3, 2, 10), category="traffic", org=world.traffic_police)
    officer, at = world.admin_mediator, local(2026, 3, 3, 10)
    case = services.perform(case, "accept", officer, {"mediator": officer.pk}, now=at)
    assert due_iso(case) == end_of("2026-03-13")
    assert "第九十四条" in case.due_basis


def test_court_referral_runs_from_sign_for(world, client):
    client.force_login(world.clerk)
    body = {
        **case_body(world.home),
        "referral_number": "（2026）宁0303诉前调2号",
        "kind": "post_filing",
        "summary_procedure": True,
    }
    with time_machine.travel(local(2026, 11, 2, 9), tick=False):
        resp = client.post("/api/courts/referrals/", body, content_type="application/json")
    assert resp.status_code == 201, resp.content
    case = Case.objects.get(pk=resp.json()["id"])
    handoff = Handoff.objects.get(case=case, kind="court_referral")
    assert handoff.due_at is None  # nothing runs until the materials are signed for
    signed = local(2026, 11, 5, 15)
    case = _accept(world, case, signed)
    assert case.materials_received_at == signed
    assert due_iso(case) == end_of("2026-11-12")  # 7 days from sign-for
    handoff.refresh_from_db()
    assert handoff.due_at == case.due_at and "简易程序" in case.due_basis


def test_extension_keeps_the_clock_and_says_why(world):
    case = _case(world, local(2026, 3, 2, 10))
    case = _accept(world, case, local(2026, 3, 2, 11))
    services.perform(case, "begin", world.mediator, {"consent": True}, now=local(2026, 3, 3))
    case = services.perform(
        case,
        "extend",
        world.head,
        {"due_at": "2026-04-30T23:59:59+08:00", "reason": "鉴定", "consent": True},
        now=local(2026, 3, 20),
    )
    assert due_iso(case) == end_of("2026-04-30")
    assert "经当事人同意延长" in case.due_basis and "第三十三条" in case.due_basis


# -- the 80 % point in the clock's own unit -------------------------------------------------


def test_the_approaching_edge_counts_working_days(world):
    case = _case(world, local(2026, 9, 10, 9), category="medical")
    case = _accept(world, case, local(2026, 9, 14, 10))
    # 80% of 30 working days = 24 working days: those end with Thursday 22 October.
    edge = local(2026, 10, 23, 0, 0)
    assert clocks.approaching_at(case.due_from, case.due_at, "working", 0.8) == edge

    def approaching():
        return CaseEvent.objects.filter(case=case, type="deadline.approaching").count()

    with time_machine.travel(edge - dt.timedelta(seconds=1), tick=False):
        sweep()
    assert approaching() == 0
    with time_machine.travel(edge, tick=False):
        sweep()
        sweep()
    assert approaching() == 1
    with time_machine.travel(case.due_at + dt.timedelta(seconds=1), tick=False):
        assert sweep()["overdue"] == 1


def test_the_approaching_edge_of_a_calendar_clock(world):
    case = _case(world, local(2026, 3, 2, 10))
    case = _accept(world, case, local(2026, 3, 2, 11))  # a month: due 2 April
    assert due_iso(case) == end_of("2026-04-02")
    # 80 % of the 31 counted days (3 March – 2 April) is 24.8: 24 whole days (3–26 March)
    # and 0.8 of 27 March have run out at 19:12 that day.
    edge = local(2026, 3, 27, 19, 12)
    with time_machine.travel(edge - dt.timedelta(seconds=1), tick=False):
        assert sweep()["approaching"] == 0
    with time_machine.travel(edge, tick=False):
        assert sweep()["approaching"] == 1


def test_people_mediation_runs_a_calendar_month(db):
    # 民法典 第二百零二条: the corresponding day, or the month's last where there is none.
    assert clocks.months_later(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert clocks.months_later(D(2026, 12, 15), 1) == D(2027, 1, 15)
    # 28 Feb 2026 is a Saturday worked in exchange for the Spring Festival: a working day.
    c = clocks.clock("mediation", local(2026, 1, 31, 10), "people", "neighbour")
    assert timezone.localdate(c.due) == D(2026, 2, 28)
    assert "第三十三条" in c.basis
    # 2 Jan 2027 + a month is 2 Feb; 2 Dec 2026 + a month ends on 元旦 → 4 Jan 2027.
    c = clocks.clock("mediation", local(2026, 12, 2, 10), "people", "neighbour")
    assert timezone.localdate(c.due) == D(2027, 1, 4)


def test_court_and_lawyer_mediation_carry_their_own_basis(world):
    for org, words in ((world.lawyer_studio, "律师调解"), (world.court, "特邀调解")):
        case = world.make_case(State.ACCEPTED, org=org)
        assert words in case.due_basis, (org, case.due_basis)
        assert "人民调解工作若干规定" not in case.due_basis

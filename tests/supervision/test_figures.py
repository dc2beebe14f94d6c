"""Every figure of the summary against the hand-counted district (conftest.DISTRICT),
an empty period, each filter, and the 400s for impossible filters."""

import pytest

from mediation.law.choices import State
from mediation.models import Agreement
from mediation.supervision.figures import parse_filters, summary

from .conftest import at

PERIOD = "from=2026-03-01&to=2026-07-31"

pytestmark = pytest.mark.django_db


def counts(rows):
    return {r["key"]: r["count"] for r in rows}


def test_every_figure_of_the_whole_period(api, world, district):
    s = api(world.supervisor).get("/api/stats/summary/?from=2026-03-01&to=2026-07-31").json()
    assert s["total"] == 7
    assert counts(s["by_network"]) == {"people": 6, "administrative": 1}
    # E registered at the traffic police: a traffic dispute, within its remit
    assert counts(s["by_category"]) == {"neighbour": 5, "labor": 1, "traffic": 1}
    assert counts(s["by_channel"]) == {"walk_in": 7}
    assert counts(s["by_region"]) == {"红寺堡镇": 6, "太阳山镇": 1}
    assert [(m["key"], m["count"]) for m in s["by_month"]] == [
        ("2026-03", 2),
        ("2026-04", 2),
        ("2026-05", 1),
        ("2026-06", 1),
        ("2026-07", 1),
    ]
    # agreed: A, C; ended: A, B (failed), C, F (withdrawn); D open, E open, G declined.
    assert (s["agreed"], s["ended"], s["success_rate"]) == (2, 4, 0.5)
    assert (s["confirmation_requested"], s["confirmed"], s["confirmation_rate"]) == (1, 1, 1.0)
    # A's latest follow-up says performed, C's says not: one of two.
    assert (s["followed_up"], s["performed"], s["performance_rate"]) == (2, 1, 0.5)
    assert (s["amount_cases"], s["amount_total"]) == (4, "9200.00")
    assert (s["closed"], s["avg_days_to_close"]) == (1, 10.0)
    assert (s["overdue"], s["high_risk"]) == (2, 1)  # D (mediation), E (acceptance)
    assert (s["priority"], s["priority_share"]) == (5, round(5 / 7, 4))
    # no petition transfers: no data, not a zero rate
    assert (s["petition_feedback_due"], s["petition_feedback_rate"]) == (0, None)
    assert s["filters"] == {"from": "2026-03-01", "to": "2026-07-31", "network": "", "region": ""}


def test_an_empty_period_says_no_data(api, world, district):
    s = api(world.supervisor).get("/api/stats/summary/?from=2025-01-01&to=2025-01-31").json()
    assert s["total"] == 0 and s["by_network"] == [] and s["by_region"] == []
    assert s["by_month"] == [{"key": "2025-01", "label": "2025年1月", "count": 0}]
    for key in (
        "success_rate",
        "confirmation_rate",
        "performance_rate",
        "amount_total",
        "avg_days_to_close",
        "priority_share",
        "petition_feedback_rate",
    ):
        assert s[key] is None, key
    # overdue and high risk are figures of today, not of the period
    assert (s["overdue"], s["high_risk"]) == (2, 1)


@pytest.mark.parametrize(
    "query, total, extra",
    [
        ("from=2026-04-01&to=2026-04-30", 2, {"agreed": 1, "amount_total": "6000.00"}),
        ("from=2026-06-01", 2, {"ended": 1, "priority": 1}),
        ("to=2026-03-31", 2, {"ended": 2, "closed": 1, "avg_days_to_close": 10.0}),
        ("network=administrative", 1, {"overdue": 1, "high_risk": 0, "amount_total": None}),
        ("network=people", 6, {"overdue": 1, "high_risk": 1}),
        ("region=太阳山镇", 1, {"overdue": 1, "high_risk": 1, "amount_total": "1000.00"}),
        ("network=people&region=红寺堡镇&from=2026-03-01&to=2026-03-31", 2, {"agreed": 1}),
    ],
)
def test_each_filter(api, world, district, query, total, extra):
    s = api(world.supervisor).get(f"/api/stats/summary/?{query}").json()
    assert s["total"] == total
    for key, value in extra.items():
        assert s[key] == value, key


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("from=2026-02-30", "from", "真实存在的日期"),
        ("from=2026/03/01", "from", "YYYY-MM-DD"),
        ("from=2026-05-01&to=2026-04-01", "to", "截止日期不得早于起始日期"),
        ("to=1999-12-31", "to", "2000年至2100年"),
        ("network=martian", "network", "未知的调解类型"),
        ("region=火星镇", "region", "未知的乡镇"),
    ],
)
def test_impossible_filters_are_400_with_the_reason(api, world, query, field, message):
    r = api(world.supervisor).get(f"/api/stats/summary/?{query}")
    assert r.status_code == 400
    assert message in r.json()["errors"][field][0]
    assert api(world.supervisor).get(f"/api/stats/ministry/?{query}").status_code == 400


def test_a_head_sees_figures_of_the_cases_it_may_see(api, world, district):
    s = api(world.head).get("/api/stats/summary/").json()
    assert s["total"] == 5  # A, B, C, F, G at the home committee; not D, not E
    assert (s["overdue"], s["high_risk"]) == (0, 0)


def test_figures_are_aggregate_queries(world, district, django_assert_max_num_queries):
    """A constant number of queries whatever the number of cases: the first read builds
    the monthly summary; later reads fold in only the events since."""
    filters = parse_filters({"from": "2026-03-07", "to": "2026-07-31"})
    summary(world.supervisor, filters)
    with django_assert_max_num_queries(24):
        summary(world.supervisor, filters)


def test_monthly_summary_follows_every_change(api, world, district):
    """Partial months at the edges come from the cases; whole months from the summary,
    which follows a transition, a correction and a new case at the next read."""
    from mediation.actions import services

    sup = api(world.supervisor)
    s = sup.get("/api/stats/summary/?from=2026-03-07&to=2026-04-10").json()
    assert s["total"] == 2  # B (03-10) and C (04-02); not A (03-05), not D (04-20)
    whole = sup.get(f"/api/stats/summary/?{PERIOD}").json()
    assert (whole["ended"], whole["agreed"]) == (4, 2)
    services.perform(
        district["D"], "fail", world.outsider, {"reason": "no_agreement", "routes": "诉讼"}
    )
    after = sup.get(f"/api/stats/summary/?{PERIOD}").json()
    assert (after["ended"], after["agreed"], after["overdue"]) == (5, 2, 1)
    world.make_case(State.REGISTERED, now=at(5, 3), category="labor")
    later = sup.get(f"/api/stats/summary/?{PERIOD}").json()
    assert later["total"] == 8 and counts(later["by_category"])["labor"] == 2
    assert [m["count"] for m in later["by_month"]] == [2, 2, 2, 1, 1]


def test_ministry_table(api, world, district):
    # the agreements' own amounts (协议涉及金额), not the claims'
    Agreement.objects.filter(case=district["A"]).update(amount="3000.00")
    Agreement.objects.filter(case=district["C"]).update(amount="5000.00")
    t = api(world.supervisor).get("/api/stats/ministry/?from=2026-03-01&to=2026-07-31").json()
    rows = {r["key"]: r for r in t["rows"]}
    assert len(t["rows"]) == 15  # every category of the Ministry's table, zeros included
    n = rows["neighbour"]
    # accepted: A, C, D (F withdrawn and G declined before acceptance; E administrative)
    assert (n["accepted"], n["succeeded"], n["written"], n["oral"]) == (3, 2, 2, 0)
    assert (n["amount"], n["confirmation_requested"], n["confirmed"]) == ("0.80", 1, 1)
    assert (n["performed"], n["parties"]) == (1, 6)  # A performed at its last follow-up
    assert (rows["labor"]["accepted"], rows["labor"]["succeeded"]) == (1, 0)
    assert t["total"] == {
        "accepted": 4,
        "succeeded": 2,
        "written": 2,
        "oral": 0,
        "amount": "0.80",
        "performed": 1,
        "confirmation_requested": 1,
        "confirmed": 1,
        "prevented_criminal": 0,
        "prevented_mass_petition": 0,
        "prevented_mass_fight": 0,
        "prevented_suicide": 0,
        "source_applied": 4,
        "source_proactive": 0,
        "source_referred": 0,
        "parties": 8,
    }
    assert t["screening"] is None  # no screening records yet: 无数据, never 0
    other = api(world.supervisor).get("/api/stats/ministry/?network=judicial").json()
    assert other["rows"] is None


def test_dashboard_page_shows_figures_charts_and_no_data(client, world, district):
    client.force_login(world.supervisor)
    assert client.get("/")["Location"] == "/supervision/"
    page = client.get("/supervision/?from=2026-03-01&to=2026-07-31").content.decode()
    for chart in (
        "chart-network",
        "chart-channel",
        "chart-category",
        "chart-region",
        "chart-month",
    ):
        assert f'id="{chart}"' in page
    assert "调解成功率" in page and "50.0%" in page and "9200.00" in page
    assert "信访反馈按期率" in page and "无数据" in page
    assert "双方扬言械斗" in page and f"/cases/{district['D'].pk}/" in page
    assert "url(#p-hatch)" in page  # bars told apart by pattern, not colour
    bad = client.get("/supervision/?from=2026-13-01")
    assert bad.status_code == 400 and "真实存在的日期" in bad.content.decode()
    empty = client.get("/supervision/?from=2025-01-01&to=2025-01-31").content.decode()
    assert empty.count("无数据") >= 6
    ministry = client.get("/supervision/ministry/?from=2026-03-01&to=2026-07-31")
    assert "协议涉及金额（万元）" in ministry.content.decode()
    assert "无数据" in ministry.content.decode()


def test_dashboard_is_for_supervisors(client, world):
    client.force_login(world.head)
    assert client.get("/").status_code == 200  # a head's home stays the queue
    assert client.get("/supervision/").status_code == 403
    assert client.get("/supervision/live.json").status_code == 403


def test_petition_feedback_on_time(api, world):
    """访调对接: one feedback given in time, one late, one not given after its due date."""
    import datetime as dt

    import time_machine
    from django.utils import timezone
    from rest_framework.test import APIClient

    from mediation.actions import services
    from mediation.models import Case
    from tests.conftest import case_body
    from tests.workflows.conftest import complete, one_task

    def session(user):
        # The test travels days ahead: API tokens would expire idle (knox), sessions don't.
        client = APIClient()
        client.force_authenticate(user)
        return client

    petition, mediator = session(world.petition), session(world.mediator)
    today = timezone.localdate()

    def transfer(days):
        body = {
            **case_body(world.home),
            "petition_number": f"宁红信转〔2026〕{days}号",
            "feedback_due": (today + dt.timedelta(days=days)).isoformat(),
            "petitioner_consent": True,  # 信访工作条例 art 33
        }
        r = petition.post("/api/petitions/transfers/", body, format="json")
        assert r.status_code == 201, r.content
        case = Case.objects.get(pk=r.json()["id"])
        return services.perform(case, "withdraw", world.head, {"note": "申请人撤回"})

    def feed_back(case):
        task = one_task(mediator, "petition.feedback", case)
        r = complete(mediator, task, decision="submit", feedback="申请人已撤回，矛盾已化解。")
        assert r.status_code == 200, r.content

    in_time, late = transfer(30), transfer(2)
    transfer(3)  # its feedback never comes
    feed_back(in_time)
    before = api(world.supervisor).get("/api/stats/summary/").json()
    assert (before["petition_feedback_due"], before["petition_feedback_on_time"]) == (1, 1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=6)):
        feed_back(late)
        s = api(world.supervisor).get("/api/stats/summary/").json()
    assert (s["petition_feedback_due"], s["petition_feedback_on_time"]) == (3, 1)
    assert s["petition_feedback_rate"] == round(1 / 3, 4)

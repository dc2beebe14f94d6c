"""The plan's targets (附件2 指标) as rows: each figure computed from the data, by month and
year to date, against a hand-computed fixture; on the dashboard; the refusals."""

import datetime as dt

import time_machine

from mediation.law.choices import State
from mediation.prevention import records as prevention

JAN = dt.datetime(2026, 1, 12, 2, 0, tzinfo=dt.UTC)
FEB = dt.datetime(2026, 2, 10, 2, 0, tzinfo=dt.UTC)
MAR = dt.datetime(2026, 3, 20, 2, 0, tzinfo=dt.UTC)
CONSULTATION = {
    "channel": "hotline",
    "topic": "legal_advice",
    "category": "labor",
    "question": "拖欠工资怎么办？",
    "answer": "可申请劳动争议调解。",
    "caller_phone": "13995300001",
}


def _seed(world):
    """January: agreed + failed; February: confirmed + agreed, three consultations."""
    with time_machine.travel(JAN, tick=False):
        world.make_case(State.AGREED)
        world.make_case(State.FAILED)
    with time_machine.travel(FEB, tick=False):
        world.make_case(State.CONFIRMED)
        world.make_case(State.AGREED)
        for _i in range(3):
            prevention.record_consultation(world.intake, dict(CONSULTATION))


def test_figures_against_the_hand_computed_fixture(world, api, client):
    _seed(world)
    with time_machine.travel(MAR, tick=False):
        sup = api(world.supervisor)
        for body in [
            {"name": "调解成功率", "metric": "success_rate", "target": "90"},
            {"name": "司法确认率", "metric": "confirmation_rate", "target": "20"},
            {"name": "12348咨询解答", "metric": "consultations_answered", "target": "2"},
        ]:
            r = sup.post("/api/indicators/", {"year": 2026, **body}, format="json")
            assert r.status_code == 200, r.content
        rows = {r["metric"]: r for r in sup.get("/api/indicators/?year=2026").json()["results"]}
        success = rows["success_rate"]
        # Jan 1/2, Feb 2/2, March nothing ended: 无数据; year to date 3/4
        assert [p["value"] for p in success["trend"]] == ["50.0", "100.0", None]
        assert (success["value"], success["unit"], success["met"]) == ("75.0", "%", False)
        confirmation = rows["confirmation_rate"]
        # agreed or confirmed: Jan 1 (none confirmed), Feb 2 (one confirmed); 1/3
        assert [p["value"] for p in confirmation["trend"]] == ["0.0", "50.0", None]
        assert (confirmation["value"], confirmation["met"]) == ("33.3", True)
        answered = rows["consultations_answered"]
        assert [p["value"] for p in answered["trend"]] == ["0", "3", "0"]
        assert (answered["value"], answered["unit"], answered["met"]) == ("3", "件", True)
        assert "已结束的案件" in success["how"]
        client.force_login(world.supervisor)
        body = client.get("/supervision/").content.decode()
    assert 'id="indicators"' in body and "75.0%" in body and "未达标" in body
    assert 'id="indicator-' in body


def test_changing_a_target_replaces_it(world, api):
    with time_machine.travel(MAR, tick=False):
        sup = api(world.supervisor)
        body = {"year": 2026, "name": "调解成功率", "metric": "success_rate", "target": "90"}
        sup.post("/api/indicators/", body, format="json")
        r = sup.post("/api/indicators/", {**body, "target": "95"}, format="json")
        assert r.json()["target"] == "95.00"
        assert len(sup.get("/api/indicators/").json()["results"]) == 1


def test_bad_targets_are_refused(world, api):
    with time_machine.travel(MAR, tick=False):
        sup = api(world.supervisor)
        base = {"year": 2026, "name": "调解成功率", "metric": "success_rate", "target": "90"}
        for over, field in [
            ({"target": "120"}, "target"),
            ({"target": "-1"}, "target"),
            ({"metric": "happiness"}, "metric"),
            ({"name": ""}, "name"),
        ]:
            r = sup.post("/api/indicators/", {**base, **over}, format="json")
            assert r.status_code == 400 and field in r.json()["errors"], over
        assert sup.get("/api/indicators/?year=26").status_code == 400
        assert api(world.head).get("/api/indicators/").status_code == 403
        assert api(world.head).post("/api/indicators/", base, format="json").status_code == 403

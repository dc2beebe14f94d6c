"""Village legal advisers (村（居）法律顾问, #32): coverage per township against a hand-computed
fixture, the out-of-region refusal, the adviser recording services, and who sees what."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model

from mediation.models import AdviserService, AdviserVillage, Membership

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


def _register(sup, world, office, user=None, name="何文华"):
    body = {"name": name, "kind": "lawyer", "org": world.org(office).pk}
    if user is not None:
        body["user"] = user.pk
    r = sup.post("/api/advisers/", body, format="json")
    assert r.status_code == 201, r.json()
    return r.json()["id"]


def _assign(sup, adviser_id, village):
    return sup.post(f"/api/advisers/{adviser_id}/villages/", {"village": village.pk}, format="json")


def _second_adviser(world):
    user = get_user_model().objects.create(username="adviser2")
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    Membership.objects.create(user=user, org=world.org("太阳山镇司法所"), role="legal_adviser")
    return user


def test_coverage_per_township_against_a_hand_computed_fixture(api, world):
    sup = api(world.supervisor)
    v = world.org
    a = _register(sup, world, "红寺堡镇司法所", world.adviser)
    b = _register(sup, world, "太阳山镇司法所", name="马明")
    c = _register(sup, world, "红寺堡镇司法所", name="杨华")
    for adviser, village in [
        (a, "红寺堡镇中圈塘村人民调解委员会"),
        (a, "红寺堡镇弘德村人民调解委员会"),
        (c, "红寺堡镇中圈塘村人民调解委员会"),  # a second adviser adds no village
        (b, "太阳山镇太阳山村人民调解委员会"),
    ]:
        assert _assign(sup, adviser, v(village)).status_code == 201
    body = sup.get("/api/advisers/coverage/").json()
    by_region = {t["region"]: t for t in body["townships"]}
    # 7 townships × 2 villages in the fixture: 红寺堡镇 2/2, 太阳山镇 1/2, the rest 0/2.
    assert len(by_region) == 7
    assert by_region["红寺堡镇"] == {
        "region": "红寺堡镇",
        "villages": 2,
        "covered": 2,
        "rate": "100.0",
        "met": True,
    }
    assert (by_region["太阳山镇"]["covered"], by_region["太阳山镇"]["rate"]) == (1, "50.0")
    assert by_region["太阳山镇"]["met"] is False
    assert by_region["大河乡"]["rate"] == "0.0"
    assert (body["villages"], body["covered"], body["rate"], body["target"]) == (
        14,
        3,
        "21.4",
        "100",
    )


def test_a_village_outside_the_offices_region_is_refused(api, world):
    sup = api(world.supervisor)
    a = _register(sup, world, "红寺堡镇司法所", world.adviser)
    r = _assign(sup, a, world.org("太阳山镇太阳山村人民调解委员会"))
    assert r.status_code == 400
    message = r.json()["errors"]["village"][0]
    assert "红寺堡镇司法所" in message and "村（居）法律顾问工作的意见" in message
    assert not AdviserVillage.objects.exists()
    # a township committee is not a village
    r = _assign(sup, a, world.home)
    assert r.status_code == 400 and "village" in r.json()["errors"]
    assert (
        sup.post("/api/advisers/999999/villages/", {"village": 1}, format="json").status_code == 404
    )


def test_the_adviser_records_services_in_their_own_villages(api, world):
    sup = api(world.supervisor)
    a = _register(sup, world, "红寺堡镇司法所", world.adviser)
    mine = world.org("红寺堡镇中圈塘村人民调解委员会")
    assert _assign(sup, a, mine).status_code == 201
    adviser = api(world.adviser)
    with time_machine.travel(NOW, tick=False):
        post = lambda body: adviser.post("/api/advisers/services/", body, format="json")  # noqa: E731
        r = post({"kind": "duty", "on": "2026-11-20", "village": mine.pk})
        assert r.status_code == 201
        assert r.json()["kind_label"] == "值班" and r.json()["village_name"] == mine.name
        r = post({"kind": "duty", "on": "2026-11-20", "village": mine.pk})
        assert r.status_code == 400 and "on" in r.json()["errors"]
        r = post({"kind": "lecture", "on": "2026-11-21", "village": mine.pk, "people": 40})
        assert r.status_code == 400 and "on" in r.json()["errors"]
        other = world.org("红寺堡镇弘德村人民调解委员会")
        r = post({"kind": "lecture", "on": "2026-11-19", "village": other.pk})
        assert r.status_code == 400 and "village" in r.json()["errors"]
        r = post({"kind": "lecture", "on": "2026-11-19", "village": mine.pk, "people": 40})
        assert r.status_code == 201
        body = sup.get("/api/advisers/coverage/").json()
    counts = {s["kind"]: (s["count"], s["people"]) for s in body["services"]}
    assert counts["duty"] == (1, 0) and counts["lecture"] == (1, 40)
    assert counts["consultation"] == (0, 0)
    assert AdviserService.objects.count() == 2


def test_an_adviser_sees_only_their_own(api, world):
    sup = api(world.supervisor)
    a = _register(sup, world, "红寺堡镇司法所", world.adviser)
    other_user = _second_adviser(world)
    b = _register(sup, world, "太阳山镇司法所", other_user, name="马明")
    assert _assign(sup, a, world.org("红寺堡镇中圈塘村人民调解委员会")).status_code == 201
    theirs = world.org("太阳山镇太阳山村人民调解委员会")
    assert _assign(sup, b, theirs).status_code == 201
    with time_machine.travel(NOW, tick=False):
        r = api(other_user).post(
            "/api/advisers/services/",
            {"kind": "checkup", "on": "2026-11-18", "village": theirs.pk},
            format="json",
        )
        assert r.status_code == 201
    adviser = api(world.adviser)
    assert [x["id"] for x in adviser.get("/api/advisers/").json()["results"]] == [a]
    assert adviser.get("/api/advisers/services/").json()["results"] == []
    assert len(sup.get("/api/advisers/services/?month=2026-11").json()["results"]) == 1
    assert sup.get("/api/advisers/services/?month=11-2026").status_code == 400
    # the adviser may not register, assign or read the coverage; a mediator sees nothing
    assert adviser.get("/api/advisers/coverage/").status_code == 403
    body = {"name": "x", "kind": "lawyer", "org": world.home.pk}
    assert adviser.post("/api/advisers/", body, format="json").status_code == 403
    assert _assign(adviser, a, world.org("红寺堡镇弘德村人民调解委员会")).status_code == 403
    mediator = api(world.mediator)
    assert mediator.get("/api/advisers/").status_code == 403
    assert mediator.get("/api/advisers/services/").status_code == 403
    r = mediator.post(
        "/api/advisers/services/",
        {"kind": "duty", "on": "2026-11-18", "village": theirs.pk},
        format="json",
    )
    assert r.status_code == 403


def test_the_plans_coverage_target_as_an_indicator(api, world):
    sup = api(world.supervisor)
    a = _register(sup, world, "红寺堡镇司法所", world.adviser)
    for village, since in [
        ("红寺堡镇中圈塘村人民调解委员会", "2026-03-01"),
        ("红寺堡镇弘德村人民调解委员会", "2026-11-01"),
    ]:
        body = {"village": world.org(village).pk, "since": since}
        r = sup.post(f"/api/advisers/{a}/villages/", body, format="json")
        assert r.status_code == 201
    with time_machine.travel(NOW, tick=False):
        target = {"year": 2026, "name": "村（居）法律顾问覆盖率", "metric": "adviser_coverage"}
        r = sup.post("/api/indicators/", {**target, "target": "100"}, format="json")
        assert r.status_code == 200
    row = r.json()
    trend = {p["month"]: p["value"] for p in row["trend"]}
    # 14 villages: none in February, 1 from March, 2 from November
    assert (trend["2026-02"], trend["2026-03"], trend["2026-10"]) == ("0.0", "7.1", "7.1")
    assert trend["2026-11"] == row["value"] == "14.3"
    assert row["met"] is False and row["unit"] == "%"

"""Screenings (矛盾纠纷排查) and consultations (法律咨询) through the API, DESIGN.md §6."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from mediation.models import (
    Case,
    CaseEvent,
    Consultation,
    Organization,
    ScreeningFinding,
    ScreeningRound,
)
from mediation.prevention import records as prevention
from tests.conftest import RESPONDENT
from tests.helpers import plain_party

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def round_body(org, **overrides):
    body = {
        "org": org.pk,
        "period_start": "2026-11-01",
        "period_end": "2026-11-15",
        "places": "中圈塘村一组至五组、村集市",
        "found": [
            {
                "summary": "两户因宅基地界址争执，已发生推搡",
                "category": "housing_land",
                "risk": "high",
                "parties": [plain_party("applicant", "马德胜"), dict(RESPONDENT)],
            },
            {"summary": "村民反映灌溉用水分配不均", "category": "other", "risk": "low"},
        ],
        "note": "逐户走访",
    }
    body.update(overrides)
    return body


def test_screening_round_with_two_found_disputes_one_registered(world, api):
    mediator = api(world.mediator)
    resp = mediator.post("/api/screenings/", round_body(world.home), format="json")
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["org"] == world.home.pk and len(data["found"]) == 2
    assert [f["case"] for f in data["found"]] == [None, None]
    first, second = data["found"]
    counts = prevention.screening_counts(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert counts == {"rounds": 1, "found": 2, "registered": 0}

    resp = mediator.post(
        f"/api/screenings/{data['id']}/found/{first['id']}/register/", {}, format="json"
    )
    assert resp.status_code == 201, resp.content
    case = Case.objects.get(pk=resp.json()["id"])
    assert (case.channel, case.org_id, case.category, case.state) == (
        "proactive",
        world.home.pk,
        "housing_land",
        "registered",
    )
    assert case.summary == "两户因宅基地界址争执，已发生推搡"
    assert ScreeningFinding.objects.get(pk=first["id"]).case_id == case.pk
    created = CaseEvent.objects.get(case=case, type="case.created")
    assert created.payload["data"]["screening"] == data["id"]
    assert created.payload["data"]["finding"] == first["id"]
    # the link shows in the list, and the counts move
    listed = mediator.get("/api/screenings/").json()["results"]
    assert listed[0]["found"][0]["case"] == {"id": case.pk, "number": case.number}
    counts = prevention.screening_counts(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert counts == {"rounds": 1, "found": 2, "registered": 1}

    # registering twice is a conflict, nothing new is written
    again = mediator.post(
        f"/api/screenings/{data['id']}/found/{first['id']}/register/", {}, format="json"
    )
    assert again.status_code == 409
    # the second finding has no parties: the body must supply them (field messages)
    url = f"/api/screenings/{data['id']}/found/{second['id']}/register/"
    resp = mediator.post(url, {}, format="json")
    assert resp.status_code == 400 and "parties" in resp.json()["errors"]
    resp = mediator.post(
        url,
        {"parties": [plain_party("applicant", "白玉梅"), dict(RESPONDENT)]},
        format="json",
    )
    assert resp.status_code == 201
    assert Case.objects.filter(channel="proactive").count() == 2


def test_month_without_screening_and_empty_period(world, api):
    april = prevention.screening_counts(dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert april == {"rounds": None, "found": None, "registered": None}  # 无数据, not 0
    api(world.mediator).post("/api/screenings/", round_body(world.home), format="json")
    sup = api(world.supervisor)
    resp = sup.get("/api/screenings/unscreened/?month=2026-11")
    assert resp.status_code == 200
    names = {o["name"] for o in resp.json()["results"]}
    assert world.home.name not in names and world.other.name in names
    committees = Organization.objects.filter(kind="people_committee").count()
    assert len(names) == committees - 1
    # October: nobody screened
    assert sup.get("/api/screenings/unscreened/?month=2026-10").json()["count"] == committees
    assert sup.get("/api/screenings/unscreened/?month=2026-13").status_code == 400
    assert api(world.mediator).get("/api/screenings/unscreened/").status_code == 403


def test_another_committees_screenings_are_not_visible(world, api):
    resp = api(world.mediator).post("/api/screenings/", round_body(world.home), format="json")
    data = resp.json()
    outsider = api(world.outsider)
    assert outsider.get("/api/screenings/").json()["results"] == []
    url = f"/api/screenings/{data['id']}/found/{data['found'][0]['id']}/register/"
    assert outsider.post(url, {}, format="json").status_code == 404
    # the outsider may not record for a committee not theirs
    resp = outsider.post("/api/screenings/", round_body(world.home), format="json")
    assert resp.status_code == 403
    # the supervisor sees every committee's rounds
    assert api(world.supervisor).get("/api/screenings/").json()["count"] == 1
    assert ScreeningRound.objects.count() == 1


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"period_start": "2026-11-10", "period_end": "2026-11-01"}, "period_end"),
        ({"period_start": "2026-11-10", "period_end": "2026-11-25"}, "period_end"),
        ({"places": ""}, "places"),
        ({"found": [{"summary": "x", "category": "nonsense", "risk": "low"}]}, "found[0].category"),
        ({"found": "many"}, "found"),
    ],
)
def test_bad_screening_is_refused_and_nothing_written(world, api, override, field):
    resp = api(world.mediator).post(
        "/api/screenings/", round_body(world.home, **override), format="json"
    )
    assert resp.status_code == 400, resp.content
    assert field in resp.json()["errors"]
    assert not ScreeningRound.objects.exists() and not ScreeningFinding.objects.exists()


def test_screening_only_by_a_peoples_committee(world, api):
    resp = api(world.admin_mediator).post(
        "/api/screenings/", round_body(world.traffic_police), format="json"
    )
    assert resp.status_code == 400
    assert "人民调解工作若干规定》第三条" in resp.json()["errors"]["org"][0]


CONSULTATION = {
    "channel": "hotline",
    "topic": "dispute",
    "category": "labor",
    "question": "在工地干了三个月活，老板一直拖欠工资不给。",
    "answer": "可申请劳动争议调解，也可申请劳动仲裁。",
    "caller_name": "海振华",
    "caller_phone": "13995367890",
}


def test_consultation_turned_into_a_case(world, api):
    intake = api(world.intake)
    resp = intake.post("/api/consultations/", CONSULTATION, format="json")
    assert resp.status_code == 201, resp.content
    row = resp.json()
    assert row["org"] == world.center.pk and row["caller_phone"] == "13995367890"
    # others see the caller's phone masked
    listed = api(world.supervisor).get("/api/consultations/").json()["results"]
    assert listed[0]["caller_phone"] == "139****7890"
    assert api(world.mediator).get("/api/consultations/").json()["results"] == []

    body = {
        "org": world.home.pk,
        "parties": [{"role": "applicant", "kind": "person", "name": "海振华"}, dict(RESPONDENT)],
    }
    resp = intake.post(f"/api/consultations/{row['id']}/register/", body, format="json")
    assert resp.status_code == 201, resp.content
    case = Case.objects.get(pk=resp.json()["id"])
    assert (case.channel, case.category, case.org_id) == ("hotline", "labor", world.home.pk)
    assert case.summary == CONSULTATION["question"]
    applicant = case.case_parties.get(role="applicant").party
    assert (applicant.name, applicant.phone) == ("海振华", "13995367890")  # the caller's details
    assert Consultation.objects.get(pk=row["id"]).case_id == case.pk
    event = CaseEvent.objects.get(case=case, type="case.created")
    assert event.payload["data"]["consultation"] == row["id"]
    # the receiving committee's desk is told
    assert world.home.pk in event.payload["orgs"]
    again = intake.post(f"/api/consultations/{row['id']}/register/", body, format="json")
    assert again.status_code == 409
    counts = prevention.consultation_counts(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert [(c["topic"], c["n"], c["registered"]) for c in counts] == [("dispute", 1, 1)]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"topic": ""}, "topic"),
        ({"answer": ""}, "answer"),
        ({"caller_phone": "12345"}, "caller_phone"),
        ({"channel": "online"}, "channel"),
    ],
)
def test_bad_consultation_is_refused(world, api, override, field):
    resp = api(world.intake).post(
        "/api/consultations/", {**CONSULTATION, **override}, format="json"
    )
    assert resp.status_code == 400
    assert field in resp.json()["errors"]
    assert not Consultation.objects.exists()


def test_only_the_intake_desk_records_consultations(world, api):
    resp = api(world.mediator).post(
        "/api/consultations/", {**CONSULTATION, "org": world.center.pk}, format="json"
    )
    assert resp.status_code == 403
    assert not Consultation.objects.exists()


def test_consultation_counts_by_topic_in_the_period(world):
    for topic, days_ago in [
        ("legal_advice", 1),
        ("legal_advice", 2),
        ("notary", 3),
        ("notary", 40),
    ]:
        prevention.record_consultation(
            world.intake,
            {**CONSULTATION, "topic": topic},
            now=timezone.now() - dt.timedelta(days=days_ago),
        )
    counts = prevention.consultation_counts(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert [(c["topic"], c["n"]) for c in counts] == [("legal_advice", 2), ("notary", 1)]
    assert counts[0]["label"] == "法律咨询"


def test_screening_counts_reach_the_ministry_table_and_the_dashboard(world, api, client):
    from mediation.supervision import figures as supervision

    period = supervision.Filters(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))
    assert supervision.ministry_table(world.supervisor, period)["screening"] is None  # 无数据
    mediator = api(world.mediator)
    data = mediator.post("/api/screenings/", round_body(world.home), format="json").json()
    mediator.post(
        f"/api/screenings/{data['id']}/found/{data['found'][0]['id']}/register/", {}, format="json"
    )
    table = supervision.ministry_table(world.supervisor, period)
    assert table["screening"] == {"times": 1, "found": 2, "registered": 1}
    # by township: the round belongs to 红寺堡镇, not to 太阳山镇
    other = supervision.Filters(start=period.start, end=period.end, region="太阳山镇")
    assert supervision.ministry_table(world.supervisor, other)["screening"] is None
    # another network does not screen
    admin = supervision.Filters(start=period.start, end=period.end, network="administrative")
    assert supervision.ministry_table(world.supervisor, admin)["screening"] is None

    prevention.record_consultation(world.intake, CONSULTATION)
    client.force_login(world.supervisor)
    page = client.get("/supervision/?from=2026-11-01&to=2026-11-30").content.decode()
    assert 'id="chart-consultations"' in page and "纠纷求助" in page
    assert "本月未开展排查的调解委员会" in page


def test_caller_phone_is_encrypted_at_rest_and_found_by_digest(world):
    from django.db import connection

    from mediation.models.crypto import digest

    row = prevention.record_consultation(world.intake, CONSULTATION)
    with connection.cursor() as cur:
        cur.execute("SELECT caller_phone FROM mediation_consultation WHERE id = %s", [row.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("sm4$") and "13995367890" not in stored
    assert Consultation.objects.get(pk=row.pk).caller_phone == "13995367890"
    found = Consultation.objects.filter(caller_phone_digest=digest("phone", "13995367890"))
    assert list(found) == [row]

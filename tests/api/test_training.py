"""Mediator training and the yearly assessment (DESIGN §12.4): hours per mediator per year
and the grade on the roster and in the assignment suggestions; the refusals."""

import datetime as dt

import pytest
import time_machine

from mediation.law.choices import State
from mediation.models import MediatorGrade, TrainingAttendance, TrainingSession

NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def session(held_on, hours="3", **over):
    return {
        "topic": "《人民调解法》与调解技巧",
        "hours": hours,
        "trainer": "王律师",
        "held_on": held_on,
        **over,
    }


def _row(rows, user):
    return next(r for r in rows if r["id"] == user.pk)


def test_hours_per_mediator_per_year_and_the_grade_on_the_roster(world, api, client):
    sup = api(world.supervisor)
    m1, m2 = world.mediator, world.mediator2
    # 2026: 3 + 1.5 hours for m1, 3 for m2; 2025's 8 hours do not count this year
    r = sup.post("/api/trainings/", session("2026-03-02", attendees=[m1.pk, m2.pk]), format="json")
    assert r.status_code == 201, r.content
    assert r.json()["attendees"] == sorted([m1.pk, m2.pk])
    r = sup.post("/api/trainings/", session("2026-09-10", hours="1.5"), format="json")
    sid = r.json()["id"]
    r = sup.post(f"/api/trainings/{sid}/attendance/", {"attendees": [m1.pk, m1.pk]}, format="json")
    assert r.status_code == 200 and r.json()["attendees"] == [m1.pk]
    sup.post("/api/trainings/", session("2025-05-05", hours="8", attendees=[m1.pk]), format="json")
    r = sup.post(
        "/api/assessments/", {"mediator": m1.pk, "year": 2026, "grade": "excellent"}, format="json"
    )
    assert r.status_code == 200 and r.json()["grade_label"] == "优秀"
    rows = sup.get("/api/mediators/").json()["results"]
    assert (_row(rows, m1)["training_hours"], _row(rows, m1)["assessment"]) == ("4.5", "excellent")
    assert (_row(rows, m2)["training_hours"], _row(rows, m2)["assessment"]) == ("3.0", None)
    assert len(sup.get("/api/trainings/?year=2026").json()["results"]) == 2
    # the roster page and the assignment suggestions show them too
    client.force_login(world.supervisor)
    body = client.get("/supervision/mediators/").content.decode()
    assert "4.5" in body and "优秀" in body
    case = world.make_case(State.REGISTERED)
    rows = api(world.head).get(f"/api/mediators/?case={case.pk}").json()["results"]
    assert _row(rows, m1)["assessment_label"] == "优秀"
    client.force_login(world.head)
    body = client.get(f"/cases/{case.pk}/").content.decode()
    assert "本年培训4.5学时" in body and "考评优秀" in body


def test_the_yearly_grade_is_replaced_not_doubled(world, api):
    sup = api(world.supervisor)
    body = {"mediator": world.mediator.pk, "year": 2026, "grade": "competent"}
    assert sup.post("/api/assessments/", body, format="json").status_code == 200
    body["grade"] = "basically_competent"
    assert sup.post("/api/assessments/", body, format="json").status_code == 200
    assert list(MediatorGrade.objects.values_list("grade", flat=True)) == ["basically_competent"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (session("2026-12-01", attendees=[1]), "attendees"),  # attendance for a future session
        (session("2026-03-01", hours="0"), "hours"),
        (session("2026-03-01", hours="100"), "hours"),
        (session("2026-03-01", topic=""), "topic"),
        (session("2026-03-01", attendees="all"), "attendees"),
        (session("2026-03-01", attendees=[999999]), "attendees"),
    ],
)
def test_bad_sessions_are_refused(world, api, body, field):
    if body.get("attendees") == [1]:
        body["attendees"] = [world.mediator.pk]
    r = api(world.supervisor).post("/api/trainings/", body, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()["errors"]
    assert not TrainingSession.objects.exists()


def test_attendance_for_a_future_session_is_refused(world, api):
    sup = api(world.supervisor)
    sid = sup.post("/api/trainings/", session("2026-12-01"), format="json").json()["id"]
    r = sup.post(
        f"/api/trainings/{sid}/attendance/", {"attendees": [world.mediator.pk]}, format="json"
    )
    assert r.status_code == 400
    assert "培训尚未举行" in r.json()["errors"]["attendees"][0]
    assert not TrainingAttendance.objects.exists()
    assert (
        sup.post("/api/trainings/999999/attendance/", {"attendees": []}, format="json").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"grade": "great"}, "grade"),
        ({"year": 2027}, "year"),
        ({"mediator": 999999}, "mediator"),
    ],
)
def test_bad_assessments_are_refused(world, api, over, field):
    body = {"mediator": world.mediator.pk, "year": 2026, "grade": "competent", **over}
    r = api(world.supervisor).post("/api/assessments/", body, format="json")
    assert r.status_code == 400 and field in r.json()["errors"]


def test_only_the_bureau_records_and_grades(world, api):
    head = api(world.head)
    assert head.post("/api/trainings/", session("2026-03-01"), format="json").status_code == 403
    body = {"mediator": world.mediator.pk, "year": 2026, "grade": "competent"}
    assert head.post("/api/assessments/", body, format="json").status_code == 403
    assert api(world.petition).get("/api/trainings/").status_code == 403

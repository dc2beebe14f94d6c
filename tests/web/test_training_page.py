"""The bureau's training page: a session with attendance, a future session's attendance
refused by its field, the yearly assessment; only the bureau may open it."""

import datetime as dt

import pytest
import time_machine

from mediation.models import MediatorGrade, TrainingAttendance, TrainingSession

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def test_training_and_assessment_through_the_page(client, world):
    client.force_login(world.supervisor)
    m = world.mediator.pk
    with time_machine.travel(NOW, tick=False):
        body = {"action": "session", "topic": "调解技巧", "hours": "2", "trainer": "王律师"}
        resp = client.post(
            "/supervision/trainings/", {**body, "held_on": "2026-12-01", "attendees": [m]}
        )
        assert resp.status_code == 400
        assert 'data-for="attendees"' in resp.content.decode()
        assert not TrainingSession.objects.exists()
        resp = client.post(
            "/supervision/trainings/", {**body, "held_on": "2026-11-02", "attendees": [m]}
        )
        assert resp.status_code == 302
        assert TrainingAttendance.objects.filter(mediator_id=m).count() == 1
        resp = client.post(
            "/supervision/trainings/",
            {"action": "assessment", "mediator": m, "year": "2026", "grade": "excellent"},
        )
        assert resp.status_code == 302
        assert MediatorGrade.objects.get(mediator_id=m).grade == "excellent"
        body = client.get("/supervision/trainings/").content.decode()
        assert "调解技巧" in body and "优秀" in body
        body = client.get("/supervision/mediators/").content.decode()
        assert "2.0" in body and "优秀" in body


def test_only_the_bureau_opens_the_page(client, world):
    client.force_login(world.head)
    assert client.get("/supervision/trainings/").status_code == 403

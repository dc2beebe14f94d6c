"""A party waiting (DESIGN.md §12.6): an invited party in the room with no mediator is an
alert to the case's mediator (banner and counter, over the case sockets like a risk flag),
and the case page says whether the room is waiting or in session."""

from django.test import Client

from mediation.actions import party_access, video
from mediation.law.choices import EventType
from mediation.models import CaseEvent
from mediation.web import alerts
from tests.party.conftest import APPLICANT_PHONE

from .conftest import party_token


def _party(case, session):
    token = party_token(APPLICANT_PHONE)
    return video.party_participant(party_access.session_for(token), session.pk, case.pk)


def _alerts(user):
    client = Client()
    client.force_login(user)
    return client.get("/alerts/").json()


def test_a_party_alone_in_the_room_alerts_the_cases_mediator(world, online):
    case, session, _applicant = online
    case.mediator = world.mediator
    case.save(update_fields=["mediator"])
    staff = Client()
    staff.force_login(world.mediator)
    assert 'data-room-state="empty"' in staff.get(f"/cases/{case.pk}/").content.decode()
    video.join(_party(case, session))
    waiting = CaseEvent.objects.get(case=case, type=EventType.SESSION_WAITING)
    assert waiting.payload["data"]["session"] == session.pk
    got = _alerts(world.mediator)
    assert [a["type"] for a in got["items"]] == [EventType.SESSION_WAITING]
    assert "在视频调解室等候" in got["items"][0]["text"]
    # news to the case's mediator only, not to every colleague who can see the case
    assert EventType.SESSION_WAITING not in [a["type"] for a in _alerts(world.head)["items"]]
    html = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-room-state="waiting"' in html and "当事人在调解室等候" in html
    video.join(video.staff_participant(world.mediator, session.pk, case.pk))
    html = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-room-state="in"' in html
    assert alerts.mark_read(world.mediator) == 1


def test_no_alert_when_the_mediator_is_already_in(world, online):
    case, session, _applicant = online
    video.join(video.staff_participant(world.mediator, session.pk, case.pk))
    video.join(_party(case, session))
    assert not CaseEvent.objects.filter(case=case, type=EventType.SESSION_WAITING).exists()
    assert CaseEvent.objects.filter(case=case, type=EventType.SESSION_JOINED).count() == 2

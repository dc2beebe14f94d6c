"""The room's pages: the case's mediator and the invited party get the room; an outsider,
an uninvited party or no sign-in do not. The case page links an online session's room."""

from django.test import Client

from mediation.actions import party_access, video
from tests.conftest import RESPONDENT
from tests.party.conftest import APPLICANT_PHONE

from .conftest import party_token


def _party_browser(phone):
    client = Client()
    session = client.session
    session["party_token"] = party_token(phone)
    session.save()
    return client


def test_staff_and_invited_party_get_the_room(world, online):
    case, session, _applicant = online
    path = f"/cases/{case.pk}/sessions/{session.pk}/video/"
    staff = Client()
    staff.force_login(world.mediator)
    page = staff.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="video-status" data-state="waiting"' in html and "录音录像告知" in html
    assert f'data-ws="/ws/video/{session.pk}/"' in html and 'id="video-record"' in html
    assert path in staff.get(f"/cases/{case.pk}/").content.decode()
    outsider = Client()
    outsider.force_login(world.outsider)
    assert outsider.get(path).status_code == 404
    party = _party_browser(APPLICANT_PHONE)
    room = party.get(f"/party/cases/{case.pk}/sessions/{session.pk}/video/")
    assert room.status_code == 200 and 'id="video-record"' not in room.content.decode()
    assert (
        f"/party/cases/{case.pk}/sessions/{session.pk}/video/"
        in party.get("/party/").content.decode()
    )
    r = party.post(f"/party/cases/{case.pk}/sessions/{session.pk}/video/consent/")
    assert r.status_code == 200
    uninvited = _party_browser(RESPONDENT["phone"])
    assert uninvited.get(f"/party/cases/{case.pk}/sessions/{session.pk}/video/").status_code == 403
    assert Client().get(f"/party/cases/{case.pk}/sessions/{session.pk}/video/").status_code == 302


def test_the_case_page_shows_who_is_in_the_room(world, online):
    case, session, applicant = online
    p = video.party_participant(
        party_access.session_for(party_token(APPLICANT_PHONE)), session.pk, case.pk
    )
    presence = video.join(p)
    staff = Client()
    staff.force_login(world.mediator)
    html = staff.get(f"/cases/{case.pk}/").content.decode()
    assert f'data-in-room="party:{applicant.pk} "' in html
    video.leave(presence.pk)
    html = staff.get(f"/cases/{case.pk}/").content.decode()
    assert 'data-in-room=""' in html

"""Scheduling an online session (DESIGN.md §12.6): not held until it takes place, parties
invited on /party/ and by SMS."""

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from mediation.law.choices import State
from mediation.models import CaseEvent, SmsMessage, VideoInvitation
from tests.party.conftest import APPLICANT_PHONE, party_client


def test_a_scheduled_session_is_not_held_and_invites_by_sms(world, online):
    case, session, applicant = online
    assert session.online and session.held_at is None
    assert session.scheduled_at == timezone.now() + dt.timedelta(hours=1)
    invite = VideoInvitation.objects.get(session=session)
    assert invite.party_id == applicant.pk and invite.expires_at > session.scheduled_at
    texts = [m.text for m in SmsMessage.objects.filter(case=case)]
    assert any("视频调解邀请" in t and "/party/" in t and len(t) <= 70 for t in texts)
    event = CaseEvent.objects.filter(case=case).order_by("-id").first()
    assert event.payload["data"]["online"] is True


def test_the_api_refuses_a_past_time_and_a_stranger(world):
    case = world.make_case(State.MEDIATING)
    client = APIClient()
    client.force_authenticate(world.mediator)
    url = f"/api/cases/{case.pk}/sessions/"
    past = (timezone.now() - dt.timedelta(minutes=5)).isoformat()
    r = client.post(url, {"online": True, "scheduled_at": past, "invited": [999999]}, format="json")
    assert r.status_code == 400, r.content
    fields = r.json()["errors"]
    assert "scheduled_at" in fields and "invited" in fields
    party = case.case_parties.first().party_id
    soon = (timezone.now() + dt.timedelta(days=1)).isoformat()
    r = client.post(url, {"online": True, "scheduled_at": soon, "invited": [party]}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["held_at"] is None and r.json()["online"] is True


def test_the_invited_party_sees_the_invitation(world, online, django_capture_on_commit_callbacks):
    _case, session, _applicant = online
    client = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    body = client.get("/api/party/cases/").json()
    notices = [n for c in body for n in c["notices"] if n["kind"] == "video"]
    assert notices and notices[0]["room"].endswith(f"/sessions/{session.pk}/video/")

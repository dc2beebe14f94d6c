"""Consent and recording (DESIGN.md §12.6): nothing is taken before everyone in the room has
accepted the recording notice; a chunk that does not match its declared size or hash is
refused; finishing makes an attachment of kind session_recording, sealed, listed in the
卷宗's contents, served only to those who may see the case; the 调解记录 says it was online."""

import hashlib

import pytest
from rest_framework.test import APIClient

from mediation.actions import video
from mediation.law.choices import EventType
from mediation.models import Attachment, CaseEvent, Document, MediationSession
from mediation.models.crypto import read_stored
from tests.party.conftest import APPLICANT_PHONE, party_client

EBML = b"\x1a\x45\xdf\xa3"
CHUNKS = [EBML + b"\x9f\x42\x86\x81\x01" + b"a" * 1000, b"b" * 2000, b"c" * 500]


@pytest.fixture
def room(world, online):
    """The mediator and the invited applicant in the room (the socket's door)."""
    case, session, _applicant = online
    mediator = video.staff_participant(world.mediator, session.pk, case.pk)
    party = video.party_participant(_party_session(), session.pk, case.pk)
    video.join(mediator, "10.0.0.5")
    video.join(party, "223.104.3.7")
    staff = APIClient()
    staff.force_login(world.mediator)
    return case, session, mediator, party, staff


@pytest.fixture
def assembly(monkeypatch):
    """The background joining, captured: run in place when the test says so."""
    from mediation.actions import video_recording

    jobs = []
    monkeypatch.setattr(video_recording, "start_assembly", lambda *job: jobs.append(job))

    def run():
        while jobs:
            video_recording.assemble(*jobs.pop(0))

    run.jobs = jobs
    return run


def _party_session():
    from mediation.actions.party_access import session_for

    from .conftest import party_token

    return session_for(party_token(APPLICANT_PHONE))


def url(case, session, tail):
    return f"/api/cases/{case.pk}/sessions/{session.pk}/{tail}"


def put_chunk(client, case, session, offset, data, *, size=None, sha=None):
    size = len(data) if size is None else size
    return client.post(
        url(case, session, "recording/"),
        data,
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {offset}-{offset + size - 1}/*",
        HTTP_X_CHUNK_SHA256=sha or hashlib.sha256(data).hexdigest(),
    )


def test_no_chunk_before_everyone_accepted_the_notice(room, django_capture_on_commit_callbacks):
    case, session, _m, _p, staff = room
    r = staff.post(url(case, session, "video/consent/"))
    assert r.status_code == 200 and r.json()["missing_consent"]
    r = put_chunk(staff, case, session, 0, CHUNKS[0])
    assert r.status_code == 409, r.content
    assert r.json()["current_state"] == "consent_required"
    # the party accepts through their own door (Party token)
    party = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    r = party.post(url(case, session, "video/consent/"))
    assert r.status_code == 200 and r.json()["missing_consent"] == []
    assert put_chunk(staff, case, session, 0, CHUNKS[0]).status_code == 200
    consents = CaseEvent.objects.filter(case=case, payload__data__record="video_consent")
    assert consents.count() == 2


def test_a_chunk_not_matching_its_size_or_hash_is_refused(room):
    case, session, mediator, party, staff = room
    video.consent(mediator)
    video.consent(party)
    r = put_chunk(staff, case, session, 0, CHUNKS[0], sha="0" * 64)
    assert r.status_code == 400 and "sha256" in r.json()["errors"]
    r = put_chunk(staff, case, session, 0, CHUNKS[0], size=len(CHUNKS[0]) + 1)
    assert r.status_code == 400 and "Content-Range" in r.json()["errors"]
    r = put_chunk(staff, case, session, 0, b"not a webm at all")
    assert r.status_code == 400
    assert put_chunk(staff, case, session, 0, CHUNKS[0]).status_code == 200
    # a gap (or a repeat) is a conflict naming where to resume
    r = put_chunk(staff, case, session, 5, CHUNKS[1])
    assert r.status_code == 409 and str(len(CHUNKS[0])) in r.json()["detail"]


def test_finishing_files_the_recording(room, world, assembly, django_capture_on_commit_callbacks):
    case, session, mediator, party, staff = room
    video.consent(mediator)
    video.consent(party)
    # a party may not upload
    party_api = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    assert put_chunk(party_api, case, session, 0, CHUNKS[0]).status_code == 403
    offset = 0
    for chunk in CHUNKS:
        r = put_chunk(staff, case, session, offset, chunk)
        assert r.status_code == 200, r.content
        offset += len(chunk)
    with django_capture_on_commit_callbacks(execute=True):
        r = staff.post(url(case, session, "recording/finish/"))
    # answered at once: the joining waits for its own thread
    assert r.status_code == 202, r.content
    assert r.json()["state"] == "assembling" and r.json()["attachment"] is None
    assert len(assembly.jobs) == 1 and not Attachment.objects.filter(case=case).exists()
    assert staff.get(url(case, session, "video/")).json()["recording"]["state"] == "assembling"
    # no chunk and no second finish while it is being joined
    assert put_chunk(staff, case, session, sum(map(len, CHUNKS)), b"d" * 10).status_code == 409
    assert staff.post(url(case, session, "recording/finish/")).status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        assembly()
    whole = b"".join(CHUNKS)
    status = staff.get(url(case, session, "video/")).json()["recording"]
    assert status["state"] == "ready" and status["sha256"] == hashlib.sha256(whole).hexdigest()
    att = Attachment.objects.get(pk=status["attachment"])
    assert att.kind == "session_recording" and att.content_type == "video/webm"
    assert att.sha256 == hashlib.sha256(whole).hexdigest() and att.size == len(whole)
    assert read_stored(att.file.name) == whole
    with att.file.open("rb") as f:
        assert f.read() != whole  # sealed at rest
    assert staff.post(url(case, session, "recording/finish/")).status_code == 409
    # served to those who may see the case only
    assert staff.get(f"/api/cases/{case.pk}/attachments/{att.pk}").status_code == 200
    outsider = APIClient()
    outsider.force_login(world.outsider)
    assert outsider.get(f"/api/cases/{case.pk}/attachments/{att.pk}").status_code == 404
    recorded = CaseEvent.objects.get(case=case, type=EventType.SESSION_RECORDED)
    assert recorded.payload["data"]["sha256"] == att.sha256
    session = MediationSession.objects.get(pk=session.pk)
    assert "视频方式在线" in session.record and att.sha256 in session.record
    assert "223.104.3.7" in session.attendees
    assert Document.objects.filter(
        case=case, kind="session_record", subject=f"session:{session.pk}"
    ).exists()


def test_the_case_file_lists_the_recording(room, assembly, django_capture_on_commit_callbacks):
    import subprocess

    case, session, mediator, party, staff = room
    video.consent(mediator)
    video.consent(party)
    put_chunk(staff, case, session, 0, CHUNKS[0])
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(url(case, session, "recording/finish/"))
    with django_capture_on_commit_callbacks(execute=True):
        assembly()
    from mediation.documents.records import assemble

    pdf, _pages = assemble(case)
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    contents = next(page for page in text.split("\f") if "卷内目录" in page)
    assert "视频调解录像：" in contents and "另存" in contents
    # the 调解记录 names the recording by its hash
    assert "本次调解以视频方式在线进行" in text and "SHA-256" in text


def _finished_once(room, capture):
    """One chunk, everyone consented, finish asked (202): its assembly not yet run."""
    case, session, mediator, party, staff = room
    video.consent(mediator)
    video.consent(party)
    put_chunk(staff, case, session, 0, CHUNKS[0])
    with capture(execute=True):
        assert staff.post(url(case, session, "recording/finish/")).status_code == 202
    return case, session, staff


def test_a_failed_joining_leaves_nothing_and_may_be_finished_again(
    room, assembly, monkeypatch, django_capture_on_commit_callbacks
):
    from mediation.actions import video_recording

    case, session, staff = _finished_once(room, django_capture_on_commit_callbacks)

    def broken(*_args):
        raise OSError("disk full")

    with monkeypatch.context() as m:
        m.setattr(video_recording, "_write_record", broken)
        assembly()
    status = staff.get(url(case, session, "video/")).json()["recording"]
    assert status["state"] == "failed" and status["attachment"] is None
    assert not Attachment.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, type=EventType.SESSION_RECORDED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(url(case, session, "recording/finish/")).status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        assembly()
    assert staff.get(url(case, session, "video/")).json()["recording"]["state"] == "ready"


def test_an_assembly_left_behind_by_a_restart_may_be_finished_again(
    room, world, assembly, django_capture_on_commit_callbacks
):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    case, session, staff = _finished_once(room, django_capture_on_commit_callbacks)
    assembly.jobs.clear()  # the server went down with its thread
    assert staff.post(url(case, session, "recording/finish/")).status_code == 409
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11), tick=False):
        staff.force_login(world.mediator)  # the sign-in would have lapsed meanwhile
        with django_capture_on_commit_callbacks(execute=True):
            assert staff.post(url(case, session, "recording/finish/")).status_code == 202
        with django_capture_on_commit_callbacks(execute=True):
            assembly()
        assert staff.get(url(case, session, "video/")).json()["recording"]["state"] == "ready"

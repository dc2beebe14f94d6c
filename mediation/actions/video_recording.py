"""An online session's recording (DESIGN.md §12.6), uploaded by the mediator's browser in
chunks while the session runs, so a dropped connection loses a few seconds at most.

Nothing is taken before every participant in the room has accepted the recording notice.
Each chunk declares its place (`Content-Range`), size and SHA-256; one that does not match
is refused and nothing is kept. A chunk is sealed and stored on its own (one request holds
a thread for one chunk only); finishing answers at once and joins them in the background,
in order, into an attachment of kind `session_recording`, sealed like every attachment,
and writes the session's 调解记录."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets
import tempfile
import threading
from typing import TYPE_CHECKING

from django import db
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.documents import records
from mediation.errors import InvalidFields, StateConflict
from mediation.events import record_event
from mediation.law.choices import AttachmentKind, EventType
from mediation.models import (
    Attachment,
    Case,
    MediationSession,
    RecordingChunk,
    VideoPresence,
    VideoRecording,
    crypto,
)

from .video import EBML_MAGIC, WEBM, Participant, missing_consent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

# a 30-minute recording assembles in ~10 s (bench/video.py); far beyond: finish may restart
ASSEMBLY_STALE = dt.timedelta(minutes=10)
MAX_CHUNK_BYTES = 1024 * 1024  # within REQUEST_MAX_BYTES: a few seconds of video
_RANGE = re.compile(r"^bytes (\d{1,15})-(\d{1,15})/(\d{1,15}|\*)$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def parse_range(value: str | None) -> tuple[int, int]:
    """(offset, size) of `Content-Range: bytes first-last/total|*`."""
    m = _RANGE.match((value or "").strip())
    if not m or int(m.group(2)) < int(m.group(1)):
        raise InvalidFields(
            _("提交的内容有误"),
            {"Content-Range": [_("应为 bytes 起始-结束/总长 或 bytes 起始-结束/*")]},
        )
    first, last = int(m.group(1)), int(m.group(2))
    return first, last - first + 1


def add_chunk(
    p: Participant,
    user: User,
    offset: int,
    size: int,
    sha256: str,
    data: bytes,
    *,
    now: dt.datetime | None = None,
) -> VideoRecording:
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if not _SHA.match(sha256 or ""):
        errors["sha256"] = [_("应为64位十六进制的SHA-256摘要")]
    if size > MAX_CHUNK_BYTES:
        errors["Content-Range"] = [_("每段录像不超过%(n)s字节") % {"n": MAX_CHUNK_BYTES}]
    elif len(data) != size:
        errors["Content-Range"] = [
            _("声明的长度为%(d)s字节，实际收到%(a)s字节") % {"d": size, "a": len(data)}
        ]
    elif not errors and hashlib.sha256(data).hexdigest() != sha256:
        errors["sha256"] = [_("录像分段的SHA-256摘要与内容不符")]
    if offset == 0 and data[:4] != EBML_MAGIC and "Content-Range" not in errors:
        errors["file"] = [_("录像应为WebM格式")]
    if errors:
        raise InvalidFields(_("录像分段有误"), errors)
    with transaction.atomic():
        session = MediationSession.objects.select_for_update().get(pk=p.session_id)
        missing = missing_consent(session.pk)
        if missing or not _in_room(session.pk, p.who):
            raise StateConflict(
                _("以下参加人尚未确认录音录像告知：%(names)s") % {"names": "、".join(missing)}
                if missing
                else _("请先进入视频调解室"),
                "consent_required",
            )
        recording = VideoRecording.objects.filter(session=session).first()
        if recording is None:
            recording = VideoRecording.objects.create(
                session=session, started_by=user, started_at=now
            )
        if recording.attachment_id is not None:
            raise StateConflict(_("录像已完成，不能再上传"), "recorded")
        if recording.state == VideoRecording.State.ASSEMBLING:
            raise StateConflict(_("录像正在合并，不能再上传"), recording.state)
        if offset != recording.received:
            raise StateConflict(
                _("应从第%(n)s字节续传") % {"n": recording.received}, "offset_mismatch"
            )
        name = default_storage.save(
            f"recordings/{p.case_id}/{secrets.token_hex(16)}.part",
            ContentFile(crypto.seal(data)),
        )
        try:
            RecordingChunk.objects.create(
                recording=recording,
                index=recording.chunks,
                offset=offset,
                size=size,
                sha256=sha256,
                file=name,
            )
        except Exception:
            default_storage.delete(name)
            raise
        recording.received += size
        recording.chunks += 1
        recording.save(update_fields=["received", "chunks"])
    return recording


def _in_room(session_id: int, who: str) -> bool:
    return VideoPresence.objects.filter(
        session_id=session_id, who=who, left_at__isnull=True
    ).exists()


def finish(p: Participant, user: User, *, now: dt.datetime | None = None) -> VideoRecording:
    """Close the upload and assemble in the background (`state` assembling → ready or
    failed): the request holds its thread for a row's update, never for the joining."""
    now = now or timezone.now()
    with transaction.atomic():
        MediationSession.objects.select_for_update().get(pk=p.session_id)
        recording = _ready(p.session_id)
        if recording.state == VideoRecording.State.ASSEMBLING and not _stale(recording, now):
            raise StateConflict(_("录像正在合并"), recording.state)
        recording.state = VideoRecording.State.ASSEMBLING
        recording.finished_at = now
        recording.save(update_fields=["state", "finished_at"])
        job = (recording.pk, user.pk, now)
        transaction.on_commit(lambda: start_assembly(*job))
    return recording


def _stale(recording: VideoRecording, now: dt.datetime) -> bool:
    """Assembling for longer than any assembly takes: its thread died with its server."""
    began = recording.finished_at
    return began is None or now - began > ASSEMBLY_STALE


def _in_thread(recording_id: int, user_id: int, now: dt.datetime) -> None:
    try:
        assemble(recording_id, user_id, now)
    finally:
        db.connections.close_all()  # this thread's own connection


def start_assembly(recording_id: int, user_id: int, now: dt.datetime) -> None:
    """The joining in a thread of its own (tests replace this to run it in place)."""
    threading.Thread(
        target=_in_thread, args=(recording_id, user_id, now), name="recording-assembly"
    ).start()


def assemble(recording_id: int, user_id: int, now: dt.datetime) -> Attachment | None:
    """Join the chunks into the session's recording, an attachment; the 调解记录 and the
    `session.recorded` event in the same transaction. A failure leaves `failed` (finish
    may be asked again) and nothing half-written."""
    recording = VideoRecording.objects.select_related("session").get(pk=recording_id)
    parts = list(recording.parts.order_by("index"))
    case_id = recording.session.case_id
    name = ""
    try:
        # joined and sealed before any lock (seconds for a long session): the case stays free
        name, sha, size = _join_sealed(case_id, [x.file for x in parts], now)
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            session = MediationSession.objects.select_for_update().get(pk=recording.session_id)
            recording = VideoRecording.objects.get(pk=recording_id)
            if recording.state != VideoRecording.State.ASSEMBLING:
                raise StateConflict(_("录像不在合并中"), recording.state)
            user = get_user_model().objects.get(pk=user_id)
            att = Attachment.objects.create(
                case=case,
                kind=AttachmentKind.SESSION_RECORDING,
                name=_("视频调解录像%(d)s.webm")
                % {"d": timezone.localtime(session.held_at or now).strftime("%Y%m%d%H%M")},
                content_type=WEBM,
                file=name,
                size=size,
                sha256=sha,
                pages=1,
                uploaded_by=user,
                uploaded_at=now,
            )
            recording.attachment = att
            recording.state = VideoRecording.State.READY
            recording.save(update_fields=["attachment", "state"])
            _write_record(session, att)
            event = record_event(
                case,
                EventType.SESSION_RECORDED,
                user,
                {
                    "session": session.pk,
                    "attachment": att.pk,
                    "sha256": att.sha256,
                    "size": att.size,
                    "chunks": len(parts),
                },
                at=now,
            )
            records.after_event(case, "session", event, subject=f"session:{session.pk}")
            files = [x.file for x in parts]
            transaction.on_commit(lambda: _delete(files))
    except Exception:
        log.exception("recording %s could not be assembled", recording_id)
        if name:
            default_storage.delete(name)  # nothing half-written
        VideoRecording.objects.filter(
            pk=recording_id, state=VideoRecording.State.ASSEMBLING
        ).update(state=VideoRecording.State.FAILED)
        return None
    return att


def _ready(session_id: int) -> VideoRecording:
    recording = VideoRecording.objects.filter(session_id=session_id).first()
    if recording is None or recording.chunks == 0:
        raise StateConflict(_("尚未收到录像"), "no_recording")
    if recording.attachment_id is not None:
        raise StateConflict(_("录像已完成"), "recorded")
    return recording


def _join_sealed(case_id: int, names: list[str], now: dt.datetime) -> tuple[str, str, int]:
    """The chunks joined and sealed as one attachment file, streamed through temporary
    files (a 30-minute recording is hundreds of MB: never whole in memory)."""
    digest, size = hashlib.sha256(), 0
    with tempfile.TemporaryFile() as plain, tempfile.TemporaryFile() as sealed:
        for chunk_name in names:
            chunk = crypto.read_stored(chunk_name)
            digest.update(chunk)
            size += len(chunk)
            plain.write(chunk)
        plain.seek(0)
        crypto.seal_stream(plain, sealed)
        sealed.seek(0)
        name = default_storage.save(
            f"attachments/{timezone.localtime(now).year}/{case_id}/{secrets.token_hex(16)}.webm",
            File(sealed),
        )
    return name, digest.hexdigest(), size


def _delete(names: list[str]) -> None:
    """The chunks, once joined into the attachment (committed)."""
    for name in names:
        default_storage.delete(name)


def _write_record(session: MediationSession, att: Attachment) -> None:
    """The 调解记录's text for an online session: online, who took part from where, and
    the recording by name and hash."""
    stays = VideoPresence.objects.filter(session=session).order_by("joined_at", "id")
    seen: dict[str, str] = {}
    for x in stays:
        where = _("（%(a)s）") % {"a": x.address} if x.address else ""
        seen.setdefault(x.who, f"{x.name}（{x.role}）{where}")
    session.attendees = "；".join(seen.values())[:2000]
    lines = [
        _("本次调解以视频方式在线进行。"),
        _("参加人员及所在位置：%(who)s。") % {"who": session.attendees or "—"},
        _("录像：%(name)s，SHA-256：%(sha)s。") % {"name": att.name, "sha": att.sha256},
    ]
    if session.record:
        lines.insert(0, session.record)
    session.record = "\n".join(lines)
    session.save(update_fields=["attendees", "record"])

"""Attachments handed in for a case (DESIGN.md §6): identity copies, authorisations,
evidence, receipts. One door for upload and download, each an event.

A file is accepted only when its content is a PDF, JPEG or PNG: the leading bytes name
the format and a real parse (Pillow for images, qpdf for PDFs) must succeed within bounds; the name
and the request's Content-Type are never trusted. At most ATTACHMENT_MAX_BYTES, read in
bounded chunks. Stored under a random name in the default storage under MEDIA_ROOT,
which the web server never serves."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.documents import uploads
from mediation.errors import InvalidFields, NotPermitted, NotVisible
from mediation.events import record_event
from mediation.law.choices import AttachmentKind, EventType
from mediation.models import Attachment, Case, crypto

from .base import CaseRef

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
# video/webm: an online session's recording, filed by mediation.actions.video_recording
# (never accepted as an upload here: sniff() knows only the three papers)
EXTENSION = {PDF: "pdf", JPEG: "jpg", PNG: "png", "video/webm": "webm"}


def max_bytes() -> int:
    return settings.ATTACHMENT_MAX_BYTES


def too_big_message() -> str:
    return _("文件超过%(mb)dMB，未保存") % {"mb": max_bytes() // (1024 * 1024)}


class BoundedUploadHandler(FileUploadHandler):
    """Stops keeping a file once it passes the limit (a request without Content-Length
    is not read into memory or onto disk past it); the view reports it as too big."""

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        self.too_big = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > max_bytes():
            self.too_big = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def inspect(data: bytes) -> tuple[str, int]:
    """(content type, pages) of an acceptable file; ValueError with the reason if not.
    The bounds (pages, time, pixels) are mediation.documents.uploads'."""
    kind = sniff(data[:16])
    if kind is None:
        raise ValueError(_("只接受PDF、JPEG或PNG文件（按文件内容识别）"))
    if kind == PDF:
        return kind, uploads.pdf_pages(data)
    uploads.check_image(data)
    return kind, 1


def read_bounded(upload: UploadedFile) -> bytes:
    """At most the limit plus one byte: enough to tell that a file is too big."""
    limit = max_bytes()
    chunks: list[bytes] = []
    size = 0
    upload.seek(0)
    while size <= limit:
        chunk = upload.read(min(1024 * 1024, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip()
    name = "".join(c for c in name if c.isprintable() and c not in "\u202a\u202b\u202d\u202e")
    return name[:200] or _("未命名文件")


def upload_target(case_or_id: CaseRef, user: User) -> Case:
    """The case a file may be uploaded under by `user`, checked before any body is read.
    Raises NotVisible (404) or NotPermitted (403)."""
    pk = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
    case = Case.objects.filter(pk=pk).first()
    if case is None or not policies.can_see(user, case):
        raise NotVisible(_("案件不存在"))
    if not policies.may_record(user, case):
        raise NotPermitted(_("您无权为该案件上传材料"))
    return case


def add_attachment(
    case_or_id: CaseRef,
    user: User,
    kind: str | None,
    upload: UploadedFile | None,
    *,
    now: dt.datetime | None = None,
) -> Attachment:
    """Store an uploaded file under the case. Raises NotVisible, NotPermitted,
    InvalidFields (wrong kind or type, too big, archived case): nothing is stored then."""
    return store_attachment(upload_target(case_or_id, user), kind, upload, user, now=now)


def store_attachment(
    case: Case,
    kind: str | None,
    upload: UploadedFile | None,
    user: User | None,
    *,
    extra: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Attachment:
    """The checks and the storing of `add_attachment`, for a case the caller has already
    checked for this uploader (a staff user, or a signed-in party: `user` None and `extra`
    naming the party in the event)."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if kind not in AttachmentKind.values:
        errors["kind"] = [_("材料类型应为：%(k)s") % {"k": "、".join(AttachmentKind.values)}]
    if case.is_frozen:
        errors["file"] = [_("案件已归档，不能再上传材料")]
    data = b""
    if upload is None:
        errors.setdefault("file", []).append(_("请选择要上传的文件"))
    elif not errors:
        data = read_bounded(upload)
        if len(data) > max_bytes():
            errors["file"] = [too_big_message()]
        elif not data:
            errors["file"] = [_("文件为空")]
    content_type, pages = "", 1
    if not errors:
        try:
            content_type, pages = inspect(data)
        except ValueError as exc:
            errors["file"] = [str(exc)]
    if errors:
        raise InvalidFields(_("上传的材料有误"), errors)
    assert kind is not None  # one of AttachmentKind's values: checked above
    name = _clean_name(getattr(upload, "name", ""))
    stored = default_storage.save(
        f"attachments/{timezone.localtime(now).year}/{case.pk}/"
        f"{secrets.token_hex(16)}.{EXTENSION[content_type]}",
        ContentFile(crypto.seal(data)),  # identity copies: sealed at rest (DESIGN §9)
    )
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case.pk)
            if case.is_frozen:  # archived while the file was being checked
                raise InvalidFields(
                    _("上传的材料有误"), {"file": [_("案件已归档，不能再上传材料")]}
                )
            att = Attachment.objects.create(
                case=case,
                kind=kind,
                name=name,
                content_type=content_type,
                file=stored,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                pages=pages,
                uploaded_by=user,
                uploaded_at=now,
            )
            record_event(
                case,
                EventType.CASE_UPDATED,
                user,
                {
                    "record": "attachment",
                    "attachment": att.pk,
                    "kind": kind,
                    "name": name,
                    **(extra or {}),
                },
                at=now,
            )
    except Exception:
        default_storage.delete(stored)
        raise
    return att


def open_attachment(
    case_or_id: CaseRef, attachment_id: int | str, user: User
) -> tuple[Attachment, bytes]:
    """The attachment and its bytes for a user who may see the case; the download is an
    event. Raises NotVisible for anyone else (and for an id of another case)."""
    pk = case_or_id.pk if isinstance(case_or_id, Case) else case_or_id
    case = Case.objects.filter(pk=pk).first()
    if case is None or not policies.can_see(user, case):
        raise NotVisible(_("案件不存在"))
    att = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if att is None:
        raise NotVisible(_("材料不存在"))
    data = crypto.read_stored(att.file.name)
    with transaction.atomic():
        record_event(
            case,
            EventType.CASE_UPDATED,
            user,
            {"record": "attachment_download", "attachment": att.pk, "name": att.name},
        )
    return att, data


def attachment_json(att: Attachment) -> dict[str, Any]:
    return {
        "id": att.pk,
        "kind": att.kind,
        "kind_label": att.get_kind_display(),
        "name": att.name,
        "content_type": att.content_type,
        "size": att.size,
        "pages": att.pages,
        "sha256": att.sha256,
        "uploaded_at": timezone.localtime(att.uploaded_at).isoformat(),
        "uploaded_by": att.uploaded_by_id,
        "url": f"/api/cases/{att.case_id}/attachments/{att.pk}",
    }

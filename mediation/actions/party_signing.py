"""The parties confirm and sign (DESIGN.md §12.2): the agreement and the joint application
for judicial confirmation, each a text with its SHA-256. Online: a signature drawn on the
party's phone, stored as PNG with the time, the address and the hash of the text read.
On paper: the mediator records the scan (an attachment). A signature holds only for the
text it names; a corrected text has another hash, so the party is asked again."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import io
import logging
import secrets
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.documents import pades
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict, TextChanged
from mediation.events import record_event
from mediation.law.choices import EventType, State
from mediation.law.signing import agreement_text, document_text, valid_signatures
from mediation.models import (
    Attachment,
    Case,
    CaseParty,
    PartySession,
    PartySignature,
    SignedDocument,
    SignMethod,
)

from .party_access import iso, party_case
from .party_access import my_cases as cases_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)
MAX_SIGNATURE_BYTES = 200 * 1024
MAX_SIGNATURE_PIXELS = 2000 * 1000
PNG_PREFIX = "data:image/png;base64,"
# Which states take which signature: the agreement while it stands, the application
# before the court has it (again after a 不予受理).
SIGNING_STATES = {
    SignedDocument.AGREEMENT: {State.AGREED},
    SignedDocument.CONFIRMATION_APPLICATION: {State.AGREED, State.CONFIRMATION_REJECTED},
}


def check_signature_image(value: object) -> bytes:
    """The PNG of a `data:image/png;base64,` value, or a 400 (not a PNG, too big, broken)."""
    field = "signature"
    if not isinstance(value, str) or not value.startswith(PNG_PREFIX):
        raise InvalidFields(
            _("签名有误"), {field: [_("签名应为PNG图片（data:image/png;base64,…）")]}
        )
    if len(value) > MAX_SIGNATURE_BYTES * 4 // 3 + len(PNG_PREFIX) + 4:
        raise InvalidFields(_("签名有误"), {field: [_("签名图片超过200KB")]})
    try:
        data = base64.b64decode(value[len(PNG_PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidFields(_("签名有误"), {field: [_("签名图片编码有误")]}) from exc
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidFields(_("签名有误"), {field: [_("签名应为PNG图片")]})
    from PIL import Image  # lazy: Pillow loads only when a signature arrives

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or image.width * image.height > MAX_SIGNATURE_PIXELS:
                raise ValueError("size")
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception as exc:  # Pillow raises many kinds for a broken file
        raise InvalidFields(_("签名有误"), {field: [_("签名图片无法读取或尺寸过大")]}) from exc
    return data


def _document_or_400(value: object) -> str:
    if value not in SignedDocument.values:
        raise InvalidFields(
            _("文书有误"),
            {"document": [_("应为：%s") % "、".join(SignedDocument.values)]},
        )
    assert isinstance(value, str)
    return value


def sign_online(
    session: PartySession,
    case_id: object,
    body: dict[str, Any],
    address: str,
    now: dt.datetime | None = None,
) -> list[PartySignature]:
    """The party confirms `document` with their drawn signature. 404 for a case not
    theirs; 409 when the case is past signing, or (with the text now) when the text the
    party read (`sha256`) is no longer the text."""
    now = now or timezone.now()
    case, mine = party_case(session, case_id)
    document = _document_or_400(body.get("document"))
    seen = body.get("sha256")
    if not isinstance(seen, str) or len(seen) != 64:
        raise InvalidFields(_("缺少文本摘要"), {"sha256": [_("请提交所阅读文本的SHA-256")]})
    image = check_signature_image(body.get("signature"))
    stored = default_storage.save(
        f"signatures/{case.pk}/{secrets.token_hex(16)}.png", ContentFile(image)
    )
    try:
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case.pk)
            if case.state not in SIGNING_STATES[SignedDocument(document)]:
                raise StateConflict(_("案件当前状态不能签署该文书"), case.state)
            current = document_text(case, document)
            if current is None:
                raise StateConflict(_("尚无可签署的协议文本"), case.state)
            if current[1] != seen:
                raise TextChanged(
                    _("文本已更正，请重新阅读后签署"), case.state, current[0], current[1]
                )
            done = [
                _record(case, link, document, current[1], now, address, image=stored)
                for link in mine
            ]
            if document == SignedDocument.AGREEMENT:
                # the last party's signature: the organisation signs the stored PDF
                transaction.on_commit(functools.partial(_sign_pdf, case.pk))
            return done
    except Exception:
        default_storage.delete(stored)
        raise


def sign_application_pdf(case_id: int) -> None:
    try:
        pades.sign_application(case_id)
    except Exception:  # the application stands; its signed PDF is not essential to it
        log.exception("signing the application PDF of case %s failed", case_id)


def _sign_pdf(case_id: int) -> None:
    try:
        pades.sign_agreement(case_id)
    except Exception:  # the signatures stand; the signed PDF is made again on the next
        log.exception("signing the agreement PDF of case %s failed", case_id)


def _record(
    case: Case,
    link: CaseParty,
    document: str,
    sha: str,
    now: dt.datetime,
    address: str,
    *,
    image: str = "",
    attachment: Attachment | None = None,
    user: User | None = None,
) -> PartySignature:
    method = SignMethod.PAPER if attachment is not None else SignMethod.ONLINE
    signature = PartySignature.objects.create(
        case=case,
        party=link.party,
        document=document,
        method=method,
        text_sha256=sha,
        image=image,
        attachment=attachment,
        signed_at=now,
        address=address,
        recorded_by=user,
    )
    record_event(
        case,
        EventType.PARTY_SIGNED,
        user,
        {
            "document": document,
            "method": method,
            "party": link.party_id,
            "party_name": link.party.name,
            "sha256": sha,
            "address": address,
            **({"attachment": attachment.pk} if attachment is not None else {}),
        },
        at=now,
    )
    return signature


def record_paper(
    case_id: int, user: User, body: dict[str, Any], now: dt.datetime | None = None
) -> PartySignature:
    """The mediator records that a party signed `document` on paper, its scan attached."""
    now = now or timezone.now()
    case = Case.objects.filter(pk=case_id).first()
    if case is None or not policies.can_see(user, case):
        raise NotVisible(_("案件不存在"))
    if not policies.may_record(user, case):
        raise NotPermitted(_("您无权登记当事人签署"))
    document = _document_or_400(body.get("document"))
    errors: dict[str, list[str]] = {}
    party_id, att_id = body.get("party"), body.get("attachment")
    link = (
        case.case_parties.select_related("party").filter(party_id=party_id).first()
        if isinstance(party_id, int) and not isinstance(party_id, bool)
        else None
    )
    if link is None:
        errors["party"] = [_("不是本案当事人")]
    att = (
        Attachment.objects.filter(case=case, pk=att_id).first()
        if isinstance(att_id, int) and not isinstance(att_id, bool)
        else None
    )
    if att is None:
        errors["attachment"] = [_("请先上传签署的纸质文书扫描件，并填写其材料编号")]
    if errors:
        raise InvalidFields(_("提交的内容有误"), errors)
    assert link is not None and att is not None
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.state not in SIGNING_STATES[SignedDocument(document)]:
            raise StateConflict(_("案件当前状态不能签署该文书"), case.state)
        current = document_text(case, document)
        if current is None:
            raise StateConflict(_("尚无可签署的协议文本"), case.state)
        return _record(case, link, document, current[1], now, "", attachment=att, user=user)


def signature_rows(case: Case) -> list[dict[str, Any]]:
    """Who has signed what (the mediator's case page, the party's page): per party and
    document the signature of the current text, or a note that an older one was voided."""
    rows: list[dict[str, Any]] = []
    if agreement_text(case) is None:
        return rows
    links = list(case.case_parties.select_related("party").order_by("position", "id"))
    for document in SignedDocument:
        valid = valid_signatures(case, document)
        voided = set(
            case.party_signatures.filter(document=document)
            .exclude(pk__in=[s.pk for s in valid.values()])
            .values_list("party_id", flat=True)
        )
        for link in links:
            signature = valid.get(link.party_id)
            rows.append(
                {
                    "document": document.value,
                    "document_label": document.label,
                    "party": link.party_id,
                    "party_name": link.party.name,
                    "signed_at": signature.signed_at if signature else None,
                    "method": signature.method if signature else "",
                    "method_label": signature.get_method_display() if signature else "",
                    "address": signature.address if signature else "",
                    "voided": signature is None and link.party_id in voided,
                }
            )
    return rows


def to_sign(case: Case, party_ids: list[int]) -> list[dict[str, Any]]:
    """The texts the party may confirm now, with their hash and whether they signed it."""
    out: list[dict[str, Any]] = []
    for document in SignedDocument:
        current = document_text(case, document)
        if current is None:
            continue
        mine = [s for pid, s in valid_signatures(case, document).items() if pid in party_ids]
        out.append(
            {
                "document": document.value,
                "title": str(document.label),
                "text": current[0],
                "sha256": current[1],
                "open": case.state in SIGNING_STATES[document],
                "signed_at": iso(mine[0].signed_at) if mine else None,
            }
        )
    return out


def my_cases(session: PartySession) -> list[dict[str, Any]]:
    """The party's cases (mediation.actions.party_access) with what they may sign."""
    rows = cases_of(session)
    cases = Case.objects.in_bulk([row["id"] for row in rows])
    for row in rows:
        row["documents"] = to_sign(cases[row["id"]], [me["party"] for me in row["me"]])
    return rows


METHOD_LABELS = {
    "online": gettext_lazy("本人网上确认"),
    "paper": gettext_lazy("本人纸质签名（扫描件已登记）"),
    "paper_all": gettext_lazy("纸质申请书签名（调解员记录）"),
}


def application_rows(case: Case) -> list[dict[str, Any]]:
    """How each applicant applied for judicial confirmation, as the latest request
    recorded it (the court's clerk reads this on the case page)."""
    event = (
        case.events.filter(
            type=EventType.CASE_TRANSITIONED, payload__data__transition="request_confirmation"
        )
        .order_by("-id")
        .first()
    )
    if event is None:
        return []
    applied = event.payload.get("data", {}).get("applied") or {}
    names = dict(case.case_parties.values_list("party_id", "party__name"))
    return [
        {"party_name": names.get(int(pk), ""), "method": METHOD_LABELS.get(how, how)}
        for pk, how in applied.items()
    ]

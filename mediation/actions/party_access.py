"""The parties' own door (DESIGN.md §12.2): sign-in by phone and a one-time code, their
cases and notices, the read receipts (电子送达) and their evidence.

A party is the phone number on a case: whoever proves they hold it (a six-digit code sent
to it, valid 5 minutes, 5 tries) sees the cases that name a party with that phone, and
nothing else. Every other case is a 404, as for a stranger."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.util import random_number_token

from mediation.errors import InvalidFields, NotVisible
from mediation.events import record_event
from mediation.law.choices import AttachmentKind, EventType, PartyRole, State
from mediation.law.identity import display_name, mask_name
from mediation.law.signing import agreement_text
from mediation.models import (
    Attachment,
    Case,
    CaseEvent,
    CaseParty,
    MediationSession,
    Party,
    PartyCode,
    PartySession,
)
from mediation.models.crypto import digest
from mediation.ops import sms
from mediation.ops.ratelimit import Quota, count

from .attachments import store_attachment

CODE_MINUTES = 5
CODE_TRIES = 5
# 电子送达: CPL art 90 (2023 revision) — served when it reaches the addressee's system.
SERVICE_BASIS = "民事诉讼法第九十条"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")

NEXT_STEP: dict[str, Any] = {
    State.REGISTERED: gettext_lazy("等待调解组织决定是否受理"),
    State.ACCEPTED: gettext_lazy("调解组织已受理，调解员将联系各方当事人"),
    State.MEDIATING: gettext_lazy("调解进行中，请按调解通知参加调解"),
    State.AGREED: gettext_lazy("已达成调解协议，请阅读协议内容"),
    State.CONFIRMING: gettext_lazy("已申请司法确认，等待人民法院裁定"),
    State.CONFIRMED: gettext_lazy("人民法院已确认调解协议有效，请按协议履行"),
    State.CONFIRMATION_REJECTED: gettext_lazy("人民法院未予确认，调解员将与您联系"),
    State.FAILED: gettext_lazy("调解已终止，可通过告知的其他途径解决"),
    State.REFERRED: gettext_lazy("已移送其他机关处理"),
    State.DECLINED: gettext_lazy("不予受理，可通过告知的其他途径解决"),
    State.WITHDRAWN: gettext_lazy("申请已撤回"),
    State.CLOSED: gettext_lazy("已结案"),
    State.ARCHIVED: gettext_lazy("已结案归档"),
}


def _secret_hash(kind: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"party-{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def mobile_or_400(value: object) -> str:
    """The mobile number of a request (digits; a +86 prefix dropped), or a 400."""
    text = value if isinstance(value, str) else ""
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if text.strip().startswith("+86") or (len(digits) == 13 and digits.startswith("86")):
        digits = digits[2:]
    if not _MOBILE.match(digits):
        raise InvalidFields(_("手机号码有误"), {"phone": [_("请输入案件登记的11位手机号码")]})
    return digits


# -- sign-in --------------------------------------------------------------------------------


def code_quota(phone: str, address: str) -> Quota:
    """Codes asked in the window, per phone and per address: the tighter of the two."""
    window = settings.PARTY_CODE_WINDOW_SECONDS
    per_phone = count(
        "party-code-phone:" + digest("phone", phone), settings.PARTY_CODE_PER_PHONE, window
    )
    per_ip = count("party-code-ip:" + address, settings.PARTY_CODE_PER_IP, window)
    return per_phone if per_phone.exceeded or not per_ip.exceeded else per_ip


def check_quota(address: str) -> Quota:
    """Code checks per address (each phone's code has its own 5 tries)."""
    return count(
        "party-check-ip:" + address,
        settings.PARTY_CODE_PER_IP * CODE_TRIES,
        settings.PARTY_CODE_WINDOW_SECONDS,
    )


def request_code(phone: str, now: dt.datetime | None = None) -> None:
    """A new code for `phone`; earlier ones stop working. The row is written for any
    number, the message sent only to one that is on a case: the answer cannot tell them
    apart, and neither can the later checks."""
    now = now or timezone.now()
    d = digest("phone", phone)
    code = random_number_token(length=6)
    with transaction.atomic():
        PartyCode.objects.filter(phone_digest=d, used_at__isnull=True).update(used_at=now)
        PartyCode.objects.create(
            phone_digest=d,
            code_hash=_secret_hash("code", d + code),
            created_at=now,
            expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
        )
        if Party.objects.filter(phone_digest=d).exists():
            sms.queue(
                phone,
                _("【大调解】您的登录验证码为%(code)s，%(m)d分钟内有效，请勿告诉他人。")
                % {"code": code, "m": CODE_MINUTES},
                "code",
            )


def _wrong_code() -> InvalidFields:
    return InvalidFields(_("验证码错误或已过期"), {"code": [_("验证码错误或已过期，请重新获取")]})


def start_session(phone: str, code: object, now: dt.datetime | None = None) -> str:
    """Check the code and open a session: the party's token. A wrong, expired or used-up
    code is a 400 that reads the same for any phone number."""
    now = now or timezone.now()
    text = code if isinstance(code, str) else ""
    if not re.fullmatch(r"[0-9]{6}", text):
        raise InvalidFields(_("验证码有误"), {"code": [_("验证码为6位数字")]})
    d = digest("phone", phone)
    token, wrong = "", None
    with transaction.atomic():
        row = (
            PartyCode.objects.select_for_update()
            .filter(phone_digest=d, used_at__isnull=True)
            .order_by("-id")
            .first()
        )
        if row is None or row.expires_at <= now:
            raise _wrong_code()
        if row.tries >= CODE_TRIES:
            raise InvalidFields(
                _("验证码错误次数过多"),
                {"code": [_("错误次数过多，该验证码已失效，请重新获取")]},
            )
        if not hmac.compare_digest(row.code_hash, _secret_hash("code", d + text)):
            row.tries += 1
            row.save(update_fields=["tries"])
            # Raised after the block commits: the failed try must count.
            wrong = _wrong_code()
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
            token = secrets.token_urlsafe(32)
            PartySession.objects.create(
                key_hash=_secret_hash("session", token),
                phone_digest=d,
                created_at=now,
                expires_at=now + dt.timedelta(minutes=settings.PARTY_SESSION_MINUTES),
            )
    if wrong is not None:
        raise wrong
    return token


def session_for(token: object, now: dt.datetime | None = None) -> PartySession | None:
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    now = now or timezone.now()
    return PartySession.objects.filter(
        key_hash=_secret_hash("session", token), expires_at__gt=now
    ).first()


def end_session(token: object) -> None:
    if isinstance(token, str) and token:
        PartySession.objects.filter(key_hash=_secret_hash("session", token)).delete()


# -- the party's cases and notices ----------------------------------------------------------


@dataclass
class Notice:
    id: str
    kind: str
    title: str
    text: str
    issued_at: dt.datetime
    read_at: dt.datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _links(session: PartySession) -> list[CaseParty]:
    return list(
        CaseParty.objects.filter(party__phone_digest=session.phone_digest)
        .select_related("case", "case__org", "case__mediator", "party")
        .order_by("-case__created_at", "case_id", "position")
    )


def party_case(session: PartySession, case_id: object) -> tuple[Case, list[CaseParty]]:
    """The case and the caller's own parties in it; 404 for any case not theirs."""
    pk = case_id if isinstance(case_id, int) else None
    links = [link for link in _links(session) if link.case_id == pk]
    if not links:
        raise NotVisible(_("案件不存在"))
    return links[0].case, links


# A fixed +08:00: Asia/Shanghai's historic offsets (LMT +08:05:43) are no RFC 3339 offset.
_CST = dt.timezone(dt.timedelta(hours=8))


def iso(value: dt.datetime) -> str:
    """An instant as RFC 3339 with China's offset, for the party API."""
    return value.astimezone(_CST).isoformat()


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y年%m月%d日 %H:%M")


def video_notice(session: MediationSession) -> Notice:
    """An online session's invitation: its time and the room's link (DESIGN §12.6)."""
    at = session.scheduled_at or session.held_at or session.created_at
    return Notice(
        f"session-{session.pk}",
        "video",
        _("视频调解邀请"),
        _("视频调解时间：%(at)s。请在当事人页面进入视频调解室，并确认录音录像告知。")
        % {"at": _local(at)},
        session.created_at,
        extra={
            "time": iso(at),
            "place": session.place,
            "room": f"/party/cases/{session.case_id}/sessions/{session.pk}/video/",
        },
    )


def notices(case: Case) -> list[Notice]:
    """The notices served on the parties, in the order they were issued."""
    out: list[Notice] = []
    if case.accepted_at:
        mediator = display_name(case.mediator) if case.mediator else ""
        out.append(
            Notice(
                "acceptance",
                "acceptance",
                _("受理通知"),
                _("%(org)s已于%(at)s受理本纠纷（%(number)s），调解员：%(m)s。")
                % {
                    "org": case.org.name,
                    "at": _local(case.accepted_at),
                    "number": case.number,
                    "m": mediator or "—",
                },
                case.accepted_at,
            )
        )
    for session in case.sessions.all():
        if session.online:
            out.append(video_notice(session))
            continue
        held = session.held_at or session.created_at  # a held session has its time
        out.append(
            Notice(
                f"session-{session.pk}",
                "session",
                _("调解通知"),
                _("调解时间：%(at)s；调解地点：%(place)s。请按时参加。")
                % {"at": _local(held), "place": session.place},
                session.created_at,
                extra={
                    "time": iso(held),
                    "place": session.place,
                },
            )
        )
    agreement = case.agreements.order_by("-id").first()
    if agreement is not None:
        text, sha = agreement_text(case) or ("", "")
        out.append(
            Notice(
                f"agreement-{agreement.pk}",
                "agreement",
                _("调解协议"),
                text,
                agreement.created_at,
                extra={"sha256": sha},
            )
        )
    failed = (
        case.events.filter(type=EventType.CASE_TRANSITIONED, payload__data__to=State.FAILED)
        .order_by("-id")
        .first()
    )
    if failed is not None:
        data = failed.payload.get("data", {})
        out.append(
            Notice(
                f"termination-{failed.pk}",
                "termination",
                _("终止调解告知"),
                _("本纠纷的调解已于%(at)s终止。%(reason)s%(routes)s")
                % {
                    "at": _local(failed.at),
                    "reason": (_("原因：%s。") % data["reason"]) if data.get("reason") else "",
                    "routes": (_("您可以：%s。") % data["routes"]) if data.get("routes") else "",
                },
                failed.at,
            )
        )
    return out


def _read_events(case: Case, party_ids: list[int]) -> dict[str, dt.datetime]:
    reads: dict[str, dt.datetime] = {}
    for event in case.events.filter(type=EventType.PARTY_NOTICE_READ).order_by("id"):
        data = event.payload.get("data", {})
        if data.get("party") in party_ids:
            reads.setdefault(data.get("notice", ""), event.at)
    return reads


def case_view(case: Case, mine: list[CaseParty]) -> dict[str, Any]:
    """What the party sees of a case: their own data in full, the others masked."""
    my_ids = [link.party_id for link in mine]
    reads = _read_events(case, my_ids)
    items = notices(case)
    for notice in items:
        notice.read_at = reads.get(notice.id)
    parties = case.case_parties.select_related("party").order_by("position", "id")
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "state_label": case.get_state_display(),
        "next_step": str(NEXT_STEP.get(State(case.state), "")),
        "org": case.org.name,
        "org_phone": case.org.phone,
        "category_label": case.get_category_display(),
        "me": [
            {
                "party": link.party_id,
                "role": link.role,
                "name": link.party.name,
                "phone": link.party.phone,
            }
            for link in mine
        ],
        "parties": [
            {
                "role": link.role,
                "role_label": PartyRole(link.role).label,
                "name": link.party.name if link.party_id in my_ids else mask_name(link.party.name),
                "me": link.party_id in my_ids,
            }
            for link in parties
        ],
        "notices": [
            {
                "id": n.id,
                "kind": n.kind,
                "title": n.title,
                "text": n.text,
                "issued_at": iso(n.issued_at),
                "read_at": iso(n.read_at) if n.read_at else None,
                **n.extra,
            }
            for n in items
        ],
    }


def my_cases(session: PartySession) -> list[dict[str, Any]]:
    by_case: dict[int, list[CaseParty]] = {}
    for link in _links(session):
        by_case.setdefault(link.case_id, []).append(link)
    return [case_view(links[0].case, links) for links in by_case.values()]


def read_notice(
    session: PartySession,
    case_id: object,
    notice_id: str,
    address: str,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """The read receipt of one notice (电子送达, CPL art 90): an event with the time and
    the address, once per party and notice. Returns when it was first read."""
    now = now or timezone.now()
    case, mine = party_case(session, case_id)
    notice = next((n for n in notices(case) if n.id == notice_id), None)
    if notice is None:
        raise NotVisible(_("通知不存在"))
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        reads = _read_events(case, [link.party_id for link in mine])
        first = reads.get(notice_id)
        for link in mine:
            if _read_events(case, [link.party_id]).get(notice_id):
                continue
            record_event(
                case,
                EventType.PARTY_NOTICE_READ,
                None,
                {
                    "notice": notice.id,
                    "kind": notice.kind,
                    "title": str(notice.title),
                    "party": link.party_id,
                    "party_name": link.party.name,
                    "address": address,
                    "basis": SERVICE_BASIS,
                },
                at=now,
            )
    return first or now


def receipts(case: Case) -> list[dict[str, Any]]:
    """Who has read what (the mediator's case page)."""
    return [
        {
            "at": event.at,
            "party_name": event.payload["data"].get("party_name", ""),
            "title": event.payload["data"].get("title", ""),
            "address": event.payload["data"].get("address", ""),
        }
        for event in CaseEvent.objects.filter(case=case, type=EventType.PARTY_NOTICE_READ).order_by(
            "id"
        )
    ]


def upload_evidence(
    session: PartySession, case_id: object, upload: UploadedFile | None, address: str
) -> Attachment:
    """Evidence handed in by a party: the same checks as any attachment (content, size)."""
    case, mine = party_case(session, case_id)
    return store_attachment(
        case,
        AttachmentKind.EVIDENCE,
        upload,
        None,
        extra={"by_party": mine[0].party_id, "party_name": mine[0].party.name, "address": address},
    )

"""Online mediation sessions (DESIGN.md §12.6): scheduling with invitations, who may enter
the room, joining and leaving, the recording notice, and the recording's upload.

A scheduled session is not a held one: `held_at` stays empty until the room is first
entered by a mediator, and is then the moment they came in (never in the future).
Who may enter: the parties invited (their phone signed in on /party/, the invitation not
expired) and the staff who may record on the case (policies.may_record). Every change here
is one transaction with its events, like every action."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.events import record_event
from mediation.law.choices import EventType, State
from mediation.law.identity import display_name
from mediation.law.jsonform import Data, JsonForm, errors_of
from mediation.models import (
    Case,
    CaseParty,
    MediationSession,
    PartySession,
    VideoConsent,
    VideoInvitation,
    VideoPresence,
    room_state,
)
from mediation.ops import sms

from . import party_notify
from .base import CaseRef, load_for_update
from .party_access import session_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# An invitation is good from its sending until this long after the scheduled start.
INVITATION_HOURS = 4
MAX_PARTICIPANTS = 4  # a browser mesh: every participant sends to every other
OPEN_STATES = {State.ACCEPTED, State.MEDIATING}
WEBM = "video/webm"
EBML_MAGIC = b"\x1a\x45\xdf\xa3"


class ScheduleForm(JsonForm):
    scheduled_at = forms.DateTimeField()
    place = forms.CharField(max_length=200, required=False)
    invited = forms.JSONField()

    def __init__(self, data: Data, *, case: Case, now: dt.datetime) -> None:
        super().__init__(data)
        self.case, self.now = case, now

    def clean_scheduled_at(self) -> dt.datetime:
        at: dt.datetime = self.cleaned_data["scheduled_at"]
        if at <= self.now:
            raise ValidationError(_("预定的视频调解时间应晚于现在"))
        return at

    def clean_invited(self) -> list[int]:
        value = self.cleaned_data.get("invited")
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        ):
            raise ValidationError(_("请以当事人编号列表指明受邀请的当事人"))
        on_case = set(CaseParty.objects.filter(case=self.case).values_list("party_id", flat=True))
        strangers = [v for v in value if v not in on_case]
        if strangers:
            raise ValidationError(
                _("当事人%(ids)s不是本案当事人") % {"ids": "、".join(map(str, strangers))}
            )
        ids = list(dict.fromkeys(value))
        if len(ids) > MAX_PARTICIPANTS - 1:
            raise ValidationError(
                _("视频调解最多%(n)s方参加（含调解员）") % {"n": MAX_PARTICIPANTS}
            )
        return ids


def schedule(
    case_or_id: CaseRef, user: User, data: Data, *, now: dt.datetime | None = None
) -> MediationSession:
    """An online session: scheduled, its parties invited on /party/ and by SMS."""
    now = now or timezone.now()
    with transaction.atomic():
        case = load_for_update(case_or_id, user)
        if case.is_frozen:
            raise StateConflict(_("案件已归档，不能再变更"), case.state)
        if not policies.may_record(user, case):
            raise NotPermitted(_("您无权在该案件中登记记录"))
        if case.state not in OPEN_STATES:
            raise StateConflict(
                _("案件当前状态为“%(state)s”，不能安排视频调解")
                % {"state": case.get_state_display()},
                case.state,
            )
        form = ScheduleForm(data, case=case, now=now)
        if not form.is_valid():
            raise InvalidFields(_("提交的内容有误"), errors_of(form))
        at: dt.datetime = form.cleaned_data["scheduled_at"]
        session = MediationSession.objects.create(
            case=case,
            online=True,
            scheduled_at=at,
            held_at=None,
            place=form.cleaned_data["place"] or _("视频调解"),
            attendees="",
            record="",
            recorded_by=user,
            created_at=now,
        )
        invited: list[int] = form.cleaned_data["invited"]
        expires = at + dt.timedelta(hours=INVITATION_HOURS)
        VideoInvitation.objects.bulk_create(
            VideoInvitation(session=session, party_id=p, created_at=now, expires_at=expires)
            for p in invited
        )
        record_event(
            case,
            EventType.CASE_UPDATED,
            user,
            {
                "record": "session",
                "session": session.pk,
                "online": True,
                "scheduled_at": at.isoformat(),
                "invited": invited,
            },
            at=now,
        )
        _invite_by_sms(case, session, invited)
    return session


def _invite_by_sms(case: Case, session: MediationSession, invited: list[int]) -> None:
    assert session.scheduled_at is not None
    when = timezone.localtime(session.scheduled_at).strftime("%m月%d日%H:%M")
    link = settings.PORTAL_BASE_URL.rstrip("/") + "/party/"
    text = party_notify.PREFIX + _("视频调解邀请：%(at)s，请登录%(link)s进入调解室。") % {
        "at": when,
        "link": link,
    }
    if len(text) > sms.MAX_CHARS:  # a long site address: the party's page by name
        text = party_notify.PREFIX + _("视频调解邀请：%(at)s，请登录当事人页面进入调解室。") % {
            "at": when
        }
    phones: list[str] = []
    for link_row in CaseParty.objects.filter(case=case, party_id__in=invited).select_related(
        "party"
    ):
        phone = "".join(ch for ch in link_row.party.phone if ch.isdigit())
        if party_notify.is_mobile(phone) and phone not in phones:
            phones.append(phone)
            sms.queue(phone, text, "notice", case)


# -- who may enter ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    who: str  # "party:<id>" | "user:<id>"
    name: str
    role: str  # 调解员, or the party's role (申请人…) as the tiles show it
    case_id: int
    session_id: int
    staff: bool


def _online(case_id: object, session_id: object) -> MediationSession:
    try:
        sid, cid = int(str(session_id)), int(str(case_id)) if case_id is not None else None
    except ValueError:
        raise NotVisible(_("视频调解不存在")) from None
    session = MediationSession.objects.select_related("case").filter(pk=sid, online=True).first()
    if session is None or (cid is not None and session.case_id != cid):
        raise NotVisible(_("视频调解不存在"))
    return session


def staff_participant(user: Any, session_id: object, case_id: object = None) -> Participant:
    """The case's mediator (or a colleague who may record on it) entering the room."""
    session = _online(case_id, session_id)
    case = session.case
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotPermitted(_("请先登录"))
    if not policies.can_see(user, case):
        raise NotVisible(_("视频调解不存在"))
    if not user.is_active or not policies.may_record(user, case):
        raise NotPermitted(_("只有本案调解员和受邀请的当事人可以进入视频调解"))
    return Participant(
        f"user:{user.pk}", display_name(user), _("调解员"), case.pk, session.pk, True
    )


def party_participant(
    party_session: PartySession | None,
    session_id: object,
    case_id: object = None,
    *,
    now: dt.datetime | None = None,
) -> Participant:
    """An invited party, signed in by phone, within the invitation's time."""
    now = now or timezone.now()
    session = _online(case_id, session_id)
    if party_session is None or party_session.expires_at <= now:
        raise NotPermitted(_("请先登录当事人页面"))
    links = list(
        CaseParty.objects.filter(
            case_id=session.case_id, party__phone_digest=party_session.phone_digest
        ).select_related("party")
    )
    if not links:
        raise NotVisible(_("视频调解不存在"))
    invites = {
        i.party_id: i
        for i in VideoInvitation.objects.filter(
            session=session, party_id__in=[x.party_id for x in links]
        )
    }
    valid = [x for x in links if x.party_id in invites and invites[x.party_id].expires_at > now]
    if not valid:
        if invites:
            raise NotPermitted(_("视频调解邀请已过期"))
        raise NotPermitted(_("您未被邀请参加本次视频调解"))
    if session.case.state not in OPEN_STATES:
        raise NotPermitted(_("案件已不在调解中"))
    link = valid[0]
    return Participant(
        f"party:{link.party_id}",
        link.party.name,
        link.get_role_display(),
        session.case_id,
        session.pk,
        False,
    )


def still_allowed(p: Participant, user: Any, party_session_key: str | None) -> bool:
    """Re-checked on every signalling message: access may have ended since joining."""
    try:
        if p.staff:
            # read afresh: deactivated or moved since joining
            fresh = get_user_model().objects.filter(pk=getattr(user, "pk", None) or 0).first()
            staff_participant(fresh, p.session_id)
        else:
            party_participant(session_for(party_session_key), p.session_id)
    except (NotPermitted, NotVisible):
        return False
    return True


# -- in the room -----------------------------------------------------------------------------


def join(p: Participant, address: str = "", *, now: dt.datetime | None = None) -> VideoPresence:
    """A participant entered the room: an event; a mediator's first entry holds the session."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=p.case_id)
        session = MediationSession.objects.select_for_update().get(pk=p.session_id)
        inside = VideoPresence.objects.filter(session=session, left_at__isnull=True)
        if inside.exclude(who=p.who).values("who").distinct().count() >= MAX_PARTICIPANTS:
            raise StateConflict(_("视频调解已满（最多%(n)s方）") % {"n": MAX_PARTICIPANTS}, "full")
        if p.staff and session.held_at is None:
            session.held_at = now
            session.save(update_fields=["held_at"])
        presence = VideoPresence.objects.create(
            session=session,
            who=p.who,
            name=p.name,
            role=p.role,
            address=address[:64],
            joined_at=now,
        )
        record_event(case, EventType.SESSION_JOINED, None, _presence_data(presence), at=now)
        if not p.staff and not inside.filter(who__startswith="user:").exists():
            # nobody to mediate: the case's mediator is alerted (alerts.ALERT_TYPES)
            record_event(case, EventType.SESSION_WAITING, None, _presence_data(presence), at=now)
    return presence


def leave(presence_id: int, *, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        presence = (
            VideoPresence.objects.select_for_update()
            .filter(pk=presence_id, left_at__isnull=True)
            .first()
        )
        if presence is None:
            return
        presence.left_at = now
        presence.save(update_fields=["left_at"])
        case = Case.objects.get(pk=presence.session.case_id)
        record_event(case, EventType.SESSION_LEFT, None, _presence_data(presence), at=now)


def _presence_data(presence: VideoPresence) -> dict[str, Any]:
    return {
        "session": presence.session_id,
        "participant": presence.who,
        "name": presence.name,
        "role": presence.role,
    }


def room(session_id: int) -> dict[str, Any]:
    """Who is in the room now, who has accepted the recording notice, and its state:
    `waiting` (parties without a mediator), `in` (a mediator present) or `empty`."""
    inside = VideoPresence.objects.filter(session_id=session_id, left_at__isnull=True)
    agreed = set(VideoConsent.objects.filter(session_id=session_id).values_list("who", flat=True))
    people: dict[str, dict[str, Any]] = {}
    for x in inside:
        people[x.who] = {"id": x.who, "name": x.name, "role": x.role, "consented": x.who in agreed}
    return {"participants": list(people.values()), "state": room_state(people)}


def consent(p: Participant, *, now: dt.datetime | None = None) -> bool:
    """The recording notice accepted (once per participant): an event. True if new."""
    now = now or timezone.now()
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=p.case_id)
        _row, created = VideoConsent.objects.get_or_create(
            session_id=p.session_id, who=p.who, defaults={"accepted_at": now}
        )
        if created:
            record_event(
                case,
                EventType.CASE_UPDATED,
                None,
                {"record": "video_consent", "session": p.session_id, "participant": p.who},
                at=now,
            )
    return created


def missing_consent(session_id: int) -> list[str]:
    """The names of those in the room who have not accepted the recording notice."""
    agreed = set(VideoConsent.objects.filter(session_id=session_id).values_list("who", flat=True))
    inside = VideoPresence.objects.filter(session_id=session_id, left_at__isnull=True)
    return sorted({x.name for x in inside if x.who not in agreed})

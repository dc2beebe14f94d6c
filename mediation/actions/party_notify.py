"""Text messages to the parties (DESIGN.md §12.2): when a notice is issued (acceptance), a
session is recorded with its time and place, or the case ends. Each at most 70 characters
(one message), in Chinese, with the case number and nothing personal (no ID numbers);
the full notice is on /party/. Written to the outbox in the action's transaction, sent
after it commits (mediation.ops.sms)."""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.law.choices import State
from mediation.models import Case, MediationSession
from mediation.ops import sms

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
ENDS = {State.FAILED, State.DECLINED, State.WITHDRAWN, State.CLOSED, State.CONFIRMED}
PREFIX = "【大调解】"


def _fit(text: str, stretch: str) -> str:
    """`text` with `{x}` replaced by as much of `stretch` as fits in one message."""
    room = sms.MAX_CHARS - len(text) + len("{x}")
    if len(stretch) > room:
        stretch = stretch[: max(room - 1, 0)] + "…"
    return text.replace("{x}", stretch)


def fit(text: str, stretch: str) -> str:
    return _fit(text, stretch)


def is_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone))


def _phones(case: Case) -> list[str]:
    phones: list[str] = []
    for link in case.case_parties.select_related("party"):
        phone = "".join(ch for ch in link.party.phone if ch.isdigit())
        if _MOBILE.match(phone) and phone not in phones:
            phones.append(phone)
    return phones


def _send(case: Case, text: str) -> None:
    for phone in _phones(case):
        sms.queue(phone, text, "notice", case)


def after_transition(case: Case, name: str) -> None:
    if name == "accept":
        _send(
            case,
            _fit(PREFIX + _("您的纠纷已受理，案号{x}，请到当事人页面查看受理通知。"), case.number),
        )
    elif case.state in ENDS:
        _send(
            case,
            _fit(
                PREFIX + _("案件{x}已") + case.get_state_display() + _("，详见当事人页面。"),
                case.number,
            ),
        )


def after_session(case: Case, session: MediationSession) -> None:
    when = timezone.localtime(session.held_at)
    head = PREFIX + _("调解通知：%(at)s在{x}调解，请准时参加。") % {
        "at": when.strftime("%m月%d日%H:%M")
    }
    _send(case, _fit(head, session.place))

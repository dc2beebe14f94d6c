"""Demo data for online sessions (DESIGN.md §12.6): one video session scheduled for
tomorrow morning on a case the demo mediator (`mediator`) is mediating (or has
accepted), its parties invited,
so the room, the calendar (/calendar/) and the party's invitation on /party/ have something
to show."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from mediation.actions import video
from mediation.law.choices import State
from mediation.models import Case, MediationSession

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PLACE = "视频调解（演示）"


def seed_video_session(users: dict[str, User], now: dt.datetime) -> MediationSession | None:
    """Once; None when there is no mediating case of the demo mediator to put it on."""
    mediator = users["mediator"]
    if MediationSession.objects.filter(online=True, place=PLACE).exists():
        return None
    # a case in mediation; an accepted one (mediation about to begin) in a short seed
    mine = Case.objects.filter(mediator=mediator).order_by("created_at", "id")
    case = mine.filter(state=State.MEDIATING).first() or mine.filter(state=State.ACCEPTED).first()
    if case is None:
        return None
    parties = list(case.case_parties.order_by("position", "id").values_list("party_id", flat=True))
    tomorrow = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)
    at = tomorrow + dt.timedelta(days=1)
    invited = list(dict.fromkeys(parties))[: video.MAX_PARTICIPANTS - 1]
    return video.schedule(
        case,
        mediator,
        {"scheduled_at": at.isoformat(), "place": PLACE, "invited": invited},
        now=now,
    )

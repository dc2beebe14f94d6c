"""An online session's room now (DESIGN.md §12.6): whether a party waits for a mediator.
Apart from models/video.py so the session model can say it without a cycle."""

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomState(models.TextChoices):
    EMPTY = "empty", _("调解室无人")
    WAITING = "waiting", _("当事人在调解室等候")
    IN = "in", _("调解进行中")


def room_state(inside: Iterable[str]) -> str:
    """`in` when a staff participant ("user:<id>") is present, `waiting` with parties
    only, else `empty`."""
    whos = list(inside)
    if any(w.startswith("user:") for w in whos):
        return RoomState.IN
    return RoomState.WAITING if whos else RoomState.EMPTY

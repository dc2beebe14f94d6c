"""The one wire shape of an event (DESIGN.md §5), on the socket and in the REST API: what
the relay frames for every socket, a socket's replay sends and `/api/events` lists."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from mediation.models import CaseEvent


def serialise(event: CaseEvent) -> dict[str, Any]:
    """The one wire shape of an event (socket and REST)."""
    p = event.payload
    return {
        "id": event.pk,
        "type": event.type,
        "at": timezone.localtime(event.at).isoformat(),
        "case": p.get("case"),
        "actor": p.get("actor"),
        "data": p.get("data", {}),
    }


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))

"""Structured logs: one JSON object a line (LOG_FORMAT=json), with the actor and the case
number, never a full resident ID number or phone number (DESIGN.md §9).

Three sources write them:
- `RequestLogMiddleware`: one line per HTTP request (method, path without the query
  string, status, milliseconds, actor); the actor is also kept for every other line
  written while the request runs;
- `event_committed`: one line per committed CaseEvent (type, case number, actor,
  transition), whichever door wrote it (API, pages, workflows, the sweep);
- every other logger of the process, through `JsonFormatter`.

The formatter masks, as a last line of defence, anything in a line that looks like an ID
or phone number (an exception message quoting a form value, a path segment), with the
masking helpers of mediation.law.identity.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from mediation.law.identity import mask_id_number, mask_phone

from . import metrics

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

actor_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("dtj_actor", default=None)

_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_LANDLINE_RE = re.compile(r"(?<![\d-])0\d{2,3}-\d{7,8}(?!\d)")

# Fields of a LogRecord that are not extras.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}

events_log = logging.getLogger("datiaojie.events")
requests_log = logging.getLogger("datiaojie.requests")


def scrub(text: str) -> str:
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE_RE.sub(lambda m: mask_phone(m.group(0)), text)
    return _LANDLINE_RE.sub(lambda m: mask_phone(m.group(0)), text)


def _clean(value: object) -> object:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return scrub(str(value))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        actor = actor_var.get()
        if actor is not None:
            out["actor"] = actor
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(_clean(out), ensure_ascii=False, default=str)


class ScrubbingFormatter(logging.Formatter):
    """The plain-text format of the embedded default, masked the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def _actor_of(user: AbstractBaseUser | AnonymousUser | None) -> str | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.get_username()


class RequestLogMiddleware:
    """One `datiaojie.requests` line per request; the actor for every line meanwhile."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        token = actor_var.set(None)
        try:
            response = self.get_response(request)
            # The user is known once authentication ran (session or API token).
            actor = _actor_of(getattr(request, "user", None))
            user = getattr(getattr(request, "_request", None), "user", None)
            actor = actor or _actor_of(user)
            actor_var.set(actor)
            requests_log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            actor_var.reset(token)


def event_committed(message: dict) -> None:
    """A CaseEvent has committed: log it (and count a transition). Called on commit by
    mediation.events with the event's wire shape, so the line matches what desks see."""
    case = message.get("case") or {}
    data = message.get("data") or {}
    actor = message.get("actor") or {}
    if message.get("type") == "case.transitioned" and data.get("transition"):
        metrics.count_transition(case.get("network", ""), data["transition"])
    extra = {"event": message.get("id"), "type": message.get("type"), "case": case.get("number")}
    if data.get("transition"):
        extra["transition"] = data["transition"]
    if actor.get("id") is not None:
        extra["actor_id"] = actor["id"]
    events_log.info("event", extra=extra)

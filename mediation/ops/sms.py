"""Text messages to parties (DESIGN.md §12.2) through one interface, `SMS_BACKEND`:

- `file` (the default): each message a JSON line in SMS_FILE_PATH (media/sms.jsonl), so the
  embedded setup needs nothing;
- `console`: printed, for a developer;
- `http`: a gateway (SMS_HTTP_URL, SMS_HTTP_KEY, SMS_HTTP_TEMPLATE_ID), with a timeout.

Every message is first a row of the outbox (SmsMessage), written in the caller's
transaction; it is tried after commit, and one the backend refused stays queued and is
retried with backoff by the server's sweep until SMS_MAX_ATTEMPTS, then marked failed.
A failure is logged and shown to the organisation (the case page); it never reaches the
caller as an error."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from mediation.models import Case, SmsMessage, SmsStatus

log = logging.getLogger(__name__)
MAX_CHARS = 70  # one message of a Chinese SMS (70 UCS-2 characters)
BACKOFF_SECONDS = 30

_file_lock = threading.Lock()


class SmsError(Exception):
    """The backend did not take the message (the text is for the log and the case page)."""


class Backend(Protocol):
    def send(self, phone: str, text: str) -> None: ...


def file_path() -> Path:
    return Path(settings.SMS_FILE_PATH or Path(settings.MEDIA_ROOT) / "sms.jsonl")


class FileBackend:
    def send(self, phone: str, text: str) -> None:
        path = file_path()
        line = json.dumps(
            {"at": timezone.now().isoformat(), "phone": phone, "text": text}, ensure_ascii=False
        )
        try:
            with _file_lock:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("a", encoding="utf-8") as out:
                    out.write(line + "\n")
        except OSError as exc:
            raise SmsError(f"file: {exc.strerror}") from exc


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        sys.stdout.write(f"[SMS to {phone}] {text}\n")
        sys.stdout.flush()


class HttpBackend:
    def send(self, phone: str, text: str) -> None:
        body = json.dumps(
            {"phone": phone, "template_id": settings.SMS_HTTP_TEMPLATE_ID, "text": text},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(
            settings.SMS_HTTP_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_HTTP_KEY}",
            },
        )
        if not str(settings.SMS_HTTP_URL).startswith(("https://", "http://")):
            raise SmsError("SMS_HTTP_URL must be an http(s) URL")
        try:
            # the scheme is checked just above: never file: or a custom one
            with urllib.request.urlopen(  # nosec B310
                request, timeout=settings.SMS_HTTP_TIMEOUT_SECONDS
            ) as answer:
                if not 200 <= answer.status < 300:
                    raise SmsError(f"http {answer.status}")
        except urllib.error.HTTPError as exc:
            raise SmsError(f"http {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"http: {getattr(exc, 'reason', exc)}") from exc


BACKENDS: dict[str, type[Backend]] = {
    "file": FileBackend,
    "console": ConsoleBackend,
    "http": HttpBackend,
}


def backend() -> Backend:
    return BACKENDS[settings.SMS_BACKEND]()


def queue(phone: str, text: str, purpose: str, case: Case | None = None) -> SmsMessage:
    """Write one message to the outbox (inside the caller's transaction, when there is one)
    and try it once that commits."""
    if len(text) > MAX_CHARS:
        raise ValueError(f"an SMS is at most {MAX_CHARS} characters: {text!r}")
    now = timezone.now()
    message = SmsMessage.objects.create(
        phone=phone, text=text, purpose=purpose, case=case, created_at=now, next_attempt_at=now
    )
    transaction.on_commit(functools.partial(deliver, message.pk))
    return message


def deliver(pk: int) -> bool:
    """Try one queued message now; True when the backend took it. Claimed by a conditional
    UPDATE, so two processes never send the same message twice."""
    now = timezone.now()
    claimed = SmsMessage.objects.filter(
        pk=pk, status=SmsStatus.QUEUED, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + dt.timedelta(minutes=10))
    if not claimed:
        return False
    message = SmsMessage.objects.get(pk=pk)
    try:
        backend().send(message.phone, message.text)
    except SmsError as exc:
        failed = message.attempts >= settings.SMS_MAX_ATTEMPTS
        SmsMessage.objects.filter(pk=pk).update(
            status=SmsStatus.FAILED if failed else SmsStatus.QUEUED,
            last_error=str(exc)[:200],
            next_attempt_at=now + dt.timedelta(seconds=BACKOFF_SECONDS * 2**message.attempts),
        )
        log.warning(
            "sms %s not delivered (attempt %s%s): %s",
            pk,
            message.attempts,
            ", given up" if failed else ", queued",
            exc,
        )
        return False
    SmsMessage.objects.filter(pk=pk).update(status=SmsStatus.SENT, sent_at=now, last_error="")
    return True


def retry_due() -> dict[str, int]:
    """Try every queued message whose next attempt is due (the server's sweep calls this)."""
    due = list(
        SmsMessage.objects.filter(
            status=SmsStatus.QUEUED, next_attempt_at__lte=timezone.now()
        ).values_list("pk", flat=True)[:200]
    )
    sent = sum(deliver(pk) for pk in due)
    return {"tried": len(due), "sent": sent}


def undelivered(org_ids: list[int]) -> QuerySet[SmsMessage]:
    """The messages about these organisations' cases that have not gone out: given up
    first, then those still being retried, newest first (the head's SMS page)."""
    return (
        SmsMessage.objects.filter(
            case__org_id__in=org_ids, status__in=[SmsStatus.QUEUED, SmsStatus.FAILED]
        )
        .select_related("case")
        # "failed" sorts before "queued"
        .order_by("status", "-id")
    )

"""Webhook delivery from the outbox (DESIGN.md §12.3), for systems that cannot hold a socket.

Each endpoint reads CaseEvent rows above its `cursor` in id order — ids follow commit order
(mediation.events), so like the socket relay it never skips an event — keeps those its
organisation may see (`sees`, the socket fan-out's rule) and of its types, and POSTs
each as §5's event JSON (mediation.live.wire), signed:

    X-Datiaojie-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>
    X-Datiaojie-Event-Id: <event id>

Strictly in order per endpoint: a failed event (no answer within WEBHOOK_TIMEOUT_SECONDS, or
not 2xx) becomes a pending WebhookDelivery row that holds the endpoint's line; it is retried
with exponential backoff and jitter, and after RETRY_FOR (24 h) since its first attempt it is
marked failed and the endpoint moves on. All of it is in the database: a new worker after a
restart goes on where the last stopped. A delivery whose answer was lost in a crash is sent
again (at least once): receivers deduplicate on X-Datiaojie-Event-Id.

Who delivers: a daemon thread per daphne process (`start`, like the deadline sweeper), or
`manage.py deliver_webhooks` as a separate process. Several may run: each endpoint is leased
by one worker at a time (a conditional UPDATE), which keeps its order. Delivery never runs in
a request or a transition: a slow or dead receiver costs its own worker time only."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from mediation.models import CaseEvent, DeliveryStatus, Webhook, WebhookDelivery

from .wire import encode, serialise

__all__ = ["Sender", "Worker", "backoff", "sees", "sign", "start", "stop"]

log = logging.getLogger(__name__)

RETRY_FOR = dt.timedelta(hours=24)
FIRST_RETRY = 10.0  # seconds; doubled per attempt
LONGEST_RETRY = 3600.0
LEASE = dt.timedelta(seconds=120)
BATCH = 200
SAVE_EVERY = 50  # delivered rows saved per commit, at most
SAVE_AFTER = 0.5  # seconds a delivered row may wait for its commit, at most
MAX_ERROR = 500


def sees(org_id: int | None, event_orgs: Iterable[int]) -> bool:
    """An endpoint's share of the outbox, the socket fan-out's rule (relay.groups_for): one
    made for an organisation gets the events of the cases it handles or handled (the
    event's "orgs", CaseAccess at write time); one for no organisation gets all (district)."""
    return org_id is None or org_id in event_orgs


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> dt.timedelta:
    """The wait after the n-th failed attempt: 10 s doubling up to an hour, each drawn from
    its upper half (jitter, so receivers coming back are not hit by every retry at once)."""
    ceiling = min(LONGEST_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=ceiling * (0.5 + 0.5 * rand()))


class Sender:
    """POSTs with one kept-alive connection per receiver host."""

    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = float(settings.WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout)
        self.connections: dict[tuple[str, str, int | None], http.client.HTTPConnection] = {}

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
        """(status code or None, error text; "" when 2xx)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "", parts.port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for retry_fresh in (True, False):
            conn = self.connections.get(key)
            fresh = conn is None
            if conn is None:
                kind = (
                    http.client.HTTPSConnection
                    if parts.scheme == "https"
                    else http.client.HTTPConnection
                )
                conn = kind(parts.hostname or "", parts.port, timeout=self.timeout)
                self.connections[key] = conn
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read(65536)
                if response.will_close:
                    self._drop(key)
            except (OSError, http.client.HTTPException) as exc:
                self._drop(key)
                # a kept-alive connection the receiver closed meanwhile: once more, fresh
                if retry_fresh and not fresh and not isinstance(exc, TimeoutError):
                    continue
                return None, (f"{type(exc).__name__}: {exc}")[:MAX_ERROR]
            if 200 <= response.status < 300:
                return response.status, ""
            return response.status, f"HTTP {response.status} {response.reason}"[:MAX_ERROR]
        return None, "unreachable"  # pragma: no cover (the loop always returns)

    def _drop(self, key: tuple[str, str, int | None]) -> None:
        conn = self.connections.pop(key, None)
        if conn is not None:
            conn.close()

    def close(self) -> None:
        for key in list(self.connections):
            self._drop(key)


class Worker:
    """One delivering worker; `run_once` serves every endpoint it can lease."""

    def __init__(self, sender: Sender | None = None, owner: str | None = None) -> None:
        self.sender = sender or Sender()
        self.owner = owner or uuid.uuid4().hex
        self.stopping = threading.Event()
        self.unsaved: list[WebhookDelivery] = []
        self.saved_at = 0.0

    def run_once(self) -> int:
        """Serve each endpoint once; the number of attempts made (0: nothing to do)."""
        done = 0
        for pk in Webhook.objects.order_by("id").values_list("pk", flat=True):
            if self.stopping.is_set():
                break
            hook = self._lease(pk)
            if hook is None:
                continue
            try:
                done += self._serve(hook)
            finally:
                Webhook.objects.filter(pk=pk, lease_owner=self.owner).update(
                    lease_until=None, lease_owner=""
                )
        return done

    def run_until_idle(self, rounds: int = 1000) -> int:
        total = 0
        for _round in range(rounds):
            done = self.run_once()
            total += done
            if not done:
                break
        return total

    # -- one endpoint --------------------------------------------------------------------

    def _lease(self, pk: int) -> Webhook | None:
        now = timezone.now()
        free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=self.owner)
        if not Webhook.objects.filter(free, pk=pk).update(
            lease_until=now + LEASE, lease_owner=self.owner
        ):
            return None
        return Webhook.objects.filter(pk=pk).first()

    def _serve(self, hook: Webhook) -> int:
        self.unsaved = []
        self.saved_at = time.monotonic()
        try:
            return self._serve_in_order(hook)
        finally:
            self._save(hook)

    def _serve_in_order(self, hook: Webhook) -> int:
        attempts = 0
        pending = (
            WebhookDelivery.objects.filter(webhook=hook, status=DeliveryStatus.PENDING)
            .select_related("event")
            .first()
        )
        if pending is not None:
            due = pending.next_attempt_at
            if due is not None and due > timezone.now():
                return 0
            attempts += 1
            if not self._attempt(hook, pending.event, pending):
                return attempts
        kinds = set(hook.events)
        everything = "*" in kinds
        while not self.stopping.is_set():
            rows = list(
                CaseEvent.objects.filter(id__gt=hook.cursor)
                .order_by("id")
                .only("id", "type", "at", "payload")[:BATCH]
            )
            if not rows:
                break
            for event in rows:
                if self.stopping.is_set():
                    return attempts
                wanted = (everything or event.type in kinds) and sees(
                    hook.org_id, event.payload.get("orgs", [])
                )
                if not wanted:
                    hook.cursor = event.pk
                    continue
                attempts += 1
                if not self._attempt(hook, event, None):
                    return attempts
            # events not for this endpoint: move past them too
            if not self._save(hook):
                break
        return attempts

    def _save(self, hook: Webhook) -> bool:
        """Store the delivered rows not yet saved and the cursor, in one transaction (one
        commit per SAVE_EVERY deliveries, not per delivery: a crash in between sends those
        again, which X-Datiaojie-Event-Id lets the receiver see). False: stop."""
        rows, self.unsaved = self.unsaved, []
        self.saved_at = time.monotonic()
        with transaction.atomic():
            if not self._advance(hook, hook.cursor):
                return False  # deleted meanwhile: nothing to record
            WebhookDelivery.objects.bulk_create(rows)
        return True

    def _advance(self, hook: Webhook, cursor: int) -> bool:
        """Store the cursor while this worker still holds the endpoint (False: it was
        deleted or its lease taken: stop)."""
        return bool(
            Webhook.objects.filter(pk=hook.pk, lease_owner=self.owner).update(
                cursor=cursor, lease_until=timezone.now() + LEASE
            )
        )

    def _attempt(self, hook: Webhook, event: CaseEvent, row: WebhookDelivery | None) -> bool:
        """POST one event; True when the endpoint may go on to its next event."""
        body = encode(serialise(event)).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Datiaojie-Webhooks/1",
            "X-Datiaojie-Event-Id": str(event.pk),
            "X-Datiaojie-Event": event.type,
            "X-Datiaojie-Signature": sign(hook.secret, body),
        }
        started = timezone.now()
        code, error = self.sender.post(hook.url, body, headers)
        now = timezone.now()
        first = row.first_attempt_at if row is not None else started
        if row is None:
            row = WebhookDelivery(webhook=hook, event=event, first_attempt_at=first)
        row.attempts += 1
        row.last_attempt_at = now
        row.response_code = code
        row.last_error = error
        if not error:
            row.status, row.next_attempt_at = DeliveryStatus.DELIVERED, None
        elif now - first >= RETRY_FOR:
            row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
            log.warning("webhook %s gave up event %s: %s", hook.pk, event.pk, error)
        else:
            row.status = DeliveryStatus.PENDING
            row.next_attempt_at = now + backoff(row.attempts)
        if row.status == DeliveryStatus.DELIVERED and row.pk is None:
            # the common case, saved in batches
            hook.cursor = event.pk
            self.unsaved.append(row)
            if len(self.unsaved) >= SAVE_EVERY or time.monotonic() - self.saved_at > SAVE_AFTER:
                return self._save(hook)
            return True
        moved = row.status != DeliveryStatus.PENDING
        if not self._save(hook):
            return False
        with transaction.atomic():
            if not self._advance(hook, event.pk if moved else hook.cursor):
                return False
            row.save()
        if moved:
            hook.cursor = event.pk
        return moved


# -- in the server, like the deadline sweeper --------------------------------------------

_started = threading.Event()
_worker: Worker | None = None


def _loop(interval: float) -> None:
    worker = _worker
    assert worker is not None
    wait = min(1.0, interval)
    while not worker.stopping.wait(wait):
        wait = interval
        try:
            if worker.run_once():
                wait = 0  # more may be waiting: go on at once
        except Exception:  # a failed round is retried; the server keeps serving
            log.exception("webhook delivery failed")
        finally:
            close_old_connections()


def start() -> bool:
    """Start the delivery thread once per process; False when switched off."""
    global _worker
    interval = float(getattr(settings, "WEBHOOK_POLL_SECONDS", 0) or 0)
    if interval <= 0 or _started.is_set():
        return False
    _started.set()
    _worker = Worker()
    threading.Thread(target=_loop, args=(interval,), name="webhooks", daemon=True).start()
    return True


def stop() -> None:
    if _worker is not None:
        _worker.stopping.set()

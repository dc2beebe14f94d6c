"""Counting attempts per client address or key (portal tracking, applications, complaints).

An API endpoint that counts attempts tells the client where it stands in the IETF draft's
headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Limit`, `RateLimit-Remaining`,
`RateLimit-Reset` (seconds until the window ends), on every answer; a refused attempt is a
429 with `Retry-After` (the same seconds)."""

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django.http.response import HttpResponseBase

log = logging.getLogger(__name__)


def client_ip(request: HttpRequest) -> str:
    # Already resolved from the trusted proxy hops (config.security.TrustedProxyMiddleware).
    return request.META.get("REMOTE_ADDR", "")


@dataclass(frozen=True)
class Quota:
    limit: int
    count: int  # attempts in this window, this one included
    reset: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)

    def headers(self) -> dict[str, str]:
        out = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }
        if self.exceeded:
            out["Retry-After"] = str(self.reset)
        return out

    def apply(self, response: HttpResponseBase) -> HttpResponseBase:
        for name, value in self.headers().items():
            response[name] = value
        return response


def count(key: str, limit: int, window: int) -> Quota:
    """Count one attempt under `key` in a fixed window of `window` seconds. The shared
    store (Redis, CACHE_URL) being down must not turn the public portal into a 500 and
    lose an application (issue 30): the attempt is then counted in this process instead,
    and the outage logged in one line."""
    now = time.time()
    try:
        return _count_shared(key, limit, window, now)
    except Exception as exc:  # whichever client error the cache backend raises
        log.warning(
            "rate-limit store unavailable (%s); counting in this process", type(exc).__name__
        )
        return _local.count(key, limit, window, now)


def _count_shared(key: str, limit: int, window: int, now: float) -> Quota:
    cache.add(key + ":start", now, timeout=window)
    cache.add(key, 0, timeout=window)
    try:
        n = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        cache.set(key + ":start", now, timeout=window)
        n = 1
    start = cache.get(key + ":start")
    started = start if isinstance(start, int | float) else now
    reset = max(1, int(started + window - now + 0.999))
    return Quota(limit=limit, count=n, reset=min(reset, window))


class _LocalWindows:
    """The fallback: fixed windows in this process's memory (bounded, oldest dropped)."""

    MAX_KEYS = 100_000

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.windows: dict[str, tuple[float, int]] = {}

    def count(self, key: str, limit: int, window: int, now: float) -> Quota:
        with self.lock:
            started, n = self.windows.get(key, (now, 0))
            if now >= started + window:
                started, n = now, 0
            self.windows.pop(key, None)
            self.windows[key] = (started, n + 1)
            while len(self.windows) > self.MAX_KEYS:
                self.windows.pop(next(iter(self.windows)))
        reset = max(1, int(started + window - now + 0.999))
        return Quota(limit=limit, count=n + 1, reset=min(reset, window))


_local = _LocalWindows()


def hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt under `key`; True when the limit for the window is exceeded."""
    return count(key, limit, window).exceeded

"""Counting attempts per client address or key (portal tracking, applications, complaints).

An API endpoint that counts attempts tells the client where it stands in the IETF draft's
headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Limit`, `RateLimit-Remaining`,
`RateLimit-Reset` (seconds until the window ends), on every answer; a refused attempt is a
429 with `Retry-After` (the same seconds)."""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest
from django.http.response import HttpResponseBase


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
    """Count one attempt under `key` in a fixed window of `window` seconds."""
    now = time.time()
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


def hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt under `key`; True when the limit for the window is exceeded."""
    return count(key, limit, window).exceeded

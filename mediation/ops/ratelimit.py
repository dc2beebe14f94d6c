"""Counting attempts per client address or key (portal tracking, applications, complaints)."""

from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    # Already resolved from the trusted proxy hops (config.security.TrustedProxyMiddleware).
    return request.META.get("REMOTE_ADDR", "")


def hit(key: str, limit: int, window: int) -> bool:
    """Count one attempt under `key`; True when the limit for the window is exceeded."""
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit

"""`/healthz` (liveness) and `/readyz` (readiness) of DESIGN.md §6.

Liveness says only that this process answers: no database, so a database outage does not
make a supervisor restart every daphne process at once. Readiness checks what a request
needs: the database (one `SELECT 1`) and the channel layer that carries wake-ups between
processes (a Redis PING; the embedded in-memory layer is always ready). Not ready is a 503
with the failing check named, in JSON, for nginx health checks and monitoring alike. A
configured statistics replica (config.replica) is reported with its lag and whether reads
fell back to the primary, but never makes the process unready.
"""

from __future__ import annotations

import time
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config import replica
from mediation.live import relay as live

REDIS_TIMEOUT = 2.0


def _check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:  # any failure is "not ready"; the class says which
        # The connection is broken: drop it so the next request opens a new one.
        connection.close_if_unusable_or_obsolete()
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _check_channel_layer() -> dict[str, Any]:
    layer = live.shared_layer()
    if layer is None:
        return {"ok": True, "backend": "memory"}
    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:
        return {"ok": False, "backend": "redis", "error": type(exc).__name__}
    return {"ok": True, "backend": "redis", "ms": round((time.perf_counter() - started) * 1000, 1)}


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "channel_layer": _check_channel_layer()}
    ready = all(c["ok"] for c in checks.values())
    if replica.configured():
        # Reported, never "unavailable": a replica behind or down sends reads to the primary.
        checks["replica"] = replica.status(fresh=True).as_json()
    return JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )

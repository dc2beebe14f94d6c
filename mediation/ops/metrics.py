"""Prometheus metrics (DESIGN.md §6 `/metrics`), through prometheus-client.

Several daphne processes: prometheus-client's multiprocess mode. When the environment sets
`PROMETHEUS_MULTIPROC_DIR` (the systemd units in deploy/ do: one directory shared by every
daphne process and the sweep timer), each process writes its samples to memory-mapped
files there and `/metrics`, answered by whichever process nginx picks, adds them all up.
Per-process endpoints were the alternative; they were not chosen because nginx balances
requests over the processes (one scrape through it would see one random process), and
Prometheus would need every daphne port as its own target and would lose the sweep's
samples, which are written by a short-lived process of the timer. Without the variable
(the embedded default: one process) the ordinary in-process registry is used.

What is measured:
- `dtj_http_requests_total{method,status}` and `dtj_http_request_duration_seconds`;
- `dtj_transitions_total{network,transition}`, counted after commit;
- `dtj_open_sockets`, the accepted websockets of live processes;
- `dtj_event_relay_lag_seconds`, from an event's time to its delivery by a relay (in a
  process with sockets: one without them delivers nothing, live.Hub._skip_unwatched);
- `dtj_overdue_cases`, read from the database at scrape time (one aggregate query);
- `dtj_sweep_runs_total`, `dtj_sweep_announcements_total{kind}` and the time of the last run.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import time
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from config.asgi_types import ASGIApp, Message, Receive, Scope, Send
from mediation.law.choices import OPEN_STATES

REQUESTS = Counter("dtj_http_requests", "HTTP requests answered", ["method", "status"])
REQUEST_SECONDS = Histogram(
    "dtj_http_request_duration_seconds",
    "Time to answer an HTTP request",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TRANSITIONS = Counter("dtj_transitions", "Committed case transitions", ["network", "transition"])
OPEN_SOCKETS = Gauge(
    "dtj_open_sockets", "Open websockets (live processes only)", multiprocess_mode="livesum"
)
RELAY_LAG = Histogram(
    "dtj_event_relay_lag_seconds",
    "From an event's time to its delivery to this process's sockets",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SWEEP_RUNS = Counter("dtj_sweep_runs", "Deadline sweep runs")
SWEEP_ANNOUNCED = Counter("dtj_sweep_announcements", "Deadlines announced by the sweep", ["kind"])
SWEEP_LAST = Gauge(
    "dtj_sweep_last_run_timestamp_seconds",
    "Unix time of the last deadline sweep",
    multiprocess_mode="max",
)

_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(method: str, status: int, seconds: float) -> None:
    # Unknown methods share one label so a scanner cannot grow the label set.
    REQUESTS.labels(method if method in _METHODS else "OTHER", str(status)).inc()
    REQUEST_SECONDS.observe(seconds)


def count_transition(network: str, name: str) -> None:
    TRANSITIONS.labels(network, name).inc()


def observe_relay(event_at_epoch: float) -> None:
    RELAY_LAG.observe(max(0.0, time.time() - event_at_epoch))


def sweep_ran(counts: dict) -> None:
    SWEEP_RUNS.inc()
    SWEEP_LAST.set(time.time())
    for kind in ("approaching", "overdue"):
        if counts.get(kind):
            SWEEP_ANNOUNCED.labels(kind).inc(counts[kind])


class OverdueCollector:
    """Cases in an open state past their due time, counted by the database at scrape time
    (one number for the deployment, not a per-process sample)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # lazy: this module is imported while logging is configured (settings.LOGGING ->
        # ops.logs -> ops.metrics), before the app registry can import a model.
        from mediation.models import Case

        family = GaugeMetricFamily(
            "dtj_overdue_cases", "Open cases past their due time", labels=["network"]
        )
        rows = (
            Case.objects.filter(state__in=OPEN_STATES, due_at__lt=timezone.now())
            .order_by()
            .values_list("network")
            .annotate(n=Count("id"))
        )
        for network, count in rows:
            family.add_metric([network], count)
        yield family


_OVERDUE = OverdueCollector()
_registered = False


def registry() -> CollectorRegistry:
    """What /metrics reports: every process's samples from the shared directory
    (multiprocess mode), or this process's own registry; plus the overdue count."""
    global _registered
    if settings.PROMETHEUS_MULTIPROC_DIR:
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
        reg.register(_OVERDUE)
        return reg
    if not _registered:
        REGISTRY.register(_OVERDUE)
        _registered = True
    return REGISTRY


def allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        if ip in ipaddress.ip_network(entry, strict=False):
            return True
    return False


def metrics_view(request: HttpRequest) -> HttpResponse | JsonResponse:
    """`GET /metrics`: only for the addresses in METRICS_ALLOWED_IPS (the address of the
    connection: behind nginx that is nginx, which restricts /metrics itself, see
    deploy/nginx/datiaojie.conf)."""
    if not allowed(request.META.get("REMOTE_ADDR", "")):
        return JsonResponse({"detail": _("无权访问监控指标")}, status=403)
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def clean_dead_processes() -> None:
    """Drop the live-gauge files of processes that are gone (a daphne that crashed), so
    `dtj_open_sockets` does not count their sockets. Counter files stay: counters must
    not go backwards."""
    path = settings.PROMETHEUS_MULTIPROC_DIR
    if not path or not os.path.isdir(path):
        return
    for name in os.listdir(path):
        if not name.startswith("gauge_live") or not name.endswith(".db"):
            continue
        try:
            pid = int(name.rsplit("_", 1)[1][:-3])
        except ValueError:
            continue
        if pid != os.getpid() and not _alive(pid):
            multiprocess.mark_process_dead(pid, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def instrument(app: ASGIApp) -> ASGIApp:
    """ASGI wrapper: counts HTTP requests (by method and status, with their duration) and
    open websockets (from the accept to the end of the connection) in every process."""

    async def instrumented(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            started, status = time.perf_counter(), [500]

            async def send_http(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status[0] = message["status"]
                await send(message)

            try:
                return await app(scope, receive, send_http)
            finally:
                observe_request(scope.get("method", ""), status[0], time.perf_counter() - started)
        if kind == "websocket":
            accepted = False

            async def send_ws(message: Message) -> None:
                nonlocal accepted
                if message["type"] == "websocket.accept" and not accepted:
                    accepted = True
                    OPEN_SOCKETS.inc()
                await send(message)

            # The live fan-out (mediation.live.fanout) writes events past this wrapper, which
            # only watches the accept.
            functools.update_wrapper(send_ws, send, assigned=(), updated=())
            try:
                return await app(scope, receive, send_ws)
            finally:
                if accepted:
                    OPEN_SOCKETS.dec()
        return await app(scope, receive, send)

    return instrumented

"""The deadline sweep inside the server (DESIGN.md §9: no cron on the embedded default).

A daemon thread per daphne process runs mediation.law.deadlines.sweep soon after start and
then every DEADLINE_SWEEP_SECONDS. The sweep claims each deadline with a unique row, so a
cron job or another process sweeping too never emits an event twice."""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

from mediation.law.deadlines import sweep

from . import sms

log = logging.getLogger(__name__)
FIRST_DELAY = 3.0

_started = threading.Event()
_stop = threading.Event()


def _loop(interval: float) -> None:
    wait = min(FIRST_DELAY, interval)
    while not _stop.wait(wait):
        wait = interval
        try:
            counts = sweep()
            if counts["approaching"] or counts["overdue"]:
                log.info("deadline sweep: %s", counts)
            # Text messages the gateway did not take are retried on the same beat.
            sms.retry_due()
        except Exception:  # a failed sweep is retried next round; the server keeps serving
            log.exception("deadline sweep failed")
        finally:
            close_old_connections()


def start() -> bool:
    """Start the sweeper once per process; False when switched off."""
    interval = float(getattr(settings, "DEADLINE_SWEEP_SECONDS", 0) or 0)
    if interval <= 0 or _started.is_set():
        return False
    _started.set()
    threading.Thread(target=_loop, args=(interval,), name="deadline-sweep", daemon=True).start()
    return True


def stop() -> None:
    _stop.set()

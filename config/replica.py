"""Statistics off the primary (issue 34): with `DATABASE_REPLICA_URL` set, the supervisor's
figures, exports and the Ministry report read from a PostgreSQL streaming replica.

Only code run under `statistics()` (the views marked `@reads_statistics`) may read from the
replica; every other read and every write uses the primary. Inside it a read stays on the
primary when it must see a write: inside a transaction on the primary, or of a model this
request has already written (the summary table after its refresh, say).

The replica is used only while it answers and is behind by at most `REPLICA_MAX_LAG`
seconds, measured at most every `REPLICA_CHECK_SECONDS` per process. Otherwise reads go to
the primary and `status()` says why ("lag" or "down"), for the dashboard and /readyz. A
replica that fails in the middle of a page marks itself down and the page is read again
from the primary: a statistics view reads before its one write (the export's audit), and
the summary's refresh is idempotent, so the second reading writes nothing twice.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.db.models import Model

REPLICA = "replica"  # the alias settings.STATISTICS_REPLICA names when one is configured

# Seconds the replica is behind: 0 when it has replayed all it received (an idle primary
# writes nothing to replay), else since the last transaction it replayed. Not in recovery
# (a test mirror of the primary itself): 0.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


@dataclass(frozen=True)
class Status:
    configured: bool
    usable: bool = False
    lag: float | None = None  # seconds, None when unknown (down, or not configured)
    reason: str = ""  # why reads go to the primary: "lag" or "down"; "" when usable
    checked: float = 0.0  # time.monotonic() of the measurement

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.usable or not self.configured}
        if not self.configured:
            out["configured"] = False
            return out
        out.update(
            configured=True,
            reads="replica" if self.usable else "primary",
            lag_seconds=None if self.lag is None else round(self.lag, 1),
            max_lag_seconds=settings.REPLICA_MAX_LAG,
        )
        if self.reason:
            out["fallback"] = self.reason
        return out


@dataclass
class _Scope:
    primary_only: bool = False
    written: set[str] = field(default_factory=set)
    used_replica: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("statistics_scope", default=None)
_lock = threading.Lock()
_last: Status | None = None


def configured() -> bool:
    return bool(settings.STATISTICS_REPLICA)


def measure() -> Status:
    """Ask the replica now how far behind it is (a connection that fails means down)."""
    if not configured():
        return Status(configured=False)
    now = time.monotonic()
    conn = connections[REPLICA]
    try:
        with conn.cursor() as cur:
            cur.execute(LAG_SQL)
            row = cur.fetchone()
        lag = float(row[0]) if row and row[0] is not None else 0.0
    except Exception:  # any failure to answer is "down"; the next check tries again
        conn.close()
        return Status(configured=True, reason="down", checked=now)
    if lag > settings.REPLICA_MAX_LAG:
        return Status(configured=True, lag=lag, reason="lag", checked=now)
    return Status(configured=True, usable=True, lag=lag, checked=now)


def status(*, fresh: bool = False) -> Status:
    """The replica's last measurement in this process, measured again when older than
    REPLICA_CHECK_SECONDS (or `fresh`)."""
    global _last
    if not configured():
        return Status(configured=False)
    with _lock:
        last = _last
        if (
            fresh
            or last is None
            or time.monotonic() - last.checked >= settings.REPLICA_CHECK_SECONDS
        ):
            last = _last = measure()
    return last


def mark_down() -> None:
    """A read failed on the replica: send reads to the primary until the next check."""
    global _last
    with _lock:
        _last = Status(configured=True, reason="down", checked=time.monotonic())


def forget() -> None:
    """Drop the cached measurement (tests; a changed setting)."""
    global _last
    with _lock:
        _last = None


@contextmanager
def statistics(*, primary_only: bool = False) -> Iterator[_Scope]:
    """Reads of statistics inside may go to the replica (never with `primary_only`)."""
    scope = _Scope(primary_only=primary_only)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def reads_statistics(view: Callable[P, R]) -> Callable[P, R]:
    """Run a statistics view's reads on the replica; read it again from the primary when
    the replica fails under it (never a failed page for a replica that went down)."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        with statistics() as scope:
            try:
                return view(*args, **kwargs)
            except (OperationalError, InterfaceError):
                if not scope.used_replica:
                    raise
                connections[REPLICA].close()
                mark_down()
        with statistics(primary_only=True):
            return view(*args, **kwargs)

    return wrapped


def reading_from() -> str:
    """Where this request's statistics are read: "replica" or "primary"."""
    scope = _scope.get()
    if scope is None or scope.primary_only or not configured():
        return "primary"
    return "replica" if status().usable else "primary"


class ReplicaRouter:
    """DATABASE_ROUTERS: statistics reads to the replica, everything else to the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        scope = _scope.get()
        if scope is None or scope.primary_only or not configured():
            return None
        if model._meta.label in scope.written or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # must see its own write, or reads inside a primary transaction
        if not status().usable:
            return None
        scope.used_replica = True
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        scope = _scope.get()
        if scope is not None:
            scope.written.add(model._meta.label)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db == DEFAULT_DB_ALIAS

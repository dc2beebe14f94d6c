"""The hand-written SQL of the transition path, in one place.

Why it exists: `services.perform` is the one door for every change to a case and the
hottest path of the product. Written through the ORM it rebuilt the same SELECT … FOR
UPDATE on every call (a fifth of the service's time), saved the case with a second
query, then took the event-order lock, read the case's organisations and inserted the
events with three more. Here the locking SELECT is compiled once per database; on
PostgreSQL the guarded UPDATE of the case row, the advisory lock (event ids follow commit
order, STYLE habit 3), the read of the organisations to tell and the event INSERTs are
one statement. What the benchmark showed (`make bench BENCH_ARGS=transitions`,
docs/deploy.md §benchmarks): the service within 1.93× of the same writes in raw SQL on
PostgreSQL (81 ms vs 42 ms on a 20,000-case trial database, target ≤ 3×).

The state guard: django-fsm's ConcurrentTransitionMixin adds `state = <read state>` to a
model save's UPDATE; `Case` keeps it for every ORM save (admin, commands). The service
never saves the case through the ORM, so the same guard is written here (`case_changes` /
`update_case` / `insert_events_pg`): a write that matches no row raises StaleCase, which
the service answers with 409, and `mark_written` tells the mixin the new state.

Every identifier comes from model metadata and every value is a bound parameter.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection
from django.db.models import Field, OuterRef, QuerySet

from mediation.models import Case, CaseAccess, CaseEvent, Membership

# Arbitrary constant naming the "event insert" advisory lock.
EVENT_LOCK_KEY = 72_720_001


def take_event_lock() -> None:
    """Take the event-order lock, held to commit, before inserting events outside the
    transition path (the importer). SQLite needs none: its write transactions are IMMEDIATE
    and so already serialised."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [EVENT_LOCK_KEY])


class StaleCase(Exception):
    """The guarded case UPDATE matched no row: the state changed since it was read."""


_per_database: dict[tuple, Any] = {}


def per_database(key: tuple, build: Callable[[], Any]) -> Any:
    """What `build()` returns, made once per database alias and key: SQL written from
    model metadata, whose quoting and converters are the database backend's. The one
    cache behind compiled_once, queue_sql's columns and config.tokens' token lookup."""
    full = (connection.alias, *key)
    known = _per_database.get(full)
    if known is None:
        known = _per_database[full] = build()
    return known


def compiled_once(key: tuple, build: Callable[[], QuerySet]) -> tuple[str, list]:
    """The SQL and parameters of the queryset `build()` makes, compiled once per database
    and key. For a query the hot paths repeat with only a value or two changing: those are
    built with sentinels (negative ids no row has) that `bind` swaps for the real values."""

    def compile_() -> tuple[str, list]:
        sql, params = build().query.get_compiler(connection.alias).as_sql()
        return sql, list(params)

    return per_database(("queryset", *key), compile_)


# The types a sentinel may have once compiled: an id, and an instant (a datetime, or on
# SQLite its text). Not bool: True == 1 would match a sentinel's key.
_SENTINEL_TYPES = frozenset({int, str, dt.datetime})


def bind(params: list, values: dict) -> list:
    """The compiled parameters with each sentinel swapped for its value."""
    return [values.get(p, p) if type(p) in _SENTINEL_TYPES else p for p in params]


_PK_SENTINEL = -72_720_001


def lock_case(pk: int, probes: dict) -> Case | None:
    """The case row, locked until commit (a row lock on PostgreSQL; on SQLite the IMMEDIATE
    transaction already serialises writers), with the hooks' probes annotated.

    Compiled once per database: only the id changes between transitions, and rebuilding
    the same SQL through the ORM was a fifth of the service's time on its hottest path."""

    def build() -> QuerySet:
        qs = Case.objects.select_for_update()
        if probes:
            qs = qs.annotate(**{key: probe(OuterRef("pk")) for key, probe in probes.items()})
        return qs.filter(pk=_PK_SENTINEL)

    # keyed by the probes' names: a hook registered later gets its probe compiled in
    sql, params = compiled_once(("lock_case", *probes), build)
    rows = list(Case.objects.raw(sql, bind(params, {_PK_SENTINEL: pk})))
    return rows[0] if rows else None


def _column(attname: str) -> "Field[Any, Any]":
    field = Case._meta.get_field(attname)
    assert isinstance(field, Field), attname  # a column of the case row, not a relation
    return field


def case_changes(case: Case, attnames: Iterable[str], source: str) -> tuple[str, list[Any], str]:
    """The SET clause for the changed columns and the state the write is guarded by (the
    guard django-fsm's ConcurrentTransitionMixin applies, without rebuilding the ORM
    query); mediation.events runs it with the action's events."""
    fields = [_column(a) for a in attnames]
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields]
    return sets, values, source


def case_where() -> tuple[str, str]:
    qn = connection.ops.quote_name
    return qn(Case._meta.db_table), f"{qn('id')} = %s AND {qn('state')} = %s"


def update_case(case: Case, set_sql: str, params: list[Any], expected_state: str) -> None:
    table, where = case_where()
    with connection.cursor() as cur:
        # Identifiers come from model metadata; every value is a bound parameter.
        sql = f"UPDATE {table} SET {set_sql} WHERE {where}"  # nosec B608
        cur.execute(sql, [*params, case.pk, expected_state])
        if cur.rowcount != 1:
            raise StaleCase(case.pk)


def lock_and_read_access(case: Case) -> list[int]:
    """Take the event-order lock and read the organisations that may see the case.

    On PostgreSQL both go in one round trip (the service's hottest path). The access rows
    of a case only change under that case's row lock, which the caller holds, so reading
    them in the same statement as the lock wait sees the same rows as reading after it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_advisory_xact_lock(%s), ARRAY(SELECT org_id FROM "  # nosec B608
                f"{CaseAccess._meta.db_table} WHERE case_id = %s)",
                [EVENT_LOCK_KEY, case.pk],
            )
            return list(cur.fetchone()[1])
    return list(case.access.values_list("org_id", flat=True))


def insert_events_pg(
    case: Case,
    items: list[tuple[str, Any]],
    actor: Any,
    at: dt.datetime,
    snapshot: dict[str, Any],
    who: dict[str, Any] | None,
    case_update: tuple[str, list[Any], str] | None = None,
) -> tuple[list[CaseEvent], list[int]]:
    """PostgreSQL, one round trip: (write the case row,) take the event-order lock, read
    the organisations to tell, insert the events. The lock sits in a one-row CTE that
    every inserted row joins, so it is held before any id is drawn from the sequence; with
    a case update that CTE reads from the UPDATE, so a stale write inserts nothing."""
    table, access = CaseEvent._meta.db_table, CaseAccess._meta.db_table
    rows, values = [], []
    for i, (type_, data) in enumerate(items):
        rows.append("(%s, %s, %s::jsonb)")
        values += [i, type_, json.dumps({"case": snapshot, "actor": who, "data": data or {}})]
    head, source = [], ""
    if case_update is not None:
        set_sql, set_params, expected_state = case_update
        case_table, where = case_where()
        head = [*set_params, case.pk, expected_state]
        source = f"upd AS (UPDATE {case_table} SET {set_sql} WHERE {where} RETURNING 1), "  # nosec B608
    sql = (
        f"WITH {source}ctx AS MATERIALIZED (SELECT pg_advisory_xact_lock(%s) AS locked, "  # nosec B608
        f"ARRAY(SELECT DISTINCT o FROM (SELECT org_id AS o FROM {access} WHERE case_id = %s "
        "UNION SELECT %s) u ORDER BY o) AS orgs"
        + (" FROM upd) " if source else ") ")
        + f"INSERT INTO {table} (case_id, type, at, actor_id, payload) "  # nosec B608
        "SELECT %s, v.type, %s, %s, v.payload || jsonb_build_object('orgs', to_jsonb(ctx.orgs)) "
        f"FROM (VALUES {', '.join(rows)}) AS v(pos, type, payload) CROSS JOIN ctx "
        "ORDER BY v.pos RETURNING id, payload"
    )
    # Positional parameters follow the SQL's order: the UPDATE, the CTE, the SELECT, VALUES.
    params = [*head, EVENT_LOCK_KEY, case.pk, case.org_id, case.pk, at]
    params += [actor.pk if actor else None, *values]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        returned = sorted(cur.fetchall())  # ids were drawn in VALUES order
    if case_update is not None and not returned:
        raise StaleCase(case.pk)
    events = []
    for (type_, _data), (pk, payload) in zip(items, returned, strict=True):
        if isinstance(payload, str):
            payload = json.loads(payload)
        event = CaseEvent(id=pk, case=case, type=type_, at=at, actor=actor, payload=payload)
        event._state.adding, event._state.db = False, connection.alias
        events.append(event)
    return events, events[0].payload["orgs"] if events else []


def insert_many_events_pg(
    items: list[tuple[Case, str, dict[str, Any]]],
    actor: Any,
    at: dt.datetime,
    who: dict[str, Any] | None,
) -> list[CaseEvent]:
    """PostgreSQL: one event for each of many cases (a calendar change moving a province's
    clocks) in one statement per thousand — the event-order lock taken once, each case's
    organisations read from its access rows, as insert_events_pg does for one case."""
    table, access = CaseEvent._meta.db_table, CaseAccess._meta.db_table
    events: list[CaseEvent] = []
    for start in range(0, len(items), 1000):
        part = items[start : start + 1000]
        rows: list[str] = []
        values: list[Any] = []
        for i, (case, type_, payload) in enumerate(part):
            rows.append("(%s, %s, %s, %s, %s::jsonb)")
            values += [i, case.pk, case.org_id, type_, json.dumps(payload)]
        sql = (
            "WITH ctx AS MATERIALIZED (SELECT pg_advisory_xact_lock(%s) AS locked), "
            f"v(pos, case_id, org, type, payload) AS (VALUES {', '.join(rows)}) "  # nosec B608
            f"INSERT INTO {table} (case_id, type, at, actor_id, payload) "  # nosec B608
            "SELECT v.case_id, v.type, %s, %s, v.payload || jsonb_build_object('orgs', "
            "to_jsonb(ARRAY(SELECT DISTINCT o FROM (SELECT a.org_id AS o FROM "
            f"{access} a WHERE a.case_id = v.case_id UNION SELECT v.org) u ORDER BY o))) "
            "FROM v CROSS JOIN ctx ORDER BY v.pos RETURNING id, case_id, payload"
        )
        params = [EVENT_LOCK_KEY, *values, at, actor.pk if actor else None]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            returned = sorted(cur.fetchall())
        by_case = {case.pk: (case, type_) for case, type_, _p in part}
        for pk, case_id, payload in returned:
            if isinstance(payload, str):
                payload = json.loads(payload)
            case, type_ = by_case[case_id]
            event = CaseEvent(id=pk, case=case, type=type_, at=at, actor=actor, payload=payload)
            event._state.adding, event._state.db = False, connection.alias
            events.append(event)
    return events


def mark_written(case: Case) -> None:
    """After the guarded write: later ORM saves of this instance compare with the new state
    (the mixin's own bookkeeping, which its save would have done)."""
    case._update_initial_state()


# The user id the compiled role query is built with, swapped for the real one when bound.
USER_SENTINEL = -72_720_003


def roles_of(user_id: int) -> dict[int, frozenset[str]]:
    """{org_id: {role, ...}} of one user. Every authenticated request asks this first
    (policies.roles_by_org), so its query is compiled once."""
    sql, params = compiled_once(
        ("roles_by_org",),
        lambda: Membership.objects.filter(user_id=USER_SENTINEL).values_list("org_id", "role"),
    )
    with connection.cursor() as cur:
        cur.execute(sql, bind(params, {USER_SENTINEL: user_id}))
        rows = cur.fetchall()
    acc: dict[int, set[str]] = {}
    for org_id, role in rows:
        acc.setdefault(org_id, set()).add(role)
    return {org: frozenset(roles) for org, roles in acc.items()}

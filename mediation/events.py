"""CaseEvent: the audit trail and the outbox (DESIGN.md §5).

`record_event` is called inside the action's transaction; the push to sockets is
scheduled with `transaction.on_commit`, so a rolled-back action is never announced.
Event ids are made to follow commit order: on PostgreSQL every event insert first takes
one transaction-level advisory lock (held to commit), on SQLite every write transaction
is IMMEDIATE and therefore already serialised.
"""

import json

from django.db import connection, transaction
from django.utils import timezone

from .identity import display_name, mask_in
from .models import Case, CaseAccess, CaseEvent

# Arbitrary constant naming the "event insert" advisory lock.
EVENT_LOCK_KEY = 72_720_001


def actor_snapshot(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": display_name(user)}


def case_snapshot(case) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "network": case.network,
        "state": case.state,
        "org": case.org_id,
    }


def _lock_and_read_access(case) -> list[int]:
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


def record_event(case, type_: str, actor=None, data: dict | None = None, at=None) -> CaseEvent:
    """Append one event for `case` and schedule its push after commit.

    Must run inside the caller's atomic block (the one transaction per action)."""
    return record_events(case, [(type_, data)], actor, at)[0]


class StaleCase(Exception):
    """The guarded case UPDATE matched no row: the state changed since it was read."""


def record_events(case, items, actor=None, at=None, *, case_update=None) -> list[CaseEvent]:
    """Append several events of one action, [(type, data), ...], in order: the lock and
    the organisations to tell are taken once for all of them.

    `case_update` = (set_sql, params, expected_state): the action's write of the case row,
    guarded by the state it read; on PostgreSQL it runs in the same statement as the
    inserts, and no event is written (StaleCase) when it matches no row."""
    assert connection.in_atomic_block, "record_event must run inside the action's transaction"
    at = at or timezone.now()
    # Events reach every organisation that follows the case and the whole district: ID and
    # phone numbers typed into notes and reasons are masked (DESIGN §9).
    items = [(type_, mask_in(data)) for type_, data in items]
    snapshot, who = case_snapshot(case), actor_snapshot(actor)
    if connection.vendor == "postgresql":
        events, orgs = _insert_locked_pg(case, items, actor, at, snapshot, who, case_update)
    else:
        if case_update is not None:
            _update_case(case, *case_update)
        # organisations whose desks are told (current and former handlers, partners)
        orgs = sorted(set(_lock_and_read_access(case)) | {case.org_id})
        events = [
            CaseEvent.objects.create(
                case=case,
                type=type_,
                at=at,
                actor=actor,
                payload={"case": snapshot, "actor": who, "data": data or {}, "orgs": orgs},
            )
            for type_, data in items
        ]
    for event in events:
        message = serialise(event)
        transaction.on_commit(lambda message=message: _push(message, orgs, case.pk))
    return events


def _case_where():
    qn = connection.ops.quote_name
    return qn(Case._meta.db_table), f"{qn('id')} = %s AND {qn('state')} = %s"


def _update_case(case, set_sql, params, expected_state) -> None:
    table, where = _case_where()
    with connection.cursor() as cur:
        # Identifiers come from model metadata; every value is a bound parameter.
        sql = f"UPDATE {table} SET {set_sql} WHERE {where}"  # nosec B608
        cur.execute(sql, [*params, case.pk, expected_state])
        if cur.rowcount != 1:
            raise StaleCase(case.pk)


def _insert_locked_pg(case, items, actor, at, snapshot, who, case_update=None):
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
        case_table, where = _case_where()
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


def serialise(event: CaseEvent) -> dict:
    """The one wire shape of an event (socket and REST)."""
    p = event.payload
    return {
        "id": event.pk,
        "type": event.type,
        "at": timezone.localtime(event.at).isoformat(),
        "case": p.get("case"),
        "actor": p.get("actor"),
        "data": p.get("data", {}),
    }


def _push(message: dict, orgs: list[int], case_id: int) -> None:
    from . import live, logs

    logs.event_committed(message)
    live.publish(message, orgs=orgs, case_id=case_id)

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

from .models import CaseAccess, CaseEvent

# Arbitrary constant naming the "event insert" advisory lock.
EVENT_LOCK_KEY = 72_720_001


def actor_snapshot(user) -> dict | None:
    if user is None:
        return None
    name = f"{user.last_name}{user.first_name}".strip() or user.get_username()
    return {"id": user.pk, "name": name}


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
                "SELECT pg_advisory_xact_lock(%s), ARRAY(SELECT org_id FROM "
                f"{CaseAccess._meta.db_table} WHERE case_id = %s)",
                [EVENT_LOCK_KEY, case.pk],
            )
            return list(cur.fetchone()[1])
    return list(case.access.values_list("org_id", flat=True))


def record_event(case, type_: str, actor=None, data: dict | None = None, at=None) -> CaseEvent:
    """Append one event for `case` and schedule its push after commit.

    Must run inside the caller's atomic block (the one transaction per action)."""
    return record_events(case, [(type_, data)], actor, at)[0]


def record_events(case, items, actor=None, at=None) -> list[CaseEvent]:
    """Append several events of one action, [(type, data), ...], in order: the lock and
    the organisations to tell are taken once for all of them."""
    assert connection.in_atomic_block, "record_event must run inside the action's transaction"
    at = at or timezone.now()
    snapshot, who = case_snapshot(case), actor_snapshot(actor)
    if connection.vendor == "postgresql":
        events, orgs = _insert_locked_pg(case, items, actor, at, snapshot, who)
    else:
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


def _insert_locked_pg(case, items, actor, at, snapshot, who):
    """PostgreSQL, one round trip: take the event-order lock, read the organisations to
    tell, insert the events. The lock sits in a one-row CTE that every inserted row joins,
    so it is held before any id is drawn from the sequence."""
    table, access = CaseEvent._meta.db_table, CaseAccess._meta.db_table
    rows, params = [], [EVENT_LOCK_KEY, case.pk, case.org_id]
    for i, (type_, data) in enumerate(items):
        rows.append("(%s, %s, %s::jsonb)")
        params += [i, type_, json.dumps({"case": snapshot, "actor": who, "data": data or {}})]
    sql = (
        "WITH ctx AS MATERIALIZED (SELECT pg_advisory_xact_lock(%s) AS locked, "
        f"ARRAY(SELECT DISTINCT o FROM (SELECT org_id AS o FROM {access} WHERE case_id = %s "
        "UNION SELECT %s) u ORDER BY o) AS orgs) "
        f"INSERT INTO {table} (case_id, type, at, actor_id, payload) "
        "SELECT %s, v.type, %s, %s, v.payload || jsonb_build_object('orgs', to_jsonb(ctx.orgs)) "
        f"FROM (VALUES {', '.join(rows)}) AS v(pos, type, payload) CROSS JOIN ctx "
        "ORDER BY v.pos RETURNING id, payload"
    )
    # Positional parameters follow the SQL's order: the CTE, then the SELECT, then VALUES.
    head, values = params[:3], params[3:]
    with connection.cursor() as cur:
        cur.execute(sql, [*head, case.pk, at, actor.pk if actor else None, *values])
        returned = sorted(cur.fetchall())  # ids were drawn in VALUES order
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
    from . import live

    live.publish(message, orgs=orgs, case_id=case_id)

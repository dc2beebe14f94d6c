"""CaseEvent: the audit trail and the outbox (DESIGN.md §5).

`record_event` is called inside the action's transaction; the push to sockets is
scheduled with `transaction.on_commit`, so a rolled-back action is never announced.
Event ids are made to follow commit order: on PostgreSQL every event insert first takes
one transaction-level advisory lock (held to commit), on SQLite every write transaction
is IMMEDIATE and therefore already serialised.
"""

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
    # organisations whose desks are told (current and former handlers, partners)
    orgs = sorted(set(_lock_and_read_access(case)) | {case.org_id})
    snapshot, who = case_snapshot(case), actor_snapshot(actor)
    events = []
    for type_, data in items:
        event = CaseEvent.objects.create(
            case=case,
            type=type_,
            at=at,
            actor=actor,
            payload={"case": snapshot, "actor": who, "data": data or {}, "orgs": orgs},
        )
        message = serialise(event)
        transaction.on_commit(lambda message=message: _push(message, orgs, case.pk))
        events.append(event)
    return events


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

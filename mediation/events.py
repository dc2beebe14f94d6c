"""CaseEvent: the audit trail and the outbox (DESIGN.md §5).

`record_event` is called inside the action's transaction; the push to sockets is
scheduled with `transaction.on_commit`, so a rolled-back action is never announced.
Event ids are made to follow commit order: on PostgreSQL every event insert first takes
one transaction-level advisory lock (held to commit), on SQLite every write transaction
is IMMEDIATE and therefore already serialised.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

from django.db import connection, transaction
from django.utils import timezone

from mediation.law.identity import display_name, mask_in
from mediation.live import relay as live
from mediation.live.wire import serialise
from mediation.models import case_sql
from mediation.ops import logs

from .models import CaseEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .models import Case

__all__ = [
    "CaseUpdate",
    "EventItem",
    "actor_snapshot",
    "case_snapshot",
    "record_event",
    "record_events",
    "record_events_for_cases",
    "serialise",  # the wire shape (mediation.live.wire), for the API's callers
]

# One event of an action: its type and its data (a JSON object, or None for none).
EventItem: TypeAlias = tuple[str, "dict[str, Any] | None"]

# The action's guarded write of the case row: (SET clause, its parameters, expected state).
CaseUpdate: TypeAlias = tuple[str, list[Any], str]


def actor_snapshot(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": display_name(user)}


def case_snapshot(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "network": case.network,
        "state": case.state,
        "org": case.org_id,
    }


def record_event(
    case: Case,
    type_: str,
    actor: User | None = None,
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> CaseEvent:
    """Append one event for `case` and schedule its push after commit.

    Must run inside the caller's atomic block (the one transaction per action)."""
    return record_events(case, [(type_, data)], actor, at)[0]


def record_events(
    case: Case,
    items: Iterable[EventItem],
    actor: User | None = None,
    at: dt.datetime | None = None,
    *,
    case_update: CaseUpdate | None = None,
) -> list[CaseEvent]:
    """Append several events of one action, [(type, data), ...], in order: the lock and
    the organisations to tell are taken once for all of them.

    `case_update` = (set_sql, params, expected_state): the action's write of the case row,
    guarded by the state it read; on PostgreSQL it runs in the same statement as the
    inserts, and no event is written (StaleCase) when it matches no row."""
    assert connection.in_atomic_block, "record_event must run inside the action's transaction"
    at = at or timezone.now()
    # Events reach every organisation that follows the case and the whole district: ID and
    # phone numbers typed into notes and reasons are masked (DESIGN §9).
    masked: list[EventItem] = [(type_, mask_in(data)) for type_, data in items]
    snapshot, who = case_snapshot(case), actor_snapshot(actor)
    if connection.vendor == "postgresql":
        events, orgs = case_sql.insert_events_pg(
            case, masked, actor, at, snapshot, who, case_update
        )
    else:
        if case_update is not None:
            case_sql.update_case(case, *case_update)
        # organisations whose desks are told (current and former handlers, partners)
        orgs = sorted(set(case_sql.lock_and_read_access(case)) | {case.org_id})
        events = [
            CaseEvent.objects.create(
                case=case,
                type=type_,
                at=at,
                actor=actor,
                payload={"case": snapshot, "actor": who, "data": data or {}, "orgs": orgs},
            )
            for type_, data in masked
        ]
    for event in events:
        transaction.on_commit(functools.partial(_push, serialise(event)))
    return events


def record_events_for_cases(
    items: Iterable[tuple[Case, str, dict[str, Any] | None]],
    actor: User | None = None,
    at: dt.datetime | None = None,
) -> list[CaseEvent]:
    """One event for each of many cases in the caller's transaction (a calendar change),
    written together on PostgreSQL; each pushed after commit like any other."""
    assert connection.in_atomic_block, "record_event must run inside the action's transaction"
    at = at or timezone.now()
    who = actor_snapshot(actor)
    rows = [
        (case, type_, {"case": case_snapshot(case), "actor": who, "data": mask_in(data) or {}})
        for case, type_, data in items
    ]
    if connection.vendor != "postgresql":
        return [
            record_event(case, type_, actor, payload["data"], at) for case, type_, payload in rows
        ]
    events = case_sql.insert_many_events_pg(rows, actor, at, who)
    for event in events:
        transaction.on_commit(functools.partial(_push, serialise(event)))
    return events


def _push(message: dict[str, Any]) -> None:
    # The relays read the event (with its organisations) from the table: only its id travels.
    logs.event_committed(message)
    live.publish(message)

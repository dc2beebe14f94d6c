"""The flows' task due dates, swept by mediation.law.deadlines with the domain's own."""

import datetime as dt
from collections.abc import Callable, Iterator

from mediation.actions import clock_changes, services
from mediation.law import clocks, deadlines

from .models import CaseTask


@deadlines.deadline_source
def task_items() -> Iterator[deadlines.Item]:
    """Open flow tasks with a due date (court registration 3 days, judicial decision
    15 (+10) days, arbitration acceptance 5 days, petition feedback)."""
    rows = (
        CaseTask.objects.filter(status__in=["NEW", "ASSIGNED", "STARTED"], due_at__isnull=False)
        .exclude(kind="")
        .values_list(
            "pk",
            "case_id",
            "kind",
            "org_id",
            "created",
            "due_at",
            "process__caseprocess__handoff__kind",
            "process__caseprocess__handoff__due_at",
            "data",
        )
    )
    for pk, case_id, kind, org_id, created, due, handoff_kind, handoff_due, data in rows:
        if handoff_kind in deadlines.SWEPT_HANDOFFS and handoff_due == due:
            continue  # the same date as its handoff (petition feedback): announced once, there
        clock = (data or {}).get("clock") or {}
        start = dt.datetime.fromisoformat(clock["start"]) if clock.get("start") else created
        yield deadlines.Item(
            f"task:{pk}:{deadlines.stamp(due)}",
            case_id,
            min(start, due),
            due,
            {"subject": "task", "task": pk, "task_type": kind, "org": org_id},
            clock.get("unit", ""),
        )


@clock_changes.clock_holder
def task_clocks(
    recount: Callable[[clocks.Clock], clocks.Clock],
) -> Iterator[tuple[int, clock_changes.Change]]:
    """Open flow tasks counted again after a calendar or time-limit change; a handoff whose
    due date mirrored the task's (the court's review, the petition's feedback) follows."""
    tasks = (
        CaseTask.objects.filter(status__in=["NEW", "ASSIGNED", "STARTED"], due_at__isnull=False)
        .exclude(kind="")
        .select_related("process__caseprocess__handoff")
        .order_by("pk")
    )
    for task in tasks.iterator(chunk_size=500):
        old = clocks.clock_from_json((task.data or {}).get("clock") or {})
        if old is None or old.due != task.due_at:
            continue  # a date somebody set, or one the flow moved since
        new = recount(old)
        if new.due == old.due:
            continue
        task.due_at = new.due
        task.data = {**task.data, "clock": {**task.data["clock"], **new.as_json()}}
        task.save(update_fields=["due_at", "data"])
        handoff = getattr(task.process.caseprocess, "handoff", None)
        if handoff is not None and handoff.due_at == old.due:
            services.update_handoff(handoff, due_at=new.due)
        yield task.case_id, clock_changes.Change("task", task.pk, old.due, new.due, task.kind)

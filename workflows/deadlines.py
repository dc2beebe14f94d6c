"""The flows' task due dates, swept by mediation.law.deadlines with the domain's own."""

import datetime as dt

from mediation.law import deadlines

from .models import CaseTask


@deadlines.deadline_source
def task_items():
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

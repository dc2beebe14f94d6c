"""Pieces shared by the four flows: the lock, the handoff row, decision forms."""

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.lock import SelectForUpdateLock

from mediation import services
from mediation.choices import EventType
from mediation.events import record_event
from mediation.jsonform import JsonForm
from mediation.models import Handoff

from .models import CaseProcess, CaseTask

# PostgreSQL: a blocking row lock on the process (no nowait: a second completer waits,
# then sees the task done and gets 409). SQLite ignores FOR UPDATE; there the IMMEDIATE
# transaction the caller opens first already serialises writers.
FLOW_LOCK = SelectForUpdateLock(nowait=False, attempts=1)


class FlowBase:
    """Mixed into every flow: our process/task models and the lock."""

    process_class = CaseProcess
    task_class = CaseTask
    lock_impl = FLOW_LOCK


def iso(value) -> str | None:
    return value.isoformat() if value else None


def parse_iso(value):
    return parse_datetime(value) if value else None


def open_handoff(case, kind, org, actor, now, *, external_number="", due_at=None, data=None):
    """The domain row of a handoff, the partner's access and the `handoff.opened` event."""
    handoff = Handoff.objects.create(
        case=case,
        kind=kind,
        org=org,
        external_number=external_number or "",
        due_at=due_at,
        status="open",
        opened_at=now,
        data=data or {},
    )
    services.grant_access(case, org, "handoff", now)
    record_event(
        case,
        EventType.HANDOFF_OPENED,
        actor,
        {
            "handoff": handoff.pk,
            "kind": kind,
            "org": org.pk if hasattr(org, "pk") else org,
            "external_number": handoff.external_number,
            "due_at": iso(due_at),
        },
        at=now,
    )
    return handoff


def close_handoff(handoff, result: str, now, status="closed") -> None:
    if handoff is None or handoff.status != "open":
        return
    handoff.status = status
    handoff.result = result
    handoff.closed_at = now
    handoff.save(update_fields=["status", "result", "closed_at"])


def set_handoff_due(handoff, due_at) -> None:
    if handoff is not None:
        handoff.due_at = due_at
        handoff.save(update_fields=["due_at"])


class DecisionForm(JsonForm):
    """The fields of one decision; bound to the task and the acting user."""

    def __init__(self, data, *, task=None, user=None):
        super().__init__(data)
        self.task, self.user = task, user


class NoteForm(DecisionForm):
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)


class RequiredNoteForm(DecisionForm):
    note = forms.CharField(label=_("说明"), max_length=2000)


def today(now):
    return timezone.localdate(now)

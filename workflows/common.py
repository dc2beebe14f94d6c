"""Pieces shared by the four flows: the lock and the decision forms. The handoff rows and
their events are written by mediation.actions.services (open_handoff, close_handoff, …)."""

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeAlias

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.lock import SelectForUpdateLock

from mediation.law.days import local_iso
from mediation.law.jsonform import JsonForm

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


def iso(value: dt.date | dt.datetime | None) -> str | None:
    """A moment in a flow's or handoff's record: +08:00, like the rest of the API."""
    return local_iso(value)


def parse_iso(value: str | None) -> dt.datetime | None:
    return parse_datetime(value) if value else None


class DecisionForm(JsonForm):
    """The fields of one decision; bound to the task and the acting user."""

    def __init__(self, data: Mapping[str, Any], *, task: CaseTask, user: User) -> None:
        super().__init__(data)
        self.task, self.user = task, user


# A decision's cleaned fields, and what its handler adds to the `task.completed` event.
Data: TypeAlias = dict[str, Any]

# The decisions a task offers: {value: the form of its fields}.
Decisions: TypeAlias = dict[str, type[DecisionForm]]


class NoteForm(DecisionForm):
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)


class RequiredNoteForm(DecisionForm):
    note = forms.CharField(label=_("说明"), max_length=2000)


def today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)

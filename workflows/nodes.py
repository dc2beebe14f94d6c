"""The one human-task node of our flows, and the context the engine runs in.

A `CaseTaskNode` is a viewflow `View` task whose inbox is an organisation, not a user:
it records the case, the receiving organisation, the due date and the task type of
DESIGN.md §6 on the `CaseTask` row when it opens. Completion goes through
`workflows.services.complete_task` (policy, decision form, flow lock), never through
viewflow's own pages, which we do not mount.
"""

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any, TypeAlias

from django.contrib.auth.models import User
from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.nodes import ViewActivation

from mediation.law.clocks import Clock, clock_json

from .common import DecisionForm, Decisions
from .models import CaseProcess, CaseTask

# Tasks being completed right now (their own transitions must not cancel them) and the
# single `now` of the operation that is driving the engine.
_driving: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "driving", default=frozenset()
)
_now: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar("flow_now", default=None)
_quiet: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "quiet", default=frozenset()
)

Due: TypeAlias = Clock | dt.datetime | None


def current_now() -> dt.datetime:
    return _now.get() or timezone.now()


@contextlib.contextmanager
def driving(
    task_ids: Iterable[int] = (), now: dt.datetime | None = None, quiet: Iterable[str] = ()
) -> Iterator[None]:
    """Run engine code on behalf of an operation: its `now`, the tasks it is completing
    and the flow starts it suppresses (e.g. the court files a case itself: no referral
    flow back to the same court)."""
    driving_token = _driving.set(_driving.get() | frozenset(task_ids))
    quiet_token = _quiet.set(_quiet.get() | frozenset(quiet))
    now_token = _now.set(now) if now is not None else None
    try:
        yield
    finally:
        if now_token is not None:
            _now.reset(now_token)
        _quiet.reset(quiet_token)
        _driving.reset(driving_token)


def is_driving(task_id: int) -> bool:
    return task_id in _driving.get()


def is_quiet(what: str) -> bool:
    return what in _quiet.get()


class CaseTaskActivation(ViewActivation):
    @classmethod
    def create(
        cls,
        flow_task: "CaseTaskNode",
        prev_activation: Activation,
        token: Any,
        data: dict[str, Any] | None = None,
        seed: Any = None,
    ) -> "CaseTaskActivation":
        task = flow_task.flow_class.task_class(
            process=prev_activation.process, flow_task=flow_task, token=token
        )
        task.data = data if data is not None else {}
        task.seed = seed
        now = current_now()
        process = prev_activation.process
        task.created = now
        task.kind = flow_task.kind
        task.case_id = process.case_id
        task.org_id = flow_task.org_for(process)
        due = flow_task.due_for(process, prev_activation, now)
        if isinstance(due, Clock):
            # A legal clock: the sweep counts its 80% in the clock's unit, pages show why.
            task.data = {**task.data, "clock": clock_json(due)}
            due = due.due
        task.due_at = due
        task.save()
        task.previous.add(prev_activation.task)
        return cls(task)


class CaseTaskNode(flow.View):
    """A task for an organisation's inbox.

    kind: the task type (`confirmation.register`, …); org(process) -> org id;
    due(process, prev_activation, now) -> Clock | datetime | None; forms: every decision the
    task may ever offer with each form it may ask for, as (value, form class) pairs (the
    API schema is written from them, workflows.api); decisions(task) -> {value: form
    class}, those offered now, always among `forms` (none given: all of them, always);
    handler(activation, user, decision,
    cleaned_data, now) applies the decision (case transitions through mediation.actions.services)
    before the engine moves on;
    expects: the case states in which the task still makes sense (otherwise the task is
    cancelled when the case moves on by another door)."""

    activation_class = CaseTaskActivation

    def __init__(
        self,
        kind: str,
        *,
        org: Any,
        forms: Iterable[tuple[str, type[DecisionForm]]],
        handler: Any,
        decisions: Any = None,
        due: Any = None,
        expects: Iterable[str] = (),
    ) -> None:
        super().__init__(view=None)
        self.kind = kind
        self.forms = tuple(forms)
        if decisions is None and len(dict(self.forms)) != len(self.forms):
            raise ValueError(f"{kind}: a decision with two forms needs decisions(task)")
        self._org = org
        self._due = due
        self._decisions = decisions
        self._handler = handler
        self.expects = frozenset(expects)

    def _resolve(self, instance: Any) -> None:
        super()._resolve(instance)
        self._org = this.resolve(instance, self._org)
        self._due = this.resolve(instance, self._due)
        if self._decisions is not None:
            self._decisions = this.resolve(instance, self._decisions)
        self._handler = this.resolve(instance, self._handler)

    def org_for(self, process: CaseProcess) -> int | None:
        org: int | None = self._org(process)
        return org

    def due_for(self, process: CaseProcess, prev_activation: Activation, now: dt.datetime) -> Due:
        due: Due = self._due(process, prev_activation, now) if self._due else None
        return due

    def decisions_for(self, task: CaseTask) -> Decisions:
        if self._decisions is None:
            return dict(self.forms)
        offered: Decisions = self._decisions(task)
        undeclared = set(offered.items()) - set(self.forms)
        if undeclared:  # the schema would not describe it: a flow's mistake, not the user's
            raise RuntimeError(f"{self.kind} offers undeclared decisions {undeclared}")
        return offered

    def handle(
        self,
        activation: Activation,
        user: User,
        decision: str,
        data: dict[str, Any],
        now: dt.datetime,
    ) -> dict[str, Any] | None:
        out: dict[str, Any] | None = self._handler(activation, user, decision, data, now)
        return out

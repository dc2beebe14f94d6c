"""The one human-task node of our flows, and the context the engine runs in.

A `CaseTaskNode` is a viewflow `View` task whose inbox is an organisation, not a user:
it records the case, the receiving organisation, the due date and the task type of
DESIGN.md §6 on the `CaseTask` row when it opens. Completion goes through
`workflows.services.complete_task` (policy, decision form, flow lock), never through
viewflow's own pages, which we do not mount.
"""

import contextlib
import contextvars

from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.nodes import ViewActivation

from mediation.law.clocks import Clock, clock_json

# Tasks being completed right now (their own transitions must not cancel them) and the
# single `now` of the operation that is driving the engine.
_driving: contextvars.ContextVar[frozenset] = contextvars.ContextVar("driving", default=frozenset())
_now: contextvars.ContextVar = contextvars.ContextVar("flow_now", default=None)
_quiet: contextvars.ContextVar[frozenset] = contextvars.ContextVar("quiet", default=frozenset())


def current_now():
    return _now.get() or timezone.now()


@contextlib.contextmanager
def driving(task_ids=(), now=None, quiet=()):
    """Run engine code on behalf of an operation: its `now`, the tasks it is completing
    and the flow starts it suppresses (e.g. the court files a case itself: no referral
    flow back to the same court)."""
    tokens = [
        _driving.set(_driving.get() | frozenset(task_ids)),
        _quiet.set(_quiet.get() | frozenset(quiet)),
    ]
    now_token = _now.set(now) if now is not None else None
    try:
        yield
    finally:
        if now_token is not None:
            _now.reset(now_token)
        _quiet.reset(tokens[1])
        _driving.reset(tokens[0])


def is_driving(task_id) -> bool:
    return task_id in _driving.get()


def is_quiet(what: str) -> bool:
    return what in _quiet.get()


class CaseTaskActivation(ViewActivation):
    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
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
    handler(task, user, decision,
    cleaned_data, now) applies the decision (case transitions through mediation.actions.services)
    before the engine moves on;
    expects: the case states in which the task still makes sense (otherwise the task is
    cancelled when the case moves on by another door)."""

    activation_class = CaseTaskActivation

    def __init__(self, kind, *, org, forms, handler, decisions=None, due=None, expects=()):
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

    def _resolve(self, instance):
        super()._resolve(instance)
        self._org = this.resolve(instance, self._org)
        self._due = this.resolve(instance, self._due)
        if self._decisions is not None:
            self._decisions = this.resolve(instance, self._decisions)
        self._handler = this.resolve(instance, self._handler)

    def org_for(self, process):
        return self._org(process)

    def due_for(self, process, prev_activation, now):
        return self._due(process, prev_activation, now) if self._due else None

    def decisions_for(self, task) -> dict:
        if self._decisions is None:
            return dict(self.forms)
        offered = self._decisions(task)
        undeclared = set(offered.items()) - set(self.forms)
        if undeclared:  # the schema would not describe it: a flow's mistake, not the user's
            raise RuntimeError(f"{self.kind} offers undeclared decisions {undeclared}")
        return offered

    def handle(self, task, user, decision, data, now):
        return self._handler(task, user, decision, data, now)

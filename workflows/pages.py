"""The task inbox page: the receiving organisations complete the handoff tasks (the court
clerk registers, the judge decides, …) through workflows.services, like the API."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediation.errors import DomainError, InvalidFields, NotVisible
from mediation.law import clocks
from mediation.web import forms as page_forms
from mediation.web import task_cards

from . import services

FieldErrors = dict[str, list[str]]


def _user(request: HttpRequest) -> User:
    """The caller: every page here is behind login_required."""
    user = request.user
    assert isinstance(user, User)
    return user


def _task_rows(
    request: HttpRequest,
    open_task: int | None = None,
    open_decision: str | None = None,
    errors: FieldErrors | None = None,
) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for task in services.open_tasks(_user(request)):
        is_open = task.pk == open_task
        rows.append(
            {
                "task": task,
                "title": str(task.flow_task.task_title) if task.flow_task else task.kind,
                "overdue": bool(task.due_at and task.due_at < now),
                "due_left": clocks.days_left_label(
                    task.due_at, ((task.data or {}).get("clock") or {}).get("unit", ""), now
                ),
                "card": task_cards.card_for(task),
                "forms": page_forms.task_forms(
                    task,
                    services.describe_decisions(task),
                    services.decisions_of(task),
                    data=request.POST if is_open else None,
                    open_decision=open_decision if is_open else None,
                    errors=errors if is_open else None,
                ),
            }
        )
    return rows


@login_required
def task_list(
    request: HttpRequest,
    *,
    status: int = 200,
    open_task: int | None = None,
    open_decision: str | None = None,
    errors: FieldErrors | None = None,
) -> HttpResponse:
    rows = _task_rows(request, open_task, open_decision, errors)
    return render(request, "tasks/list.html", {"rows": rows, "nav": "tasks"}, status=status)


@login_required
@require_POST
def task_complete(request: HttpRequest, pk: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    try:
        task = services.get_task(pk, _user(request))
    except NotVisible:
        raise Http404 from None
    described = (
        {d["decision"]: d["fields"] for d in services.describe_decisions(task)}
        if (services.task_is_open(task))
        else {}
    )
    body: dict[str, Any] = {"decision": decision}
    if decision in described:
        body.update(
            page_forms.described_payload(
                f"t{task.pk}-{decision}", described[decision], request.POST
            )
        )
    try:
        services.complete_task(task.pk, _user(request), body)
    except NotVisible:
        raise Http404 from None
    except DomainError as exc:  # the status is the error's own (mediation.errors)
        messages.error(request, exc.detail)
        kept: dict[str, Any] = {}
        if isinstance(exc, InvalidFields):  # reopen the form with what was typed
            kept = {"open_task": task.pk, "open_decision": decision, "errors": exc.errors}
        return task_list(request, status=exc.status, **kept)
    case = task.case
    assert case is not None  # a human task always has its case
    messages.success(request, _("任务已办理：%(case)s") % {"case": case.number})
    return redirect("task_list")

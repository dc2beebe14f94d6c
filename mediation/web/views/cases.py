"""The case desk: the queue, the case page, its transitions and its records.

Views are thin: visibility and rights come from mediation.policies, every change goes
through mediation.actions.services, and domain errors become the page's 400/403/404/409
(`domain_error_page`). What the case page shows is built in `case_page`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediation import policies
from mediation.actions import services
from mediation.errors import DomainError, InvalidFields, StateConflict
from mediation.law import clocks
from mediation.law.choices import OPEN_STATES, PartyRole, State
from mediation.law.identity import display_name, mask_name
from mediation.law.transitions import FORMS, describe_fields
from mediation.models import CaseParty
from mediation.models.crypto import party_search_q

from .. import forms as page_forms
from .case_page import (
    detail_context,
    due_left,
    is_overdue,
    last_event_id,
    state_label,
    visible_case_or_404,
)
from .errors import domain_error_page, render_detail_error

if TYPE_CHECKING:
    from django.forms import Form

    from .. import AuthedRequest

PAGE_SIZE = 25


# -- queue -------------------------------------------------------------------------------


@login_required
def case_list(request: AuthedRequest) -> HttpResponse:
    form = page_forms.CaseFilterForm(request.GET or None)
    qs = policies.visible_cases(request.user).select_related("org", "mediator")
    now = timezone.now()
    if form.is_bound and form.is_valid():
        f = form.cleaned_data
        if f["state"]:
            qs = qs.filter(state=f["state"])
        if f["network"]:
            qs = qs.filter(network=f["network"])
        if f["category"]:
            qs = qs.filter(category=f["category"])
        if f["overdue"]:
            qs = qs.filter(due_at__lt=now, state__in=OPEN_STATES)
        if f["q"]:
            q = f["q"].strip()
            qs = qs.filter(
                Q(number__icontains=q)
                | Q(summary__icontains=q)
                | Q(pk__in=CaseParty.objects.filter(party_search_q(q)).values("case_id"))
            )
    qs = qs.order_by("-priority", "-created_at", "-id").prefetch_related(
        Prefetch("case_parties", queryset=CaseParty.objects.select_related("party"))
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for case in page.object_list:
        full = policies.handles(request.user, case, via="page")
        names: dict[str, list[str]] = {PartyRole.APPLICANT: [], PartyRole.RESPONDENT: []}
        for link in case.case_parties.all():
            if link.role in names:
                name = link.party.name
                names[link.role].append(name if full else mask_name(name))
        rows.append(
            {
                "case": case,
                "applicants": "、".join(names[PartyRole.APPLICANT]),
                "respondents": "、".join(names[PartyRole.RESPONDENT]),
                "overdue": is_overdue(case, now),
                "due_left": due_left(case, now),
                "mediator": display_name(case.mediator),
            }
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": params.urlencode(),
            "may_register": bool(page_forms.registrable_orgs(request.user)),
            # the supervisor answers for the district's clocks: a year on weekends only
            "calendar_warnings": clocks.calendar_warnings(now)
            if policies.is_supervisor(request.user)
            else [],
            "last_event_id": last_event_id(request.user),
            "state_labels": dict(State.choices),
            "nav": "cases",
        },
    )


# -- detail ------------------------------------------------------------------------------


@login_required
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    return render(request, "cases/detail.html", detail_context(request, case))


@login_required
def case_fragment(request: AuthedRequest, pk: int) -> HttpResponse:
    """The live parts of the detail page, fetched by live.js after an event."""
    case = visible_case_or_404(request.user, pk)
    return render(request, "cases/_live.html", detail_context(request, case))


@login_required
@require_POST
def case_transition(request: AuthedRequest, pk: int, name: str) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    spec = next(
        (s for s in services.available_transitions(case, request.user) if s["name"] == name),
        None,
    )
    if spec is None:
        # Run it anyway: the service answers with the precise 403/409 for this user and state.
        if name not in FORMS:
            raise Http404
        spec = {
            "name": name,
            "label": str(FORMS[name].label),
            "fields": describe_fields(name, case),
        }
    body = page_forms.transition_payload(spec, request.POST)
    try:
        case = services.perform(case.pk, name, request.user, body)
    except InvalidFields as exc:
        return domain_error_page(request, pk, exc, open_form=name, form_errors=exc.errors)
    except StateConflict as exc:
        # Someone else moved the case: say to what, offer what applies now, and keep
        # everything this user typed (an agreement may be pages long).
        current = state_label(exc.current_state)
        return render_detail_error(
            request,
            pk,
            409,
            _("案件已被他人变更为：%(state)s") % {"state": current},
            kept_form=page_forms.kept_form(case, spec, request.POST),
        )
    except DomainError as exc:
        return domain_error_page(request, pk, exc)
    messages.success(
        request,
        _("已完成“%(op)s”，案件状态：%(state)s")
        % {"op": spec["label"], "state": case.get_state_display()},
    )
    for text in services.transition_warnings(case, name, body, timezone.now()):
        if name in ("accept", "reassign"):  # the negative list's entries
            text = _("所指派的调解员有%(text)s") % {"text": text}
        messages.warning(request, text)
    return redirect("case_detail", pk=case.pk)


# -- records -----------------------------------------------------------------------------


def _record_view(
    request: AuthedRequest,
    pk: int,
    form_class: type[Form],
    service_fn: Callable[..., Any],
    ctx_key: str,
    done_message: str,
) -> HttpResponse:
    visible_case_or_404(request.user, pk)
    form = form_class(request.POST)
    form.is_valid()
    body = page_forms.record_payload(form)
    if form_class is page_forms.FollowUpForm and "performed" in body:
        body["performed"] = body["performed"] == "true"
    if form_class is page_forms.FollowUpForm and "escalation_signs" in body:
        body["escalation_signs"] = body["escalation_signs"] == "true"
    try:
        service_fn(pk, request.user, body)
    except InvalidFields as exc:
        page_forms.apply_errors(form, exc.errors)
        kept: dict[str, Any] = {ctx_key: form}
        return domain_error_page(request, pk, exc, **kept)
    except DomainError as exc:
        return domain_error_page(request, pk, exc)
    messages.success(request, done_message)
    return redirect(reverse("case_detail", args=[pk]) + "#records")


@login_required
@require_POST
def case_add_session(request: AuthedRequest, pk: int) -> HttpResponse:
    return _record_view(
        request,
        pk,
        page_forms.SessionForm,
        services.add_session,
        "session_form",
        _("已登记调解记录"),
    )


@login_required
@require_POST
def case_add_follow_up(request: AuthedRequest, pk: int) -> HttpResponse:
    return _record_view(
        request,
        pk,
        page_forms.FollowUpForm,
        services.add_follow_up,
        "follow_up_form",
        _("已登记回访记录"),
    )


@login_required
@require_POST
def case_flag_risk(request: AuthedRequest, pk: int) -> HttpResponse:
    visible_case_or_404(request.user, pk)
    form = page_forms.RiskForm(request.POST)
    form.is_valid()
    try:
        services.flag_risk(pk, request.user, page_forms.record_payload(form))
    except InvalidFields as exc:
        page_forms.apply_errors(form, exc.errors)
        return domain_error_page(request, pk, exc, risk_form=form)
    except DomainError as exc:
        return domain_error_page(request, pk, exc)
    messages.success(request, _("已标记矛盾激化风险，监督部门将即时收到提示"))
    return redirect("case_detail", pk=pk)

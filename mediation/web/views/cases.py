"""The case desk: the queue, the case page, its transitions and its records.

Views are thin: visibility and rights come from mediation.policies, every change goes
through mediation.actions.services, and domain errors become the page's 400/403/404/409
(`domain_error_page`)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediation import policies
from mediation.actions import services
from mediation.api.serializers import petition_json
from mediation.errors import DomainError, InvalidFields, NotVisible, StateConflict
from mediation.law import clocks
from mediation.law.choices import (
    OPEN_STATES,
    AttachmentKind,
    Channel,
    EventType,
    FailReason,
    PartyRole,
    ReferRoute,
    RiskLevel,
    State,
)
from mediation.law.identity import display_name, mask_id_number, mask_name, mask_phone
from mediation.models import CaseParty
from mediation.models.crypto import party_search_q

from .. import forms as page_forms
from ..forms_desks import correction_text, corrections_context

PAGE_SIZE = 25
SESSION_STATES = {State.ACCEPTED, State.MEDIATING}
FOLLOW_UP_STATES = {State.AGREED, State.CONFIRMED, State.CLOSED}
# Where the page tells a qualifying party about legal aid (the law's route after mediation).
LEGAL_AID_ON = frozenset({"fail", "decline", "refer"})


# -- helpers -------------------------------------------------------------------------------


def _last_event_id(user) -> int:
    """The newest event id this user may see: the live script resumes from here."""
    return policies.visible_events(user).aggregate(m=Max("id"))["m"] or 0


def _due_left(case, now) -> str:
    """ "剩余 12 个工作日": days left in the clock's own unit (mediation.law.clocks)."""
    if not case.due_at or case.state not in OPEN_STATES:
        return ""
    return clocks.days_left_label(case.due_at, case.due_unit, now)


def _clock_pause(case, now) -> str:
    """ "期限暂停计算中（自 …起）" / "已暂停 N 日，不计入期限": the days a clock stood still."""
    c = clocks.clock_from_json(case.due_clock or {})
    if c is None or case.state not in OPEN_STATES:
        return ""
    if c.paused_since is not None:
        return _("期限暂停计算中（自 %(day)s 起，%(n)d 日）") % {
            "day": c.paused_since.isoformat(),
            "n": clocks.paused_days(c, timezone.localdate(now)),
        }
    n = clocks.paused_days(c)
    return _("已暂停 %(n)d 日，不计入期限") % {"n": n} if n else ""


def _is_overdue(case, now) -> bool:
    return bool(case.due_at and case.due_at < now and case.state in OPEN_STATES)


def _party_rows(case, full: bool):
    rows = []
    for link in case.case_parties.all():
        p = link.party
        rows.append(
            {
                "role": link.get_role_display(),
                "role_code": link.role,
                "kind": p.get_kind_display(),
                "name": p.name,
                "gender": p.get_gender_display(),
                "ethnicity": p.ethnicity,
                "id_number": p.id_number if full else mask_id_number(p.id_number),
                "credit_code": p.credit_code,
                "representative": p.representative,
                "proxy": p.representative_info,
                "proxy_kind": p.get_rep_kind_display(),
                "phone": p.phone if full else mask_phone(p.phone),
                "address": p.address if full else "",
                "tags": [_tag_label(t) for t in p.tags],
            }
        )
    return rows


def _tag_label(code):
    from mediation.law.choices import Tag

    try:
        return Tag(code).label
    except ValueError:
        return code


def _state_label(code):
    try:
        return State(code).label
    except ValueError:
        return code


def event_text(event) -> str:
    """One line describing an event in the timeline (shared by page and live fragment)."""
    data = event.payload.get("data", {})
    if event.type == EventType.CASE_TRANSITIONED:
        from mediation.law.transitions import FORMS

        form = FORMS.get(data.get("transition"))
        op = str(form.label) if form else data.get("transition", "")
        return _("%(op)s：%(src)s → %(dst)s") % {
            "op": op,
            "src": _state_label(data.get("from", "")),
            "dst": _state_label(data.get("to", "")),
        }
    if event.type == EventType.CASE_UPDATED:
        if data.get("record") == "session":
            return _("登记调解记录")
        if data.get("record") == "follow_up":
            return _("登记回访记录")
        if data.get("correction"):
            return correction_text(data)
    if event.type == EventType.TASK_COMPLETED:
        from ..forms import DECISION_LABELS, DECISION_LABELS_BY_TASK

        kind, decision = data.get("type", ""), data.get("decision", "")
        label = DECISION_LABELS_BY_TASK.get((kind, decision)) or DECISION_LABELS.get(decision)
        if label:
            return _("衔接任务办结：%(decision)s") % {"decision": label}
    if event.type == EventType.HANDOFF_OPENED:
        from mediation.law.choices import HandoffKind

        kind = data.get("kind") or ""
        if kind in HandoffKind.values:
            return _("衔接流程开启：%(kind)s") % {"kind": HandoffKind(kind).label}
    if event.type == EventType.CASE_RISK_FLAGGED:
        return _("标记矛盾激化风险（%(level)s）：%(note)s") % {
            "level": _choice_label(RiskLevel, data.get("level", "")),
            "note": data.get("note", ""),
        }
    return event.get_type_display()


def _timeline(case):
    events = list(case.events.select_related("actor").order_by("-id"))
    return [
        {
            "id": e.id,
            "type": e.type,
            "type_label": e.get_type_display(),
            "at": e.at,
            "actor": (e.payload.get("actor") or {}).get("name", ""),
            "text": event_text(e),
        }
        for e in events
    ]


def _documents(case):
    """Links to the documents that exist for the case now (mediation.documents decides)."""
    from mediation import documents

    return [
        {"kind": kind, "label": title, "url": f"/api/cases/{case.pk}/documents/{kind}.pdf"}
        for kind, title in documents.available(case)
    ]


def _visible_case_or_404(user, pk):
    case = get_object_or_404(
        policies.visible_cases(user).select_related("org", "mediator", "registering_org"), pk=pk
    )
    return case


# -- queue -------------------------------------------------------------------------------


@login_required
def case_list(request):
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
        full = policies.handles(request.user, case)
        names = {PartyRole.APPLICANT: [], PartyRole.RESPONDENT: []}
        for link in case.case_parties.all():
            if link.role in names:
                name = link.party.name
                names[link.role].append(name if full else mask_name(name))
        rows.append(
            {
                "case": case,
                "applicants": "、".join(names[PartyRole.APPLICANT]),
                "respondents": "、".join(names[PartyRole.RESPONDENT]),
                "overdue": _is_overdue(case, now),
                "due_left": _due_left(case, now),
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
            "last_event_id": _last_event_id(request.user),
            "state_labels": dict(State.choices),
            "nav": "cases",
        },
    )


# -- detail ------------------------------------------------------------------------------


def _detail_context(
    request,
    case,
    *,
    open_form=None,
    form_errors=None,
    session_form=None,
    follow_up_form=None,
    risk_form=None,
    kept_form=None,
):
    user = request.user
    specs = services.available_transitions(case, user)
    forms_ = []
    for spec in specs:
        if spec["name"] == open_form:
            forms_.append(
                page_forms.transition_form(case, spec, data=request.POST, errors=form_errors)
            )
        else:
            forms_.append(page_forms.transition_form(case, spec))
    full = policies.handles(user, case)
    agreement = case.current_agreement
    legal_aid = []
    if LEGAL_AID_ON & {spec["name"] for spec in specs}:
        legal_aid = [p.name for p in policies.legal_aid_parties(case)]
    may_record = policies.may_record(user, case) and not case.is_frozen
    now = timezone.now()
    return {
        "case": case,
        "full": full,
        "parties": _party_rows(case, full),
        "agreement": agreement,
        "sessions": list(case.sessions.all()),
        "follow_ups": list(case.follow_ups.all()),
        "handoffs": [
            {"h": h, "status": h.get_status_display()} for h in case.handoffs.select_related("org")
        ],
        "timeline": _timeline(case),
        "transition_forms": forms_,
        "legal_aid": legal_aid,
        "legal_aid_on": LEGAL_AID_ON,
        "open_form": open_form,
        "session_form": session_form
        or (page_forms.SessionForm() if may_record and case.state in SESSION_STATES else None),
        "follow_up_form": follow_up_form
        or (
            page_forms.FollowUpForm(routes=services.performance_routes(case))
            if may_record and case.state in FOLLOW_UP_STATES
            else None
        ),
        "risk_form": risk_form
        or (page_forms.RiskForm() if policies.may_flag_risk(user, case) else None),
        "corrections": corrections_context(user, case),
        "kept_form": kept_form,
        "documents": _documents(case),
        "attachments": list(case.attachments.all()),
        "attachment_kinds": AttachmentKind.choices if may_record else None,
        "overdue": _is_overdue(case, now),
        "due_left": _due_left(case, now),
        "clock_pause": _clock_pause(case, now),
        "petition": petition_json(case) if case.channel == Channel.PETITION_TRANSFER else None,
        "mediator": display_name(case.mediator),
        "last_event_id": _last_event_id(user),
        "state_labels": dict(State.choices),
        "live_labels": _live_labels(),
        "end_reason": _choice_label(FailReason, case.end_reason),
        "referral_route": _choice_label(ReferRoute, case.referral_route),
        "nav": "cases",
    }


def _live_labels() -> dict:
    """Labels live.js needs to describe an event the same way the timeline does."""
    from mediation.law.transitions import FORMS

    return {
        "transitions": {name: str(form.label) for name, form in FORMS.items()},
        "events": dict(EventType.choices),
    }


def _choice_label(choices, value):
    try:
        return choices(value).label
    except ValueError:
        return value


@login_required
def case_detail(request, pk):
    case = _visible_case_or_404(request.user, pk)
    return render(request, "cases/detail.html", _detail_context(request, case))


@login_required
def case_fragment(request, pk):
    """The live parts of the detail page, fetched by live.js after an event."""
    case = _visible_case_or_404(request.user, pk)
    return render(request, "cases/_live.html", _detail_context(request, case))


def _render_detail_error(request, case_pk, status, message, **ctx):
    case = _visible_case_or_404(request.user, case_pk)
    if message:
        messages.error(request, message)
    return render(
        request, "cases/detail.html", _detail_context(request, case, **ctx), status=status
    )


def domain_error_page(request, case_pk, exc: DomainError, *, render_page=None, **ctx):
    """The pages' one answer to a domain error, as the API's: 404 for a case this user may
    not see, otherwise the case page again with the message, at the error's own status
    (400 / 403 / 409, mediation.errors). `render_page` draws a desk's own variant."""
    if isinstance(exc, NotVisible):
        raise Http404 from None
    render_page = render_page or _render_detail_error
    return render_page(request, case_pk, exc.status, exc.detail, **ctx)


@login_required
@require_POST
def case_transition(request, pk, name):
    case = _visible_case_or_404(request.user, pk)
    spec = next(
        (s for s in services.available_transitions(case, request.user) if s["name"] == name),
        None,
    )
    if spec is None:
        # Run it anyway: the service answers with the precise 403/409 for this user and state.
        from mediation.law.transitions import FORMS, describe_fields

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
        current = _state_label(exc.current_state)
        return _render_detail_error(
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


def _record_view(request, pk, form_class, service_fn, ctx_key, done_message):
    _visible_case_or_404(request.user, pk)
    form = form_class(request.POST)
    form.is_valid()
    body = page_forms.record_payload(form)
    if form_class is page_forms.FollowUpForm and "performed" in body:
        body["performed"] = body["performed"] == "true"
    try:
        service_fn(pk, request.user, body)
    except InvalidFields as exc:
        page_forms.apply_errors(form, exc.errors)
        return domain_error_page(request, pk, exc, **{ctx_key: form})
    except DomainError as exc:
        return domain_error_page(request, pk, exc)
    messages.success(request, done_message)
    return redirect(reverse("case_detail", args=[pk]) + "#records")


@login_required
@require_POST
def case_add_session(request, pk):
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
def case_add_follow_up(request, pk):
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
def case_flag_risk(request, pk):
    _visible_case_or_404(request.user, pk)
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

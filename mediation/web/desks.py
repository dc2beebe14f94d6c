"""What the petition and court desks share: the page that registers a case with a
handoff (a transfer or a referral, started by the workflows' services) and the list of
the desk's own handoffs with where each stands."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.errors import InvalidFields, NotPermitted, NumberTaken
from mediation.law.choices import HandoffStatus, PartyRole, State
from mediation.law.identity import mask_name
from mediation.models import Case, CaseParty, Handoff

from . import forms as page_forms
from .forms_desks import HandoffCaseForm

if TYPE_CHECKING:
    from mediation.policies import Actor

    from . import AuthedRequest

HANDOFF_STATUS = {
    "waiting": gettext_lazy("待反馈"),
    "fed_back": gettext_lazy("已反馈，待审核"),
    "returned": gettext_lazy("已退回重办"),
    "handled": gettext_lazy("已办结"),
    "cancelled": gettext_lazy("已取消"),
}


def parties_line(links: Iterable[CaseParty], full: bool) -> str:
    """Who is in dispute with whom, "马建国 与 杨学军" (a list is not a lawsuit: 与, not 诉).
    `links`: the case's CaseParty rows with their parties."""
    names: dict[str, list[str]] = {PartyRole.APPLICANT: [], PartyRole.RESPONDENT: []}
    for link in links:
        if link.role in names:
            names[link.role].append(link.party.name if full else mask_name(link.party.name))
    return _("%(a)s 与 %(b)s") % {
        "a": "、".join(names[PartyRole.APPLICANT]) or "—",
        "b": "、".join(names[PartyRole.RESPONDENT]) or "—",
    }


HANDOFF_RESULTS = {
    "confirmation_requested": gettext_lazy("调解成功，已申请司法确认"),
    "mediation_document": gettext_lazy("调解成功，法院出具调解书"),
    "filed": gettext_lazy("调解不成，已立案"),
    "acknowledged": gettext_lazy("法院已知悉调解结果"),
    "handled": gettext_lazy("已办结"),
}


def result_label(handoff: Handoff) -> str:
    """The handoff's recorded result in words (codes from workflows.common.close_handoff)."""
    code = handoff.result or ""
    if code in HANDOFF_RESULTS:
        return str(HANDOFF_RESULTS[code])
    if code.startswith("superseded:"):
        state = code.split(":", 1)[1]
        label = State(state).label if state in State.values else state
        return _("案件已转为：%(state)s") % {"state": label}
    return code


def handoff_status(handoff: Handoff) -> str:
    data = handoff.data or {}
    if handoff.status == HandoffStatus.CLOSED:
        return "handled"
    if handoff.status == HandoffStatus.CANCELLED:
        return "cancelled"
    fed, returned = data.get("feedback_at"), data.get("returned_at")
    if returned and (not fed or fed <= returned):
        return "returned"
    if fed:
        return "fed_back"
    return "waiting"


def handoff_rows(
    user: Actor, kind: str, orgs: Iterable[int], limit: int = 100
) -> list[dict[str, Any]]:
    now = timezone.now()
    qs = (
        Handoff.objects.filter(kind=kind, org_id__in=orgs)
        .select_related("case", "case__org", "org")
        .prefetch_related(
            Prefetch(
                "case__case_parties",
                queryset=CaseParty.objects.select_related("party").order_by("position", "id"),
            )
        )
        .order_by("-opened_at", "-id")[:limit]
    )
    rows = []
    for h in qs:
        status = handoff_status(h)
        rows.append(
            {
                "h": h,
                "case": h.case,
                "parties": parties_line(
                    h.case.case_parties.all(), policies.handles(user, h.case, via="page")
                ),
                "status": status,
                "status_label": HANDOFF_STATUS[status],
                "overdue": bool(h.due_at and h.due_at < now and status in ("waiting", "returned")),
                "feedback": (h.data or {}).get("feedback", ""),
                "result": result_label(h),
            }
        )
    return rows


def handoff_form_view(
    request: AuthedRequest,
    *,
    form_class: type[HandoffCaseForm],
    start: Callable[[User, dict[str, Any]], Case],
    template: str,
    context: dict[str, Any],
    done: str,
) -> HttpResponse:
    """GET: the empty form; POST: start the handoff through `start(user, body)` (the
    workflows' service). Errors go back next to their fields with everything typed kept."""
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        formset = page_forms.PartyFormSet(request.POST, prefix="parties")
        form.is_valid()
        formset.is_valid()
        body = form.payload()
        index_map, body["parties"] = page_forms.formset_parties(formset)
        if not form.errors and not any(f.errors for f in formset.forms):
            try:
                case = start(request.user, body)
            except InvalidFields as exc:
                page_forms.apply_intake_errors(form, formset, index_map, exc.errors)
                status = 400
            except NotPermitted as exc:
                form.add_error(None, exc.detail)
                status = 403
            except NumberTaken as exc:
                # the partner's number names another case already: said beside the number
                for field, said in exc.errors.items():
                    form.add_error(field if field in form.fields else None, said)
                status = 409
            else:
                messages.success(request, done % {"number": case.number})
                return redirect("case_detail", pk=case.pk)
        else:
            status = 400
    else:
        form = form_class()
        formset = page_forms.PartyFormSet(prefix="parties", initial=page_forms.INITIAL_PARTIES)
    return render(request, template, {**context, "form": form, "formset": formset}, status=status)

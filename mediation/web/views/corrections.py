"""Corrections on the case page (更正): the registered facts and each party, by the
handling organisation until the archive. The rule is policies.may_correct; the write is
services.correct_case / correct_party, the same as PATCH in the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mediation.actions import services
from mediation.errors import DomainError, InvalidFields

from ..forms_desks import CaseCorrectionForm, PartyCorrectionForm, corrections_context
from .case_page import detail_context, visible_case_or_404
from .errors import domain_error_page

if TYPE_CHECKING:
    from .. import AuthedRequest


def _fail(request: AuthedRequest, pk: int, status: int, message: str, **forms: Any) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    messages.error(request, message)
    ctx = detail_context(request, case)
    ctx["corrections"] = corrections_context(request.user, case, **forms)
    return render(request, "cases/detail.html", ctx, status=status)


def _run(
    request: AuthedRequest, pk: int, write: Callable[[], object], form_kw: dict[str, Any]
) -> HttpResponse:
    try:
        write()
    except InvalidFields as exc:
        form = next(iter(form_kw.values()))
        form = form if not isinstance(form, dict) else next(iter(form.values()))
        for key, msgs in exc.errors.items():
            for m in msgs:
                form.add_error(key if key in form.fields else None, m)
        return domain_error_page(request, pk, exc, render_page=_fail, **form_kw)
    except DomainError as exc:
        return domain_error_page(request, pk, exc, render_page=_fail, **form_kw)
    messages.success(request, _("已更正，变更已记入办理记录"))
    return redirect(reverse("case_detail", args=[pk]) + "#facts")


@login_required
@require_POST
def case_correct(request: AuthedRequest, pk: int) -> HttpResponse:
    visible_case_or_404(request.user, pk)
    form = CaseCorrectionForm(request.POST)
    if not form.is_valid():
        return _fail(request, pk, 400, _("提交的内容有误"), case_form=form)
    return _run(
        request,
        pk,
        lambda: services.correct_case(pk, request.user, form.payload()),
        {"case_form": form},
    )


@login_required
@require_POST
def party_correct(request: AuthedRequest, pk: int, pid: int) -> HttpResponse:
    case = visible_case_or_404(request.user, pk)
    link = case.case_parties.select_related("party").filter(party_id=pid).first()
    if link is None:
        raise Http404
    form = PartyCorrectionForm.for_party(link.party, data=request.POST)
    if not form.is_valid():
        return _fail(request, pk, 400, _("提交的内容有误"), party_forms={pid: form})
    return _run(
        request,
        pk,
        lambda: services.correct_party(pk, pid, request.user, form.payload()),
        {"party_forms": {pid: form}},
    )

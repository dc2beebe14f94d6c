"""The intake desk: registering a case (walk-in, hotline, a screening or consultation)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from mediation.actions import services
from mediation.errors import InvalidFields, NotPermitted, StateConflict
from mediation.models import Case

from .. import AuthedRequest
from .. import forms as page_forms

# -- intake ------------------------------------------------------------------------------


@login_required
def case_new(request: AuthedRequest) -> HttpResponse:
    if not page_forms.registrable_orgs(request.user):
        return render(request, "error.html", {"message": _("您无权登记案件")}, status=403)
    return intake_page(request, lambda body: services.register_case(request.user, body))


def intake_page(
    request: AuthedRequest,
    register: Callable[[dict[str, Any]], Case],
    *,
    initial: dict[str, Any] | None = None,
    parties: list[dict[str, Any]] | None = None,
    origin: str | None = None,
) -> HttpResponse:
    """The intake form (GET) and its submission (POST) for every way a case is registered
    from a page: `register(body)` is the one service call that makes the case."""
    status = 200

    def fix_channel(form: page_forms.IntakeForm) -> page_forms.IntakeForm:
        # A case from a screening or a consultation has its channel from its origin.
        if origin:
            form.fields["channel"].disabled = True
        return form

    if request.method == "POST":
        form = fix_channel(page_forms.IntakeForm(request.POST, user=request.user, initial=initial))
        formset = page_forms.PartyFormSet(request.POST, prefix="parties")
        form.is_valid()
        formset.is_valid()
        body = form.payload()
        index_map, body["parties"] = page_forms.formset_parties(formset)
        try:
            case = register(body)
        except InvalidFields as exc:
            page_forms.apply_intake_errors(form, formset, index_map, exc.errors)
            status = 400
        except NotPermitted as exc:
            form.add_error("org", exc.detail)
            status = 403
        except StateConflict as exc:
            form.add_error(None, exc.detail)
            status = 409
        else:
            messages.success(request, _("已登记，案号%(number)s") % {"number": case.number})
            return redirect("case_detail", pk=case.pk)
    else:
        form = fix_channel(page_forms.IntakeForm(user=request.user, initial=initial))
        formset = page_forms.PartyFormSet(
            prefix="parties", initial=parties or page_forms.INITIAL_PARTIES
        )
    return render(
        request,
        "cases/new.html",
        {"form": form, "formset": formset, "nav": "new", "origin": origin},
        status=status,
    )

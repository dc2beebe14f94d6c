"""委派/委托调解 desk (诉调对接, DESIGN.md §4.3): the court clerk refers a dispute to a
mediation organisation and follows the results. The referral is the workflows' service."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mediation import policies
from mediation.law.choices import HandoffKind
from workflows import services as workflow_services

from .. import AuthedRequest
from ..desks import handoff_form_view, handoff_rows
from ..forms_desks import CourtReferralForm


@login_required
def court_desk(request: AuthedRequest) -> HttpResponse:
    courts = policies.may_refer_to_mediation(request.user)
    if not courts:
        return render(
            request, "error.html", {"message": _("只有法院书记员可以委派或委托调解")}, status=403
        )
    return handoff_form_view(
        request,
        form_class=CourtReferralForm,
        start=workflow_services.start_court_referral,
        template="court/desk.html",
        context={
            "rows": handoff_rows(request.user, HandoffKind.COURT_REFERRAL, courts),
            "nav": "court",
        },
        done=_("已交调解组织调解，案号%(number)s"),
    )

"""警调对接 desk (DESIGN.md §12.4): the police officer refers a dispute met on a call-out to
a people's mediation committee and follows the results and the committee's feedback. The
referral is the workflows' service; who may use the desk is mediation.county.police."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mediation.county.police import referring_stations
from mediation.law.choices import HandoffKind
from workflows import services as workflow_services

from .. import AuthedRequest
from ..desks import handoff_form_view, handoff_rows
from ..forms_desks import PoliceReferralForm


@login_required
def police_desk(request: AuthedRequest) -> HttpResponse:
    stations = referring_stations(request.user)
    if not stations:
        return render(
            request, "error.html", {"message": _("只有派出所民警可以移交纠纷")}, status=403
        )
    return handoff_form_view(
        request,
        form_class=PoliceReferralForm,
        start=workflow_services.start_police_referral,
        template="police/desk.html",
        context={
            "rows": handoff_rows(request.user, HandoffKind.POLICE, stations),
            "nav": "police",
        },
        done=_("已移交人民调解委员会，案号%(number)s；调解有结果后将向本所反馈"),
    )

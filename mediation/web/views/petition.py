"""信访转办 desk (访调对接, DESIGN.md §4.2): the petition officer transfers a dispute to a
mediation organisation and follows the feedback. The transfer itself is the workflows'
service; the rules (consent, 涉法涉诉) are checked there."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from mediation import policies
from mediation.law.choices import HandoffKind
from workflows import services as workflow_services

from .. import AuthedRequest
from ..desks import handoff_form_view, handoff_rows
from ..forms_desks import PetitionTransferForm


@login_required
def petition_desk(request: AuthedRequest) -> HttpResponse:
    bureaus = policies.may_transfer_petition(request.user)
    if not bureaus:
        return render(
            request, "error.html", {"message": _("只有信访干部可以转办信访事项")}, status=403
        )
    return handoff_form_view(
        request,
        form_class=PetitionTransferForm,
        start=workflow_services.start_petition_transfer,
        template="petition/desk.html",
        context={
            "rows": handoff_rows(request.user, HandoffKind.PETITION, bureaus),
            "nav": "petition",
        },
        done=_("已转办，案号%(number)s；调解组织将在反馈期限内反馈办理结果"),
    )

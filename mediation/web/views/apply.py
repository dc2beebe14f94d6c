"""网上申请调解: the public application page (no login). The same service as
POST /api/portal/applications/; limited per client address like the tracking page."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mediation.actions import services
from mediation.api.portal import application_answer, over_application_limit
from mediation.errors import InvalidFields

from ..forms_desks import ApplicationForm


@never_cache
def apply(request: HttpRequest) -> HttpResponse:
    form = ApplicationForm(request.POST or None)
    status, error = 200, None
    if request.method == "POST":
        form.is_valid()  # lengths: the page's own messages by the fields
        if over_application_limit(request):
            error, status = _("提交过于频繁，请稍后再试"), 429
        elif form.errors:
            error, status = _("提交的内容有误，请按提示修改"), 400
        else:
            try:
                case = services.apply_online(form.payload())
            except InvalidFields as exc:
                form.apply_errors(exc.errors)
                error, status = _("提交的内容有误，请按提示修改"), 400
            else:
                return render(
                    request,
                    "portal/applied.html",
                    {"answer": application_answer(case)},
                    status=201,
                )
    return render(request, "portal/apply.html", {"form": form, "error": error}, status=status)

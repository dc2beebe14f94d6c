"""The case page's upload form (POST /cases/{id}/attachments/): one call to the
attachments service, then back to the case page; downloads use the API's URL, which
takes the session too."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from mediation.actions import attachments
from mediation.errors import DomainError, InvalidFields

from .errors import domain_error_page, render_detail_error

if TYPE_CHECKING:
    from .. import AuthedRequest


@csrf_exempt
@require_POST
def case_upload_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    # The bounded handler goes in before anything parses the body — the CSRF check
    # reads the form too, so it runs after, in the protected view below.
    request.upload_handlers = [
        attachments.BoundedUploadHandler(request),
        TemporaryFileUploadHandler(request),
    ]
    # login_required on _upload turns the anonymous away before the user is used
    return _upload(cast("AuthedRequest", request), pk)


@csrf_protect
@login_required
def _upload(request: AuthedRequest, pk: int) -> HttpResponse:
    handler = request.upload_handlers[0]
    try:
        if request.FILES.get("file") is None and getattr(handler, "too_big", False):
            attachments.upload_target(pk, request.user)
            raise InvalidFields(_("上传的材料有误"), {"file": [attachments.too_big_message()]})
        att = attachments.add_attachment(
            pk, request.user, request.POST.get("kind"), request.FILES.get("file")
        )
    except InvalidFields as exc:
        message = "；".join(m for msgs in exc.errors.values() for m in msgs) or exc.detail
        return render_detail_error(request, pk, exc.status, message)
    except DomainError as exc:
        return domain_error_page(request, pk, exc)
    messages.success(request, _("已上传材料：%(name)s") % {"name": att.name})
    return redirect("case_detail", pk=pk)

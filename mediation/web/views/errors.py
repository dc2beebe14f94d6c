"""The pages' one answer to a domain error: the case page again with the message, at the
error's own status (mediation.errors), or 404 for a case this user may not see."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render

from mediation.errors import DomainError, NotVisible

from .case_page import detail_context, visible_case_or_404

if TYPE_CHECKING:
    from .. import AuthedRequest

# draws a desk's own variant of the case page: (request, case pk, status, message, **ctx)
RenderPage = Callable[..., HttpResponse]


def render_detail_error(
    request: AuthedRequest, case_pk: int, status: int, message: str, **ctx: Any
) -> HttpResponse:
    case = visible_case_or_404(request.user, case_pk)
    if message:
        messages.error(request, message)
    return render(request, "cases/detail.html", detail_context(request, case, **ctx), status=status)


def domain_error_page(
    request: AuthedRequest,
    case_pk: int,
    exc: DomainError,
    *,
    render_page: RenderPage | None = None,
    **ctx: Any,
) -> HttpResponse:
    """The pages' one answer to a domain error, as the API's: 404 for a case this user may
    not see, otherwise the case page again with the message, at the error's own status
    (400 / 403 / 409, mediation.errors). `render_page` draws a desk's own variant."""
    if isinstance(exc, NotVisible):
        raise Http404 from None
    render_page = render_page or render_detail_error
    return render_page(request, case_pk, exc.status, exc.detail, **ctx)

"""One table from domain errors to HTTP, and one error shape for every error response.

Every error, including DRF's own (401, 404, 405, 415, parse errors, throttling), answers
`{"detail": "...", "errors": {field: [messages]}}`; a 409 also carries `current_state`.
Under /api/ the same holds for what Django answers itself (404 for an unknown path, 400 for
a refused request, 413 for a body over the limit) and for a bug (500: logged, then a
generic message; the details stay in the log).
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.limits import BodyTooLarge
from config.renderers import FastJSONRenderer
from mediation.errors import (
    DomainError,
    NumberTaken,
    PreconditionFailed,
    StateConflict,
    TextChanged,
)

logger = logging.getLogger("datiaojie.api")


def domain_status(exc: DomainError) -> int:
    """Each domain error carries its HTTP status (mediation.errors): the pages use the same."""
    return exc.status


def _flatten(value: object) -> list[str]:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _flatten(v)]
    return [str(value)]


def _field_errors(data: object, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure → flat {"field" | "parties[1].id_number": [msgs]}."""
    out: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict) or (
                isinstance(value, list) and any(isinstance(v, dict | list) for v in value)
            ):
                if isinstance(value, list):
                    for i, item in enumerate(value):
                        if item:
                            out.update(_field_errors(item, f"{name}[{i}]"))
                else:
                    out.update(_field_errors(value, name))
            else:
                out[name] = _flatten(value)
    elif isinstance(data, list):
        out[prefix or "non_field_errors"] = _flatten(data)
    else:
        out[prefix or "non_field_errors"] = [str(data)]
    return out


def error_body(
    detail: str, errors: dict[str, list[str]] | None = None, **extra: object
) -> dict[str, Any]:
    return {"detail": str(detail), "errors": errors or {}, **extra}


def _json_rendered(context: dict[str, Any]) -> None:
    """An error is JSON whatever the client accepts (a browser's text/html, the schema's
    YAML): the browsable page or a YAML error is no answer a client can read (#31)."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = FastJSONRenderer()
        request.accepted_media_type = "application/json"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    _json_rendered(context)
    if isinstance(exc, DomainError):
        extra: dict[str, object] = {}
        if isinstance(exc, StateConflict):
            extra["current_state"] = exc.current_state
        if isinstance(exc, NumberTaken):
            extra["existing_case"] = exc.existing_case
        if isinstance(exc, TextChanged):
            extra.update(text=exc.text, sha256=exc.sha256)
        answer = Response(error_body(exc.detail, exc.errors, **extra), status=domain_status(exc))
        if isinstance(exc, PreconditionFailed):
            answer["ETag"] = exc.etag
        return answer
    if isinstance(exc, OverflowError):
        # A date or number so far out of range that the database adapter cannot hold it.
        return Response(
            error_body(_("提交的内容有误"), {"non_field_errors": [_("数值或日期超出范围")]}),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("未找到"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # A form or multipart body past DATA_UPLOAD_MAX_MEMORY_SIZE under any server.
        exc = BodyTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    response = drf_exception_handler(exc, context)
    if response is None:
        # A bug, not the client's doing: log it with the request, answer in the API's shape.
        request = context.get("request")
        logger.error(
            "unhandled error in %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        return Response(
            error_body(_("服务器内部错误")), status=status.HTTP_500_INTERNAL_SERVER_ERROR
        )
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(_("提交的内容有误"), _field_errors(exc.detail))
        return response
    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    extra = {}
    # Throttled.wait: seconds, or None (the stubs leave the attribute out)
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        extra["retry_after"] = int(wait) + (0 if float(wait).is_integer() else 1)
    response.data = error_body(detail or _flatten(response.data)[0], {}, **extra)
    return response


def _json(body: dict[str, Any], status_code: int) -> JsonResponse:
    return JsonResponse(body, status=status_code, json_dumps_params={"ensure_ascii": False})


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the API's error shape under /api/, Django's page everywhere else."""
    if is_api(request):
        return _json(error_body(_("未找到")), 404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403 (Django's own refusals outside DRF's views)."""
    if is_api(request):
        return _json(error_body(_("无权执行此操作")), 403)
    return defaults.permission_denied(request, exception or PermissionDenied())


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400 (a request Django itself refuses, e.g. a form body over the limit)."""
    if is_api(request):
        if isinstance(exception, RequestDataTooBig):
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return _json(error_body(str(BodyTooLarge(limit).detail)), 413)
        return _json(error_body(_("请求有误")), 400)
    return defaults.bad_request(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: outside DRF's views (the error is already logged by Django)."""
    if is_api(request):
        return _json(error_body(_("服务器内部错误")), 500)
    return defaults.server_error(request)

"""What every /api/ request meets before a view (#31, docs/api.md "Conventions").

- A NUL byte in a query parameter (name or value) is a 400 naming the parameter: PostgreSQL
  refuses NUL in any text it is sent, so such a value must never reach a filter.
- A path without its trailing slash is a 404 in the API's error shape naming the right
  URL, never Django's APPEND_SLASH redirect: a client that follows a 301 turns a POST into a
  GET and loses its body.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.ops.ratelimit import Quota


def _json(body: dict[str, object], status: int) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def nul_parameters(request: HttpRequest) -> dict[str, list[str]]:
    """{parameter: [message]} for every query parameter holding a NUL byte."""
    out: dict[str, list[str]] = {}
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            out[name.replace("\x00", "\\u0000")] = [_("不能包含空字符")]
    return out


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


class ApiGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/"):
            refused = self.refuse(request, path)
            if refused is not None:
                return refused
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, path: str) -> HttpResponse | None:
        errors = nul_parameters(request)
        if errors:
            return _json({"detail": _("提交的内容有误"), "errors": errors}, 400)
        if not path.endswith("/") and not _resolves(path) and _resolves(path + "/"):
            right = request.path + "/"
            return _json(
                {
                    "detail": _("未找到；请使用 %(url)s（以斜杠结尾）") % {"url": right},
                    "errors": {},
                },
                404,
            )
        return None


class QuotaHeaders(APIView):
    """An APIView that counts attempts (`self.quota`): its RateLimit-* headers go on every
    answer, the 201, a 400 for the body and the 429 alike."""

    quota: Quota | None = None

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.quota is not None:
            self.quota.apply(response)
        return response

    def throttled_answer(self, quota: Quota) -> Response:
        """The 429 for a used-up window: Retry-After and retry_after in seconds."""
        self.quota = quota
        body = {
            "detail": _("提交过于频繁，请稍后再试"),
            "errors": {},
            "retry_after": quota.reset,
        }
        return Response(body, status=429)

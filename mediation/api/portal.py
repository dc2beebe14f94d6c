"""The public door of the API: an online application without login (网上申请调解,
DESIGN.md §6). Limited per client address in the shared cache; no outside CAPTCHA (the
intranet has no internet)."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from mediation.actions import services
from mediation.models import Case
from mediation.ops.ratelimit import client_ip as _client_ip
from mediation.ops.ratelimit import hit as _hit

from .errors import error_body
from .idempotency import PARAMETERS as IDEMPOTENCY
from .idempotency import idempotent
from .responses import PortalApplicationResponseSerializer
from .schema import ref
from .views import errors, json_object


def over_application_limit(request: HttpRequest | Request) -> bool:
    """One count per attempt and address; True when the window's allowance is used up."""
    return _hit(
        "apply-ip:" + _client_ip(request),
        settings.PORTAL_APPLY_PER_IP,
        settings.PORTAL_RATE_WINDOW_SECONDS,
    )


def application_answer(case: Case) -> dict[str, str]:
    path = reverse("track_token", args=[case.tracking_token])
    return {
        "number": case.number,
        "tracking_url": settings.PORTAL_BASE_URL.rstrip("/") + path,
        "tracking_path": path,
        "org": case.org.name,
        "org_phone": case.org.phone,
    }


class PortalApplicationView(APIView):
    authentication_classes = []  # anonymous: no session, so no CSRF to present
    permission_classes = [AllowAny]

    @extend_schema(
        summary="网上申请调解（无需登录）",
        parameters=IDEMPOTENCY,
        request={"application/json": ref("PortalApplicationRequest")},
        responses={201: PortalApplicationResponseSerializer, **errors(400, 415, 422, 429)},
        auth=[],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        if over_application_limit(request):
            body = error_body(_("提交过于频繁，请稍后再试"))
            return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
        case = services.apply_online(json_object(request))
        return Response(application_answer(case), status=status.HTTP_201_CREATED)

"""The public door of the API: an online application without login (网上申请调解,
DESIGN.md §6). Limited per client address in the shared cache; no outside CAPTCHA (the
intranet has no internet)."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from mediation.actions import services
from mediation.models import Case
from mediation.ops.ratelimit import Quota
from mediation.ops.ratelimit import client_ip as _client_ip
from mediation.ops.ratelimit import count as _count

from .guards import QuotaHeaders
from .headers import RATE_LIMIT_HEADERS
from .idempotency import PARAMETERS as IDEMPOTENCY
from .idempotency import idempotent
from .responses import PortalApplicationResponseSerializer
from .schema import ref
from .views import errors, json_object


def application_quota(request: HttpRequest | Request) -> Quota:
    """One count per attempt and address."""
    return _count(
        "apply-ip:" + _client_ip(request),
        settings.PORTAL_APPLY_PER_IP,
        settings.PORTAL_RATE_WINDOW_SECONDS,
    )


def over_application_limit(request: HttpRequest | Request) -> bool:
    """True when the window's allowance is used up (this attempt counted)."""
    return application_quota(request).exceeded


def application_answer(case: Case) -> dict[str, str]:
    path = reverse("track_token", args=[case.tracking_token])
    return {
        "number": case.number,
        "tracking_url": settings.PORTAL_BASE_URL.rstrip("/") + path,
        "tracking_path": path,
        "org": case.org.name,
        "org_phone": case.org.phone,
    }


class PortalApplicationView(QuotaHeaders):
    authentication_classes = []  # anonymous: no session, so no CSRF to present
    permission_classes = [AllowAny]

    @extend_schema(
        summary="网上申请调解（无需登录）",
        parameters=[*IDEMPOTENCY, *RATE_LIMIT_HEADERS],
        request={"application/json": ref("PortalApplicationRequest")},
        responses={201: PortalApplicationResponseSerializer, **errors(400, 415, 422, 429)},
        auth=[],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        self.quota = application_quota(request)
        if self.quota.exceeded:
            return self.throttled_answer(self.quota)
        case = services.apply_online(json_object(request))
        return Response(application_answer(case), status=status.HTTP_201_CREATED)

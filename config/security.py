"""Security plumbing shared by every way in: the client address behind trusted proxies,
the one login lockout (django-axes), and the answer a locked account gets.

Kept in config/ so the domain app never sees it: views only call `authenticate(request, …)`.
"""

from collections.abc import Callable
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from config import lockout


def client_ip(request: HttpRequest) -> str:
    """The client's address as the outermost trusted proxy saw it.

    With TRUSTED_PROXY_COUNT = n, the last n entries of X-Forwarded-For were written by our
    own proxies; the n-th from the end is the client. Entries further left come from the
    client itself and are ignored, so a forged header cannot give an attempt a new address.
    With n = 0 (no proxy) the header is ignored entirely."""
    return forwarded_client(
        request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", "")
    )


def forwarded_client(remote: str, forwarded_for: str) -> str:
    """client_ip's rule on the raw values (also for websockets, which have no request)."""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    chain = [p.strip() for p in forwarded_for.split(",")]
    chain = [p for p in chain if p]
    if len(chain) < hops:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    return chain[-hops]


class TrustedProxyMiddleware:
    """Resolve the client address once, first thing, so the lockout, the portal limits,
    DRF's throttles and the logs all see the same address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.META["REMOTE_ADDR"] = client_ip(request)
        request.META.pop("HTTP_X_FORWARDED_FOR", None)
        return self.get_response(request)


class LockoutBackend(AxesStandaloneBackend):
    """Axes refuses a locked account before any password is checked. An authenticate()
    without a request (a management command, the test client) is no way in from outside,
    so there is nothing to count."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """One answer for every way in: JSON under /api/, the login page elsewhere (the admin's
    login included), both 429 with the time to wait (等保: login-failure handling)."""
    wait = lockout.retry_after(request, credentials)
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    message = _("登录失败次数过多，账号已临时锁定，请%(minutes)d分钟后再试") % {"minutes": minutes}
    retry = minutes * 60
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": message, "errors": {}, "retry_after": retry},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        form = AuthenticationForm(request, data=request.POST or None)
        form.errors.clear()
        form.add_error(None, message)
        response = render(request, "registration/login.html", {"form": form}, status=429)
    response["Retry-After"] = str(retry)
    # The same RateLimit-* headers as every counted door (docs/api.md "Conventions"): the
    # per-(account, address) limit, nothing left, and when it opens again.
    response["RateLimit-Limit"] = str(settings.AXES_FAILURE_LIMIT)
    response["RateLimit-Remaining"] = "0"
    response["RateLimit-Reset"] = str(retry)
    return response

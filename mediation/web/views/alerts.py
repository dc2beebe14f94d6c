"""Reading alerts: one at a time from the banner, or all at once."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .. import AuthedRequest, alerts


def _back(request: HttpRequest) -> str:
    nxt = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
        nxt = "/"
    return nxt


@login_required
@require_POST
def read(request: AuthedRequest, event_id: int | None = None) -> HttpResponse:
    ids = None if event_id is None else [event_id]
    done = alerts.mark_read(request.user, ids)
    if request.headers.get("X-Requested-With") == "fetch":
        return JsonResponse({"read": done, "unread": alerts.unread(request.user).count()})
    return redirect(_back(request))


@login_required
def current(request: AuthedRequest) -> JsonResponse:
    """The unread alerts as JSON (live.js redraws the banner from it after an event)."""
    data = alerts.summary(request.user)
    return JsonResponse(
        {
            "count": data["count"],
            "items": [
                {
                    "id": a["id"],
                    "type": a["type"],
                    "text": a["text"],
                    "url": reverse("case_detail", args=[a["case"]]),
                    "read_url": reverse("alert_read", args=[a["id"]]),
                }
                for a in data["items"]
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )

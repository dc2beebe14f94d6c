"""The room of an online session (DESIGN.md §12.6): `/cases/{id}/sessions/{sid}/video/` for
the case's mediators, `/party/cases/{id}/sessions/{sid}/video/` for an invited party signed
in on /party/. The page is static/js/video.js (WebRTC, signalling over /ws/video/{sid}/);
the recording notice is accepted here (a form POST with the CSRF token), the recording
itself goes to the API (mediation.api.video)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from mediation import policies
from mediation.actions import party_access as parties
from mediation.actions import video
from mediation.errors import NotPermitted, NotVisible
from mediation.models import MediationSession

from .party import SESSION_KEY

if TYPE_CHECKING:
    from .. import AuthedRequest

NOTICE = _(
    "本次视频调解将全程录音录像，录像作为调解记录的一部分存入案件卷宗，仅供依法查阅。"
    "请确认您已知悉并同意录音录像后再开始；不同意的，可告知调解员改为现场调解。"
)


def _refused(request: HttpRequest, exc: NotPermitted | NotVisible) -> HttpResponse:
    status = 404 if isinstance(exc, NotVisible) else 403
    return render(request, "error.html", {"message": exc.detail}, status=status)


def _page(request: HttpRequest, p: video.Participant, base: str) -> HttpResponse:
    session = MediationSession.objects.get(pk=p.session_id)
    ctx: dict[str, Any] = {
        "p": p,
        "session": session,
        "notice": NOTICE,
        "ws_path": f"/ws/video/{p.session_id}/",
        "consent_url": f"{base}consent/",
        "api_base": f"/api/cases/{p.case_id}/sessions/{p.session_id}/",
    }
    return render(request, "video/room.html", ctx)


@never_cache
@login_required
def staff_room(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    try:
        p = video.staff_participant(request.user, sid, pk)
    except (NotPermitted, NotVisible) as exc:
        return _refused(request, exc)
    return _page(request, p, request.path)


@require_POST
@login_required
def staff_consent(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    try:
        p = video.staff_participant(request.user, sid, pk)
    except (NotPermitted, NotVisible) as exc:
        return JsonResponse({"detail": exc.detail}, status=403)
    video.consent(p)
    return JsonResponse({"missing_consent": video.missing_consent(p.session_id)})


def _party(request: HttpRequest, pk: int, sid: int) -> video.Participant:
    session = parties.session_for(request.session.get(SESSION_KEY))
    return video.party_participant(session, sid, pk)


@never_cache
def party_room(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    if parties.session_for(request.session.get(SESSION_KEY)) is None:
        return HttpResponseRedirect(reverse("party_home"))
    try:
        p = _party(request, pk, sid)
    except (NotPermitted, NotVisible) as exc:
        return _refused(request, exc)
    return _page(request, p, request.path)


@require_POST
def party_consent(request: HttpRequest, pk: int, sid: int) -> HttpResponse:
    try:
        p = _party(request, pk, sid)
    except (NotPermitted, NotVisible) as exc:
        return JsonResponse({"detail": exc.detail}, status=403)
    video.consent(p)
    return JsonResponse({"missing_consent": video.missing_consent(p.session_id)})


# -- the mediator's calendar -------------------------------------------------------------

CALENDAR_DAYS = 30


@login_required
def calendar(request: AuthedRequest) -> HttpResponse:
    """The online sessions the user is to hold (the case's mediator, or who scheduled it),
    from those still open to their invitations to CALENDAR_DAYS ahead, by day, each with
    its room."""
    now = timezone.now()
    user = request.user
    sessions = (
        MediationSession.objects.filter(
            online=True,
            scheduled_at__gte=now - dt.timedelta(hours=video.INVITATION_HOURS),
            scheduled_at__lt=now + dt.timedelta(days=CALENDAR_DAYS),
            case__state__in=video.OPEN_STATES,
            case__in=policies.visible_cases(user).values("pk"),
        )
        .filter(Q(case__mediator=user) | Q(recorded_by=user))
        .select_related("case")
        .prefetch_related("presences", "invitations__party")
        .order_by("scheduled_at", "id")
    )
    days: dict[dt.date, list[MediationSession]] = {}
    for s in sessions:
        assert s.scheduled_at is not None
        days.setdefault(timezone.localdate(s.scheduled_at), []).append(s)
    return render(
        request,
        "video/calendar.html",
        {"days": sorted(days.items()), "horizon": CALENDAR_DAYS, "nav": "video_calendar"},
    )

"""The public portal: tracking a case by number and phone, or by the QR token."""

import hashlib
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mediation.documents import pades
from mediation.law.choices import OPEN_STATES, EventType, PartyRole
from mediation.law.identity import mask_name
from mediation.models import Case
from mediation.ops.ratelimit import client_ip as _client_ip
from mediation.ops.ratelimit import hit as _hit

from .. import forms as page_forms
from .case_page import state_label

# -- public portal -------------------------------------------------------------------------


def _normalise_number(value: str) -> str:
    return (value or "").strip().replace("(", "（").replace(")", "）").replace(" ", "")


def _normalise_phone(value: str) -> str:
    return "".join(ch for ch in (value or "") if "0" <= ch <= "9")


def _public_view(case: Case) -> dict[str, Any]:
    """What the portal may show: state, dates, masked names; nothing else personal."""
    parties = case.case_parties.select_related("party").order_by("position", "id")
    transitions = [
        {"at": e.at, "text": state_label(e.payload.get("data", {}).get("to", ""))}
        for e in case.events.filter(type=EventType.CASE_TRANSITIONED).order_by("id")
    ]
    return {
        "number": case.number,
        "state": case.state,
        "state_label": case.get_state_display(),
        "network_label": case.get_network_display(),
        "category_label": case.get_category_display(),
        "org_name": case.org.name,
        "org_phone": case.org.phone,
        "created_at": case.created_at,
        "accepted_at": case.accepted_at,
        "due_at": case.due_at if case.state in OPEN_STATES else None,
        "closed_at": case.closed_at,
        "applicants": [mask_name(p.party.name) for p in parties if p.role == PartyRole.APPLICANT],
        "respondents": [mask_name(p.party.name) for p in parties if p.role == PartyRole.RESPONDENT],
        "history": transitions,
        # the masked copy is what a member of the public could be shown; it is signed too
        "signatures": pades.signature_notes(case, full=False),
    }


@never_cache
def track(request: HttpRequest) -> HttpResponse:
    """Case number + the applicant's phone. Any mismatch gets one generic answer, and
    attempts are limited per address and per case number (numbers are sequential)."""
    form = page_forms.TrackForm(request.POST or None)
    result, error, status = None, None, 200
    if request.method == "POST" and form.is_valid():
        number = _normalise_number(form.cleaned_data["number"])
        phone = _normalise_phone(form.cleaned_data["phone"])
        window = settings.PORTAL_RATE_WINDOW_SECONDS
        ip_key = "track-ip:" + _client_ip(request)
        num_key = "track-no:" + hashlib.sha256(number.encode()).hexdigest()
        over_ip = _hit(ip_key, settings.PORTAL_RATE_PER_IP, window)
        over_num = _hit(num_key, settings.PORTAL_RATE_PER_CASE, window)
        if over_ip or over_num:
            error, status = _("查询过于频繁，请稍后再试"), 429
        else:
            # a transferred case is also found by the number the applicant was first given
            found = Q(number=number) | Q(original_number=number)
            case = Case.objects.select_related("org").filter(found).first()
            match = case is not None and any(
                _normalise_phone(link.party.phone) == phone and phone
                for link in case.case_parties.select_related("party").filter(
                    role=PartyRole.APPLICANT
                )
            )
            if match and case is not None:
                result = _public_view(case)
            else:
                error, status = _("未查询到匹配的案件，请核对案号和申请人联系电话"), 404
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "portal/track.html",
        {"form": form, "result": result, "error": error},
        status=status,
    )


@never_cache
def track_token(request: HttpRequest, token: str) -> HttpResponse:
    case = Case.objects.select_related("org").filter(tracking_token=token).first()
    if case is None or not token:
        return render(
            request,
            "portal/track.html",
            {"form": page_forms.TrackForm(), "error": _("查询链接无效")},
            status=404,
        )
    return render(request, "portal/result.html", {"result": _public_view(case)})

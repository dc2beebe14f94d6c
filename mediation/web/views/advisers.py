"""Village legal advisers' pages (村（居）法律顾问, DESIGN §12.4): the adviser's phone page to
record a duty day or a service, and the bureau's register with the coverage per township.
Thin: the same calls as the API (mediation.county.advisers), refusals shown by their fields."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.county import advisers
from mediation.errors import DomainError
from mediation.law.advisers import AdviserKind, AdviserServiceKind
from mediation.law.choices import OrgKind, Role
from mediation.models import Organization

from .. import AuthedRequest


def _refused(request: AuthedRequest, message: str) -> HttpResponse:
    return render(request, "error.html", {"message": message}, status=403)


def _fields(exc: DomainError) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in exc.errors.items()}


@login_required
def adviser_page(request: AuthedRequest) -> HttpResponse:
    """The adviser's own page, made for a phone: record, then see the month's records."""
    adviser = advisers.own_adviser(request.user)
    if adviser is None:
        return _refused(request, _("只有登记在册的村（居）法律顾问可以使用此页面"))
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        try:
            advisers.record_service(request.user, request.POST.dict())
            messages.success(request, _("已记录"))
            return redirect("adviser_page")
        except DomainError as exc:
            status, errors = exc.status, _fields(exc)
            messages.error(request, exc.detail)
    today = timezone.localdate()
    context = {
        "adviser": advisers.adviser_json(adviser),
        "kinds": list(AdviserServiceKind),
        "today": today.isoformat(),
        "recent": [advisers.service_json(s) for s in advisers.visible_services(request.user)[:30]],
        "counts": advisers.service_counts(today.year, adviser)["kinds"],
        "errors": errors,
        "post": request.POST if request.method == "POST" else {},
        "nav": "adviser",
    }
    return render(request, "county/adviser.html", context, status=status)


@login_required
def adviser_register(request: AuthedRequest) -> HttpResponse:
    """The bureau's register: advisers, the villages each serves, coverage per township."""
    if not policies.is_supervisor(request.user):
        return _refused(request, _("只有司法局监督管理人员可以管理村（居）法律顾问"))
    errors: dict[str, list[str]] = {}
    form_name, status = "", 200
    if request.method == "POST":
        form_name = request.POST.get("action", "")
        try:
            if form_name == "adviser":
                advisers.register_adviser(request.user, request.POST.dict())
                messages.success(request, _("法律顾问已登记"))
            elif form_name == "village":
                raw = request.POST.get("adviser", "")
                pk = int(raw) if raw.isdigit() else 0
                advisers.assign_village(request.user, pk, request.POST.dict())
                messages.success(request, _("服务村（社区）已安排"))
            return redirect("adviser_register")
        except DomainError as exc:
            status, errors = exc.status, _fields(exc)
            messages.error(request, exc.detail)
    rows = [advisers.adviser_json(a) for a in advisers.visible_advisers(request.user)]
    accounts = User.objects.filter(
        is_active=True, memberships__role=Role.LEGAL_ADVISER, legal_adviser__isnull=True
    ).distinct()
    context: dict[str, Any] = {
        "advisers": rows,
        "coverage": advisers.coverage(),
        "counts": advisers.service_counts(timezone.localdate().year)["kinds"],
        "offices": Organization.objects.filter(kind=OrgKind.JUSTICE_BUREAU).exclude(parent=None),
        "villages": advisers.villages().order_by("region", "pk"),
        "accounts": [(u.pk, f"{u.last_name}{u.first_name}" or u.username) for u in accounts],
        "kinds": list(AdviserKind),
        "errors": errors,
        "form_name": form_name,
        "post": request.POST if request.method == "POST" else {},
        "nav": "advisers",
    }
    return render(request, "county/advisers.html", context, status=status)

"""The bureau's training page (调解员培训、考评): record a session with who attended, add
attendance once it took place, and set a mediator's yearly assessment. Thin: the same calls
as the API (mediation.county.training), refusals shown by their fields."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models.functions import Concat
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.county import training
from mediation.errors import DomainError
from mediation.law.choices import Role
from mediation.law.training import MediatorAssessment
from mediation.models import MediatorGrade

from .. import AuthedRequest


def _body(request: AuthedRequest) -> dict[str, Any]:
    data: dict[str, Any] = request.POST.dict()
    data["attendees"] = request.POST.getlist("attendees")
    return data


@login_required
def training_page(request: AuthedRequest) -> HttpResponse:
    if not policies.is_supervisor(request.user):
        return render(
            request,
            "error.html",
            {"message": _("只有司法局监督管理人员可以登记培训和考评")},
            status=403,
        )
    year = timezone.localdate().year
    errors: dict[str, list[str]] = {}
    form_name, status = "", 200
    if request.method == "POST":
        form_name = request.POST.get("action", "")
        try:
            if form_name == "session":
                training.record_session(request.user, _body(request))
                messages.success(request, _("培训已登记"))
            elif form_name == "attendance":
                raw = request.POST.get("session", "")
                pk = int(raw) if raw.isdigit() else 0
                training.add_attendance(request.user, pk, _body(request))
                messages.success(request, _("出勤已登记"))
            elif form_name == "assessment":
                training.grade_mediator(request.user, request.POST.dict())
                messages.success(request, _("考评等次已保存"))
            return redirect("training_page")
        except DomainError as exc:
            status = exc.status
            errors = {k: [str(m) for m in v] for k, v in exc.errors.items()}
            messages.error(request, exc.detail)
    mediators = (
        User.objects.filter(is_active=True, memberships__role=Role.MEDIATOR)
        .annotate(full=Concat("last_name", "first_name"))
        .distinct()
        .order_by("pk")
    )
    names = {u.pk: u.full or u.username for u in mediators}
    sessions = [training.session_json(s) for s in training.sessions(year)]
    for s in sessions:
        s["names"] = [names.get(i, str(i)) for i in s["attendees"]]
    grades = [
        {**training.grade_json(g), "name": names.get(g.mediator_id, "")}
        for g in MediatorGrade.objects.filter(year__gte=year - 1).order_by("-year", "mediator_id")
    ]
    context = {
        "nav": "training",
        "year": year,
        "sessions": sessions,
        "grades": grades,
        "mediators": sorted(names.items(), key=lambda kv: kv[0]),
        "choices": list(MediatorAssessment),
        "errors": errors,
        "form_name": form_name,
        "post": request.POST if request.method == "POST" else {},
    }
    return render(request, "county/training.html", context, status=status)

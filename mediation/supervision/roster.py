"""The mediator roster (DESIGN.md §8): who mediates where, of which type, with which
specialties, how many cases each carries now and with what results — and the suggestions
offered when a case is accepted or reassigned. Counts are subqueries, never loops."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Case as When_
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from mediation import policies
from mediation.county import training
from mediation.law.choices import OPEN_STATES, Category, Role
from mediation.law.training import MediatorAssessment
from mediation.models import Case, Membership, NegativeListEntry
from mediation.policies import Actor

from .aggregates import AGREED_OUTCOMES, ENDED_OUTCOMES, rate

ASSESSMENTS = dict(MediatorAssessment.choices)


def _case_count(condition: Q) -> Coalesce:
    rows = (
        Case.objects.filter(condition, mediator_id=OuterRef("pk"))
        .order_by()
        .values("mediator_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


_Rows = TypeVar("_Rows", bound="QuerySet[Any]")  # the plain or the annotated user rows


def _with_rows(qs: _Rows, today: dt.date) -> _Rows:
    """What a roster row shows beside the user: profile, memberships, active negative-list
    entries, this year's training hours and assessment (mediator_json reads them)."""
    qs = qs.annotate(
        training_hours=training.hours_this_year(today.year),
        assessment=training.grade_this_year(today.year),
    )
    return qs.select_related("mediator_profile").prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.select_related("org").order_by("org_id"),
            to_attr="all_memberships",
        ),
        Prefetch(
            "negative_entries",
            queryset=NegativeListEntry.objects.filter(until__gte=today).order_by("-occurred_on"),
            to_attr="active_entries",
        ),
    )


def roster(
    user: Actor,
    *,
    q: str = "",
    specialty: str = "",
    region: str = "",
    org: int | None = None,
    kind: str = "",
    today: dt.date | None = None,
) -> QuerySet[User]:
    """Active users who mediate (role mediator), annotated with load and results."""
    today = today or timezone.localdate()
    User = get_user_model()
    qs = User.objects.filter(is_active=True, memberships__role=Role.MEDIATOR).distinct()
    qs = policies.roster_scope(user, qs)
    qs = qs.annotate(
        full_name=Concat("last_name", "first_name"),
        load=_case_count(Q(state__in=OPEN_STATES)),
        agreed=_case_count(Q(outcome__in=AGREED_OUTCOMES)),
        ended=_case_count(Q(outcome__in=ENDED_OUTCOMES)),
        flagged=Exists(
            NegativeListEntry.objects.filter(mediator_id=OuterRef("pk"), until__gte=today)
        ),
    )
    if q:
        qs = qs.filter(Q(full_name__icontains=q) | Q(username__icontains=q))
    if specialty:
        qs = qs.filter(mediator_profile__specialties__contains=f",{specialty},")
    if kind:
        qs = qs.filter(mediator_profile__kind=kind)
    if region:
        qs = qs.filter(memberships__org__region=region, memberships__role=Role.MEDIATOR)
    if org:
        qs = qs.filter(memberships__org_id=org, memberships__role=Role.MEDIATOR)
    return _with_rows(qs, today)


def entry_json(e: NegativeListEntry) -> dict:
    return {
        "id": e.pk,
        "conduct": e.conduct,
        "occurred_on": e.occurred_on.isoformat(),
        "until": e.until.isoformat(),
        "complaint": e.complaint_id,
    }


def mediator_json(u: Any) -> dict:
    # `u`: a User annotated by roster()/suggest() (load, agreed, ended, all_memberships…)
    profile = getattr(u, "mediator_profile", None)
    specialties = profile.specialty_list if profile else []
    labels = dict(Category.choices)
    orgs: dict[int, dict[str, object]] = {}
    for m in u.all_memberships:
        orgs.setdefault(m.org_id, {"id": m.org_id, "name": m.org.name, "region": m.org.region})
    return {
        "id": u.pk,
        "username": u.get_username(),
        "name": u.full_name or u.get_username(),
        "employment": profile.employment if profile else None,
        "employment_label": profile.get_employment_display() if profile else None,
        "kind": profile.kind if profile else None,
        "kind_label": profile.get_kind_display() if profile else None,
        "specialties": specialties,
        "specialty_labels": [str(labels.get(s, s)) for s in specialties],
        "organizations": list(orgs.values()),
        "load": u.load,
        "agreed": u.agreed,
        "ended": u.ended,
        "success_rate": rate(u.agreed, u.ended),
        "negative_list": [entry_json(e) for e in u.active_entries],
        "training_hours": f"{u.training_hours:.1f}",
        "assessment": u.assessment,
        "assessment_label": str(ASSESSMENTS[u.assessment]) if u.assessment else None,
    }


def suggest(case: Case, *, limit: int | None = None, today: dt.date | None = None) -> list[dict]:
    """Mediators of the case's organisation for accept/reassign, best first: specialty in
    the dispute's category, then the case's township, then the lightest current load.
    Each carries its negative-list entries so the form can warn."""
    today = today or timezone.localdate()
    qs = policies.assignable_mediators(case.org_id).annotate(
        full_name=Concat("last_name", "first_name"),
        load=_case_count(Q(state__in=OPEN_STATES)),
        agreed=_case_count(Q(outcome__in=AGREED_OUTCOMES)),
        ended=_case_count(Q(outcome__in=ENDED_OUTCOMES)),
        specialty_match=When_(
            When(mediator_profile__specialties__contains=f",{case.category},", then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        # No township on the case: nobody matches, and no query is made for it (a sentinel
        # value here was a NUL byte, which PostgreSQL refuses: #31).
        region_match=When_(
            When(
                Exists(Membership.objects.filter(user_id=OuterRef("pk"), org__region=case.region)),
                then=Value(1),
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
        if case.region
        else Value(0, output_field=IntegerField()),
    )
    qs = _with_rows(qs, today)
    qs = qs.order_by("-specialty_match", "-region_match", "load", "pk")
    if limit:
        qs = qs[:limit]
    out = []
    for u in qs:
        row = mediator_json(u)
        row["specialty_match"] = bool(u.specialty_match)
        row["region_match"] = bool(u.region_match)
        out.append(row)
    return out

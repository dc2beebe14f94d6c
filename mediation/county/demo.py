"""Demo data for 以案定补 (manage.py seed_demo): this year's and last year's standard, the
ended cases of the people's committees graded by their heads, and last month's sheets
submitted — one approved, one returned — through the same calls the pages use."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone

from mediation.actions import subsidies as grading
from mediation.law.choices import OrgKind, Role
from mediation.law.subsidies import PAID_OUTCOMES
from mediation.models import Case, Membership, SubsidyLine

from . import subsidies

AMOUNTS = {
    "simple": "100",
    "general": "200",
    "difficult": "400",
    "major": "800",
    "extra_written": "50",
    "extra_confirmation": "100",
    "extra_priority": "30",
    "extra_cross_township": "50",
}


def _head(org_id: int) -> User | None:
    found = Membership.objects.filter(org_id=org_id, role=Role.ORG_HEAD).order_by("id").first()
    return found.user if found else None


def seed_subsidies(supervisor: User, now: dt.datetime) -> int:
    """Grade every ended committee case once; returns how many were graded."""
    if SubsidyLine.objects.exists():
        return 0
    for year in (now.year - 1, now.year):
        subsidies.set_standard(supervisor, {"year": year, **AMOUNTS}, now=now)
    cases = (
        Case.objects.filter(org__kind=OrgKind.PEOPLE_COMMITTEE, outcome__in=PAID_OUTCOMES)
        .annotate(last=Max("events__at"))
        .order_by("id")
    )
    graded = 0
    for case in cases:
        head = _head(case.org_id)
        if head is None:
            continue
        at = min(now, (case.last or now) + dt.timedelta(hours=1))
        grade = grading.propose(case)
        grading.grade_case(case.pk, head, {"grade": grade}, now=at)
        graded += 1
    last_month = (timezone.localdate(now).replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    orgs = set(SubsidyLine.objects.filter(month=last_month).values_list("org_id", flat=True))
    for i, org_id in enumerate(sorted(orgs)):
        head = _head(org_id)
        if head is None:
            continue
        subsidies.submit(head, last_month, {"org": org_id}, now=now)
        if i % 3 == 0:
            subsidies.decide(supervisor, last_month, {"org": org_id}, approve=True, now=now)
        elif i % 3 == 1:
            body = {"org": org_id, "reason": "请核对疑难案件的等级理由"}
            subsidies.decide(supervisor, last_month, body, approve=False, now=now)
    return graded

"""Demo data for the county bureau's year (manage.py seed_demo): this year's and last year's
subsidy standard, the ended cases of the people's committees graded by their heads, last
month's sheets submitted (some approved, some returned); trainings, assessments and the
plan's targets — through the same calls the pages use."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone

from mediation.actions import subsidies as grading
from mediation.law.choices import OrgKind, Role
from mediation.law.subsidies import PAID_OUTCOMES
from mediation.models import (
    Case,
    Indicator,
    MediatorGrade,
    Membership,
    SubsidyLine,
    TrainingSession,
)

from . import indicators, subsidies, training

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


def seed_training_and_targets(supervisor: User, now: dt.datetime) -> None:
    """Two held trainings with the committees' mediators, a third announced, last year's
    assessments, and this year's plan targets."""
    if TrainingSession.objects.exists() or Indicator.objects.exists():
        return
    today = timezone.localdate(now)
    mediators = sorted(
        set(
            Membership.objects.filter(
                role=Role.MEDIATOR, org__kind=OrgKind.PEOPLE_COMMITTEE
            ).values_list("user_id", flat=True)
        )
    )
    held = [
        ("《人民调解法》与调解文书制作", "6", today.replace(month=3, day=15), mediators),
        ("婚姻家庭纠纷调解技巧", "3", today.replace(month=6, day=20), mediators[::2]),
    ]
    for topic, hours, day, who in held:
        if day <= today:
            training.record_session(
                supervisor,
                {
                    "topic": topic,
                    "hours": hours,
                    "trainer": "区司法局",
                    "held_on": day.isoformat(),
                    "attendees": who,
                },
                now=now,
            )
    training.record_session(
        supervisor,
        {
            "topic": "矛盾纠纷排查化解",
            "hours": "4",
            "trainer": "区司法局",
            "held_on": (today + dt.timedelta(days=20)).isoformat(),
        },
        now=now,
    )
    grades = ["excellent", "competent", "competent", "basically_competent"]
    for i, user_id in enumerate(mediators):
        if not MediatorGrade.objects.filter(mediator_id=user_id, year=today.year - 1).exists():
            body = {"mediator": user_id, "year": today.year - 1, "grade": grades[i % len(grades)]}
            training.grade_mediator(supervisor, body, now=now)
    for position, (name, metric, target) in enumerate(
        [
            ("人民调解成功率", "success_rate", "95"),
            ("司法确认率", "confirmation_rate", "30"),
            ("矛盾纠纷排查覆盖率", "screening_coverage", "100"),
            ("12348热线咨询解答", "consultations_answered", "100"),
            ("调解员年度培训覆盖率", "training_coverage", "100"),
        ]
    ):
        body = {
            "year": today.year,
            "name": name,
            "metric": metric,
            "target": target,
            "position": position,
        }
        indicators.set_indicator(supervisor, body, now=now)

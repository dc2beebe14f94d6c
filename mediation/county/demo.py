"""Demo data for the county bureau's year (manage.py seed_demo): this year's and last year's
subsidy standard, the ended cases of the people's committees graded by their heads, last
month's sheets submitted (some approved, some returned); trainings, assessments, the
plan's targets, the village legal advisers — through the same calls the pages use."""

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
    LegalAdviser,
    MediatorGrade,
    Membership,
    Organization,
    SubsidyLine,
    TrainingSession,
)

from . import advisers, indicators, subsidies, training

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
            ("村（居）法律顾问覆盖率", "adviser_coverage", "100"),
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


# name, kind, workplace, the township whose 司法所 arranges them, how many of its villages
DEMO_ADVISERS = [
    ("何文华", "lawyer", "宁夏红寺堡律师事务所", "红寺堡镇", 2),
    ("马明", "lawyer", "宁夏红寺堡律师事务所", "太阳山镇", 2),
    ("杨丽", "grassroots_worker", "大河乡法律服务所", "大河乡", 2),
    ("李强", "grassroots_worker", "新庄集乡法律服务所", "新庄集乡", 1),  # one village waits
    ("丁春燕", "lawyer", "宁夏弘德律师事务所", "柳泉乡", 2),
    ("苏建国", "grassroots_worker", "南川乡法律服务所", "南川乡", 2),
    ("金海燕", "lawyer", "宁夏弘德律师事务所", "新民街道", 2),
]
DEMO_SERVICES = [
    ("duty", 1, 0, "每周一村委会值班"),
    ("consultation", 1, 3, "土地流转租金支付咨询"),
    ("duty", 8, 0, "每周一村委会值班"),
    ("mediation", 8, 4, "参与调解宅基地界址纠纷"),
    ("contract_review", 10, 1, "审查村集体枸杞园承包合同"),
    ("lecture", 15, 45, "民法典婚姻家庭编讲座"),
    ("checkup", 22, 0, "村规民约法治体检"),
]


def seed_advisers(supervisor: User, adviser_account: User | None, now: dt.datetime) -> None:
    """Every township's advisers but one village of 新庄集乡, and the demo adviser's month of
    duty days and services (the account `adviser`)."""
    if LegalAdviser.objects.exists():
        return
    for name, kind, workplace, town, count in DEMO_ADVISERS:
        office = Organization.objects.get(name=f"{town}司法所")
        body = {"name": name, "kind": kind, "workplace": workplace, "org": office.pk}
        if name == "何文华" and adviser_account is not None:
            body["user"] = adviser_account.pk
        row = advisers.register_adviser(supervisor, body, now=now)
        for village in advisers.villages().filter(region=town).order_by("pk")[:count]:
            advisers.assign_village(supervisor, row.pk, {"village": village.pk}, now=now)
    if adviser_account is None:
        return
    mine = LegalAdviser.objects.get(user=adviser_account).villages.order_by("pk")
    today = timezone.localdate(now)
    for i, (kind, days_ago, people, note) in enumerate(DEMO_SERVICES):
        on = today - dt.timedelta(days=days_ago)
        body = {
            "kind": kind,
            "on": on.isoformat(),
            "village": mine[i % len(mine)].village_id,
            "people": people,
            "note": note,
        }
        advisers.record_service(adviser_account, body, now=now)

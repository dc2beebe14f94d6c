"""The demo's prevention work (DESIGN.md §10): screening rounds of the committees, some
finding disputes registered as proactive cases, and 12348 / window consultations, through
the same services the pages use. Its people and staff come from mediation.ops.demo."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from mediation.law.choices import Role
from mediation.models import Organization
from mediation.prevention import records as prevention

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# (rng, role, today) -> a party's fields; (organisation, role) -> one of its staff
Person = Callable[[random.Random, str, dt.date], dict[str, Any]]
Staff = Callable[[Organization, str], "User | None"]


def seed_prevention(
    rng: random.Random,
    users: dict[str, User],
    orgs: dict[str, Organization],
    now: dt.datetime,
    *,
    person: Person,
    staff: Staff,
) -> None:
    """Screening rounds of the committees (some found disputes registered as proactive
    cases) and 12348 / window consultations (one registered as a case), through the same
    services the pages use."""
    today = timezone.localdate(now)
    committees = [o for o in orgs.values() if o.kind == "people_committee" and o.region]
    # Most committees screened this month; a few did not, so the supervisor sees them.
    for i, org in enumerate(committees[:-4]):
        screener = staff(org, Role.MEDIATOR) or staff(org, Role.ORG_HEAD)
        if screener is None:
            continue
        start = today.replace(day=1)
        end = max(start, today - dt.timedelta(days=1))
        found = []
        if i % 3 == 0:
            found.append(
                {
                    "summary": f"{org.region}两户村民因宅基地界址争执，情绪激动",
                    "category": "housing_land",
                    "risk": "medium",
                    "parties": [
                        person(rng, "applicant", today),
                        person(rng, "respondent", today),
                    ],
                }
            )
        if i % 4 == 1:
            found.append(
                {"summary": "务工人员反映工程款拖欠，人数较多", "category": "labor", "risk": "high"}
            )
        round_ = prevention.record_screening(
            screener,
            {
                "org": org.pk,
                "period_start": start.isoformat(),
                "period_end": end.isoformat(),
                "places": f"{org.name}辖区各组、集市、在建工地",
                "found": found,
                "note": "逐户走访",
            },
            now=now,
        )
        first = round_.found.order_by("position").first()
        if first is not None and first.parties:
            prevention.register_finding(screener, round_.pk, first.pk, now=now)
    intake = users["intake"]
    questions = [
        ("hotline", "legal_advice", "labor", "老板拖欠三个月工资怎么办？"),
        ("walk_in", "dispute", "neighbour", "邻居在公共通道堆放杂物影响通行。"),
        ("hotline", "legal_aid", "marriage_family", "离婚诉讼请不起律师。"),
        ("hotline", "mediation", "traffic", "交通事故赔偿谈不拢。"),
    ]
    answers = {
        "legal_advice": "可先协商，或申请劳动争议调解、仲裁。",
        "dispute": "建议向村人民调解委员会申请调解。",
        "legal_aid": "经济困难可向法律援助中心申请法律援助。",
        "mediation": "可向交通事故纠纷人民调解委员会申请调解。",
    }
    for channel, topic, category, question in questions:
        caller = person(rng, "applicant", today)
        row = prevention.record_consultation(
            intake,
            {
                "channel": channel,
                "topic": topic,
                "category": category,
                "question": question,
                "answer": answers[topic],
                "caller_name": caller["name"],
                "caller_phone": caller["phone"],
            },
            now=now,
        )
        if topic == "dispute":
            prevention.register_consultation(
                intake,
                row.pk,
                {
                    "org": orgs["红寺堡镇人民调解委员会"].pk,
                    "parties": [
                        {**caller, "role": "applicant"},
                        person(rng, "respondent", today),
                    ],
                },
                now=now,
            )

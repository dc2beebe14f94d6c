"""警调对接 in the demo (DESIGN.md §10, §12.4): the district's two police stations and a
few disputes the 红寺堡 station handed to the township committee, one in each stage of
the link (waiting for the outcome, fed back, handled), driven through the real doors."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from mediation.law.choices import HandoffKind, Role, State
from mediation.models import Case, Handoff, Membership, Organization
from workflows.models import CaseTask
from workflows.services import complete_task, start_police_referral

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# name, short code, region (township)
POLICE_STATIONS = [
    ("红寺堡派出所", "红派", "红寺堡镇"),
    ("太阳山派出所", "太派", "太阳山镇"),
]

# incident number (in the call's year), days ago, the state the committee takes it to,
# the feedback, reviewed
REFERRALS = [
    ("红派接警〔{year}〕0311号", 20, State.AGREED, "双方达成书面调解协议，赔偿已当场给付。", True),
    (
        "红派接警〔{year}〕0358号",
        12,
        State.FAILED,
        "被申请人拒绝调解，已告知双方可向法院起诉。",
        False,
    ),
    ("红派接警〔{year}〕0402号", 2, State.ACCEPTED, "", False),
]
SUMMARIES = [
    "出警查明：两户因院墙排水发生口角并推搡，无人受伤，双方同意由村调委会调解。",
    "出警查明：双方因借款归还发生争吵，互有推搡，经现场劝解后同意申请人民调解。",
    "出警查明：邻居因饲养的羊只啃食庄稼发生纠纷，双方同意由调委会调解赔偿事宜。",
]


def seed_police_referrals(
    users: dict[str, User], orgs: dict[str, Organization], person: Any, drive: Any
) -> int:
    """Once per incident number. `person` and `drive` are the demo's own builders
    (mediation.ops.demo). Returns how many referrals it made."""
    officer = users.get("police")
    if officer is None:
        return 0
    home = orgs["红寺堡镇人民调解委员会"]
    rng = random.Random(110)
    made = 0
    for i, (pattern, ago, target, feedback, reviewed) in enumerate(REFERRALS):
        t = timezone.now() - dt.timedelta(days=ago)
        today = timezone.localdate(t)
        number = pattern.format(year=today.year)
        if Handoff.objects.filter(kind=HandoffKind.POLICE, external_number=number).exists():
            continue
        parties = [person(rng, "applicant", today), person(rng, "respondent", today)]
        for p in parties:  # adults with no guardian: the builder may draw a minor
            p.pop("representative", None)
            p["id_number"] = ""
        body = {
            "org": home.pk,
            "category": "neighbour",
            "summary": SUMMARIES[i],
            "claims": "请求调解解决纠纷。",
            "region": "红寺堡镇",
            "parties": parties,
            "incident_number": number,
        }
        case = start_police_referral(officer, body, now=t)
        drive(case, target, rng, users, orgs, t)
        if feedback:
            _complete(
                case, "police.feedback", _staff(home), {"decision": "submit", "feedback": feedback}
            )
        if reviewed:
            _complete(case, "police.review", officer, {"decision": "accept", "note": "已知悉"})
        made += 1
    return made


def _staff(org: Organization) -> User:
    m = Membership.objects.filter(org=org, role=Role.ORG_HEAD).select_related("user").first()
    assert m is not None  # build_accounts gives every mediating organisation a head
    return m.user


def _complete(case: Case, kind: str, user: User, data: dict[str, Any]) -> None:
    task = CaseTask.objects.get(case=case, kind=kind, status="NEW")
    complete_task(task.pk, user, data)

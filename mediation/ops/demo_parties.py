"""The demo dispute whose two parties take part online (DESIGN.md §12.2): an agreed
neighbour dispute at 红寺堡镇人民调解委员会; each party signs in at /party/ with the phone
below and the code written to media/sms.jsonl (the default SMS backend), reads the
notices, signs the agreement and applies jointly to the court."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import Case, Organization

PHONES = ("13995300101", "13995300102")
SUMMARY = "双方因院墙排水问题发生争执，申请人称被申请人修建院墙导致雨水倒灌。"


def seed_online_dispute(
    users: dict[str, User],
    orgs: dict[str, Organization],
    person: Any,
    drive: Any,
) -> Case | None:
    """Once: the dispute (agreed, both parties' phones above). `person` and `drive` are
    the demo's own builders (mediation.ops.demo)."""
    if Case.objects.filter(summary=SUMMARY, case_parties__party__name="周玉兰").exists():
        return None
    rng = random.Random(12)
    now = timezone.now() - dt.timedelta(days=3)
    today = timezone.localdate(now)
    applicant = {**person(rng, "applicant", today), "name": "周玉兰", "phone": PHONES[0]}
    respondent = {**person(rng, "respondent", today), "name": "韩志强", "phone": PHONES[1]}
    for p in (applicant, respondent):
        p.pop("representative", None)
        p["tags"] = []
        # adults: the demo's builder may draw a minor
        p["id_number"] = ""
    home = orgs["红寺堡镇人民调解委员会"]
    payload = {
        "org": home.pk,
        "channel": "walk_in",
        "category": "neighbour",
        "summary": SUMMARY,
        "claims": "请求被申请人改建排水沟并赔偿损失。",
        "region": "红寺堡镇",
        "parties": [applicant, respondent],
    }
    case = services.register_case(users["intake"], payload, now=now)
    drive(case, State.AGREED, rng, users, orgs, now)
    return case

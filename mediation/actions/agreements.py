"""The agreement row (调解协议) written when a mediation reaches agreement, inside the
`reach_agreement` transition's transaction; the transition's form checked its fields."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from mediation.law.jsonform import Data
from mediation.models import Agreement, Case

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def record_agreement(case: Case, cleaned: Data, user: User | None, now: dt.datetime) -> Agreement:
    """The agreement as the parties reached it (PML arts 28–30): its form, the facts and
    responsibilities, the terms and how and by when they are performed."""
    return Agreement.objects.create(
        case=case,
        form=cleaned["form"],
        facts=cleaned["facts"],
        responsibilities=cleaned["responsibilities"],
        terms=cleaned["terms"],
        performance_method=cleaned["performance_method"],
        performance_due=cleaned["performance_due"],
        effective_date=cleaned["effective_date"],
        concerns_status=cleaned["concerns_status"],
        amount=cleaned.get("amount"),
        created_at=now,
        created_by=user,
    )

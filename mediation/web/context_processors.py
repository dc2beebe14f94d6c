"""Template context every page needs: which desks' links the nav shows for this user, and
their unread alerts (banner and nav counter). Who may use a desk is mediation.policies'."""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest

from mediation import policies
from mediation.county.police import may_use_police_desk
from mediation.county.subsidies import may_see_subsidies
from mediation.law.choices import Role

from . import alerts
from .forms import registrable_orgs
from .views.sms import failure_count


def desks(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def nav() -> dict[str, bool]:
        return {
            "screenings": policies.may_use_screening_desk(user),
            "consultations": policies.may_use_consultation_desk(user),
            "subsidies": may_see_subsidies(user),
            "adviser": policies.has_role_anywhere(user, Role.LEGAL_ADVISER),
        }

    @functools.cache  # the nav and the queue's banner ask once per page
    def sms_failures() -> int | None:
        return failure_count(user)

    # Computed only when a template reads it (error pages, fragments don't).
    return {
        "nav_desks": nav,
        "desk_nav": {
            "register": bool(registrable_orgs(user)),
            "petition": bool(policies.may_transfer_petition(user)),
            "court": bool(policies.may_refer_to_mediation(user)),
            "police": may_use_police_desk(user),
        },
        "alerts": alerts.summary(user),
        # the head's count of undelivered messages to parties (None: not a head)
        "sms_failures": sms_failures,
    }

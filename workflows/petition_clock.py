"""The petition officer's door to the petition's own clocks on its handoff (信访工作条例
2022; DESIGN.md §4.2): record the notice to the petitioner or the one extension of handling.

The clocks and their rules are the law's (mediation.law.petitions); the sweep
(mediation.law.deadlines) announces each open one and the officer sees them on the case.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation import policies
from mediation.actions import services
from mediation.errors import InvalidFields, NotPermitted, NotVisible, StateConflict
from mediation.law import clocks
from mediation.law.choices import HandoffKind, HandoffStatus
from mediation.law.jsonform import errors_of
from mediation.law.limits import Stage
from mediation.law.petitions import ACCEPT_NOTICE, HANDLE, ClockUpdateForm
from mediation.models import Handoff


def update(
    case_id: int, user: User, data: Mapping[str, Any] | None, *, now: dt.datetime | None = None
) -> Handoff:
    """The petition officer records the notice to the petitioner or extends handling."""
    now = now or timezone.now()
    with transaction.atomic():
        handoff = (
            Handoff.objects.select_for_update()
            .filter(case_id=case_id, kind=HandoffKind.PETITION)
            .order_by("-id")
            .first()
        )
        if handoff is None or not policies.can_see(user, handoff.case):
            raise NotVisible(_("案件不存在"))
        if handoff.org_id not in policies.may_transfer_petition(user):
            raise NotPermitted(_("只有转办该信访事项的信访干部可以操作"))
        if handoff.status != HandoffStatus.OPEN:
            # Accepted (办结) or ended with the case: the petition's clocks stopped there.
            raise StateConflict(_("信访事项已办结，期限不能再变更"), handoff.status)
        recorded = (handoff.data or {}).get("clocks") or {}
        form = ClockUpdateForm(data or {}, state=recorded, now=now)
        if not form.is_valid():
            raise InvalidFields(_("提交的内容有误"), errors_of(form))
        d = form.cleaned_data
        state = {k: dict(v) for k, v in recorded.items()}
        if d["action"] == "notified":
            state[ACCEPT_NOTICE]["done_on"] = d["notified_on"].isoformat()
            event = {"petition_clock": ACCEPT_NOTICE, "notified_on": d["notified_on"].isoformat()}
        else:
            current = dt.datetime.fromisoformat(state[HANDLE]["due"])
            longer = clocks.extended(Stage.PETITION_HANDLE, current, days=d["days"])
            state[HANDLE].update(
                due=longer.due.isoformat(),
                basis=longer.basis,
                extended_days=d["days"],
                extension_reason=d["reason"],
            )
            event = {"petition_clock": HANDLE, "due_at": longer.due.isoformat()}
        services.update_handoff_clocks(handoff, state, user, event, now)
    return handoff

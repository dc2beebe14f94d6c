"""The petition's own clocks on the petition handoff (信访工作条例 2022; DESIGN.md §4.2):
the petitioner is told within 15 days of receipt whether the matter is accepted, and the
matter is handled within 60 days of acceptance, with one extension of at most 30.

Kept in the handoff's data as {"clocks": {"accept_notice": …, "handle": …}}; the sweep
(mediation.law.deadlines) announces each open one, the petition officer sees them on the
case, and `update` records the notice or the one extension.
"""

import datetime as dt

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation import policies
from mediation.actions import services
from mediation.errors import InvalidFields, NotPermitted, NotVisible
from mediation.law import clocks
from mediation.law.choices import HandoffKind
from mediation.law.jsonform import JsonForm
from mediation.law.limits import Stage
from mediation.models import Handoff

ACCEPT_NOTICE, HANDLE = "accept_notice", "handle"


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def open_clocks(received_on: dt.date, notified_on: dt.date | None, now) -> dict:
    """The clocks of a petition the bureau received on `received_on` and accepted (by
    transferring it to mediation) `now`."""
    notice = clocks.clock_json(clocks.clock(Stage.PETITION_ACCEPT, _start_of(received_on)))
    notice["done_on"] = notified_on.isoformat() if notified_on else None
    handle = clocks.clock_json(clocks.clock(Stage.PETITION_HANDLE, now))
    handle["extended_days"] = 0
    return {ACCEPT_NOTICE: notice, HANDLE: handle}


class UpdateForm(JsonForm):
    action = forms.ChoiceField(
        label=gettext_lazy("操作"),
        choices=[
            ("notified", gettext_lazy("已告知信访人")),
            ("extend", gettext_lazy("延长办理期限")),
        ],
    )
    notified_on = forms.DateField(label=gettext_lazy("告知日期"), required=False)
    days = forms.IntegerField(label=gettext_lazy("延长天数"), min_value=1, required=False)
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=2000, required=False)

    def __init__(self, data, *, handoff, now):
        super().__init__(data)
        self.handoff, self.now = handoff, now

    def clean(self):
        data = super().clean()
        state = self.handoff.data.get("clocks") or {}
        if data.get("action") == "notified":
            day = data.get("notified_on") or timezone.localdate(self.now)
            if day > timezone.localdate(self.now):
                self.add_error("notified_on", _("日期不能晚于今天"))
            if (state.get(ACCEPT_NOTICE) or {}).get("done_on"):
                self.add_error("action", _("已登记告知信访人"))
            data["notified_on"] = day
        elif data.get("action") == "extend":
            limit = clocks.rule(Stage.PETITION_HANDLE).extension
            if (state.get(HANDLE) or {}).get("extended_days"):
                self.add_error("action", _("办理期限只能延长一次（《信访工作条例》，2022年）"))
            if not data.get("days"):
                self.add_error("days", _("请填写延长天数"))
            elif data["days"] > limit:
                self.add_error(
                    "days",
                    _("延长期限不得超过%(days)d日（《信访工作条例》，2022年）") % {"days": limit},
                )
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("请填写延期理由"))
        return data


def update(case_id, user, data, *, now=None) -> Handoff:
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
        form = UpdateForm(data or {}, handoff=handoff, now=now)
        if not form.is_valid():
            errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
            raise InvalidFields(_("提交的内容有误"), errors)
        d = form.cleaned_data
        state = {k: dict(v) for k, v in (handoff.data.get("clocks") or {}).items()}
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

"""Petition transfer 访调对接 under the 信访工作条例 (2022; DESIGN.md §4.2).

A petition goes to people's mediation only with the petitioner's consent (art 33), and never
a matter that is, or by law must be, settled by litigation, arbitration or administrative
review (涉法涉诉, art 28: 诉讼与信访分离). The petition keeps its own clocks on the
handoff: the petitioner is told within 15 days of receipt whether the matter is accepted,
and the matter is handled within 60 days of acceptance, with one extension of at most 30.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation.law import clocks
from mediation.law.choices import OrgKind
from mediation.law.jsonform import JsonForm
from mediation.law.limits import Stage

# The citations, stated once: the API's error and schema and the desk's form quote them.
CONSENT_LAW = "《信访工作条例》第三十三条"
# Art 33 (checked against the regulation's text): mediation of a 申诉求决 matter with both
# sides' consent. Art 28 (its text checked): 诉讼与信访分离 — petitions seeking a remedy by
# civil, administrative or criminal litigation leave the petition system for the legal
# organs. The item of art 31 once cited here could not be checked, so it is not cited.
LEGAL_PROCEEDINGS_LAW = "《信访工作条例》第二十八条"
REGULATION = "《信访工作条例》，2022年"

CONSENT_LABEL = format_lazy("{}（{}）", gettext_lazy("信访人同意通过调解解决"), CONSENT_LAW)

# The petition's clocks as the handoff's data keeps them: {"clocks": {ACCEPT_NOTICE: …, HANDLE: …}}.
ACCEPT_NOTICE, HANDLE = "accept_notice", "handle"


def transfer_refusals(consented: bool, in_legal_proceedings: bool) -> dict[str, list[str]]:
    """The field errors that keep a petition from people's mediation (arts 33, 28)."""
    errors = {}
    if not consented:
        errors["petitioner_consent"] = [
            _("转交人民调解须经信访人同意，请记录信访人同意调解（%(law)s）") % {"law": CONSENT_LAW}
        ]
    if in_legal_proceedings:
        errors["in_legal_proceedings"] = [
            _(
                "已经或者依法应当通过诉讼、仲裁、行政复议等法定途径解决的事项（涉法涉诉），"
                "不转交人民调解，应告知信访人依法向有关机关提出（%(law)s）"
            )
            % {"law": LEGAL_PROCEEDINGS_LAW}
        ]
    return errors


def notice_day_error(day: dt.date, received_on: dt.date | None, today: dt.date) -> str | None:
    """The petitioner is told of the acceptance after the bureau received the petition and
    before today's end (信访工作条例: sorted within 15 days), never earlier."""
    if day > today:
        return _("日期不能晚于今天")
    if received_on is not None and day < received_on:
        return _("告知日期不能早于信访部门收到信访事项之日（%(day)s）") % {
            "day": received_on.isoformat()
        }
    return None


# Where a petition may go for mediation: a people's mediation committee, or the organ with
# power over the matter; never a court as a mediation case — a matter for a court goes by
# legal procedure (涉法涉诉, 《信访工作条例》第二十八条).
TRANSFER_KINDS = (OrgKind.PEOPLE_COMMITTEE, OrgKind.ADMIN_ORGAN)


def transfer_target_error(kind: str) -> str | None:
    if kind in TRANSFER_KINDS:
        return None
    return _(
        "信访事项只能转交人民调解委员会或有权处理的行政机关调解；应当通过诉讼程序处理的，"
        "按照法律规定的程序处理，不作为调解案件转交法院（%(law)s）"
    ) % {"law": LEGAL_PROCEEDINGS_LAW}


def feedback_due_error(due: dt.datetime, now: dt.datetime) -> str | None:
    """The mediation's feedback falls within the petition's own handling period: 60 days
    from acceptance (the transfer), at most 30 more by extension."""
    handle = clocks.extended(Stage.PETITION_HANDLE, clocks.clock(Stage.PETITION_HANDLE, now))
    if due <= handle.due:
        return None
    return _(
        "反馈期限不得晚于信访事项的办理期限（自受理之日起60日，延长不超过30日，即%(day)s；%(basis)s）"
    ) % {"day": timezone.localdate(handle.due).isoformat(), "basis": handle.basis}


def received_on_of(state: Mapping[str, Mapping[str, Any]]) -> dt.date | None:
    """The day of receipt the notice clock started from."""
    start = (state.get(ACCEPT_NOTICE) or {}).get("start")
    return timezone.localdate(dt.datetime.fromisoformat(start)) if start else None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9)))


def open_clocks(
    received_on: dt.date, notified_on: dt.date | None, now: dt.datetime
) -> dict[str, dict[str, Any]]:
    """The clocks of a petition the bureau received on `received_on` and accepted (by
    transferring it to mediation) `now`."""
    notice = clocks.clock_json(clocks.clock(Stage.PETITION_ACCEPT, _start_of(received_on)))
    notice["done_on"] = notified_on.isoformat() if notified_on else None
    handle = clocks.clock_json(clocks.clock(Stage.PETITION_HANDLE, now))
    handle["extended_days"] = 0
    return {ACCEPT_NOTICE: notice, HANDLE: handle}


class ClockUpdateForm(JsonForm):
    """The petition officer records the notice to the petitioner, or extends handling once."""

    action = forms.ChoiceField(
        label=gettext_lazy("操作"),
        choices=[
            ("notified", gettext_lazy("已告知信访人")),
            ("extend", gettext_lazy("延长办理期限")),
        ],
    )
    notified_on = forms.DateField(label=gettext_lazy("告知日期"), required=False)
    # Bounded whatever the action (a value the schema refuses is refused here too, even
    # where the action ignores it); the statutory limit is the rule's, checked in clean().
    days = forms.IntegerField(
        label=gettext_lazy("延长天数"), min_value=1, max_value=366, required=False
    )
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=2000, required=False)

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        state: Mapping[str, Mapping[str, Any]],
        now: dt.datetime,
    ) -> None:
        super().__init__(data)
        self.state, self.now = state, now

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "notified":
            day = data.get("notified_on") or timezone.localdate(self.now)
            error = notice_day_error(day, received_on_of(self.state), timezone.localdate(self.now))
            if error:
                self.add_error("notified_on", error)
            if (self.state.get(ACCEPT_NOTICE) or {}).get("done_on"):
                self.add_error("action", _("已登记告知信访人"))
            data["notified_on"] = day
        elif data.get("action") == "extend":
            limit = clocks.rule(Stage.PETITION_HANDLE).extension
            if (self.state.get(HANDLE) or {}).get("extended_days"):
                self.add_error("action", _("办理期限只能延长一次（%(law)s）") % {"law": REGULATION})
            if not data.get("days"):
                self.add_error("days", _("请填写延长天数"))
            elif data["days"] > limit:
                self.add_error(
                    "days",
                    _("延长期限不得超过%(days)d日（%(law)s）") % {"days": limit, "law": REGULATION},
                )
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("请填写延期理由"))
        return data


def reopens(failed: bool, consented: bool) -> bool:
    """A petition officer's return reopens the mediation only of a failed case whose parties
    both consent: mediation is voluntary (PML arts 3, 17); an agreement binds the parties."""
    return failed and consented

"""The base of the transition forms (mediation.law.transitions): the form bound to a case,
the consent checkbox, the party-list field and the mediation clocks the forms set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from mediation import policies
from mediation.models import Case, Handoff

from . import clocks
from .choices import Channel, HandoffKind, HandoffStatus
from .jsonform import JsonForm
from .limits import Stage


def open_court_referral(case: Case) -> Handoff | None:
    return (
        case.handoffs.filter(kind=HandoffKind.COURT_REFERRAL, status=HandoffStatus.OPEN)
        .order_by("-id")
        .first()
        if case.channel == Channel.COURT_REFERRAL
        else None
    )


def mediation_clock(case: Case, now: dt.datetime, referral: Handoff | None = None) -> clocks.Clock:
    """The mediation time limit, set at acceptance (mediation.law.clocks). A court referral
    runs from the day the organisation signs for the court's materials — acceptance —
    unless the court's letter fixed its own date."""
    if referral is not None:
        if referral.data.get("due_set_by_court") and referral.due_at:
            basis = _("法院委派/委托调解函指定的调解期限")
            return clocks.fixed_clock(Stage.MEDIATION, now, referral.due_at, basis)
        return clocks.mediation_clock(case, now, referral=referral.data)
    return clocks.mediation_clock(case, now)


def restarted_mediation_clock(case: Case, now: dt.datetime) -> clocks.Clock:
    """Mediation taken up again (resume, reopen): a new period from today."""
    return clocks.clock(Stage.MEDIATION, now, case.network, case.category)


class MustBeTrue(forms.BooleanField):
    """A consent checkbox: absent or false is a field error, not a silent default."""

    def __init__(self, message: StrOrPromise, **kwargs: Any) -> None:
        super().__init__(required=True, error_messages={"required": message}, **kwargs)


class TransitionForm(JsonForm):
    """Base: bound to the case, the acting user and the operation's single `now`."""

    label: StrOrPromise = ""

    def __init__(
        self, data: Mapping[str, Any] | None, *, case: Case, user: User, now: dt.datetime
    ) -> None:
        super().__init__(data)
        self.case, self.user, self.now = case, user, now

    def clean(self) -> dict[str, Any]:
        return self.cleaned_data  # as Form.clean, typed for the forms' super().clean()

    def method_kwargs(self) -> dict[str, Any]:
        return {}

    def event_data(self) -> dict[str, Any]:
        """Extra fields recorded in the CaseEvent (free text stays in the case record)."""
        return {}

    @classmethod
    def field_choices(cls, case: Case) -> dict[str, list[str]]:
        """{field: allowed values} where the law narrows a choice for this case."""
        return {}

    def _org_member(self, user_id: int | str, field: str) -> User | None:
        user, error = policies.assignable_mediator(user_id, self.case.org_id)
        if error:
            self.add_error(field, error)
        return user


class NoteForm(TransitionForm):
    note = forms.CharField(label=gettext_lazy("说明"), max_length=2000)


class PartyIdsField(forms.JSONField):
    """A list of party ids (JSON list, or several form values on a page)."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return list(value)
        return super().to_python(value)

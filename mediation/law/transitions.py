"""Fields and business conditions of each transition (DESIGN.md §3 and §6).

One form per transition: it validates the caller's fields against the case and yields the
keyword arguments of the django-fsm method, plus the rows written beside it. Messages are
the UI's (Chinese, through gettext). The forms live by topic (`forms_mediation`,
`forms_confirmation` on `forms_base`), the rules they cite in `routes`; this module is
their registry and the one description of their fields.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping
from typing import Any, cast

from django import forms
from django.utils import translation
from django.utils.translation import get_language

from mediation.models import Case

from .forms_base import (
    MustBeTrue,
    NoteForm,
    PartyIdsField,
    TransitionForm,
    mediation_clock,
    restarted_mediation_clock,
)
from .forms_confirmation import (
    ConfirmForm,
    RejectConfirmationForm,
    RequestConfirmationForm,
    WithdrawConfirmationForm,
)
from .forms_mediation import (
    AcceptForm,
    ArchiveForm,
    BeginForm,
    CloseForm,
    DeclineForm,
    ExtendForm,
    FailForm,
    ReachAgreementForm,
    ReassignForm,
    RecordResultForm,
    ReferForm,
    ReopenForm,
    ResumeClockForm,
    ResumeForm,
    SuspendClockForm,
    TransferForm,
    WithdrawForm,
)
from .routes import (
    LEGAL_AID_REFUSAL,
    NOT_ARBITRABLE,
    SCOPE_MISMATCH,
    STATUS_OR_TITLE_CATEGORIES,
    WRITTEN_ONLY,
    agreement_forms,
    arbitration_scope,
    court_jurisdiction_error,
    refer_routes,
)

__all__ = [
    "FORMS",
    "LEGAL_AID_REFUSAL",
    "NOT_ARBITRABLE",
    "SCOPE_MISMATCH",
    "STATUS_OR_TITLE_CATEGORIES",
    "TRANSITION_NAMES",
    "WRITTEN_ONLY",
    "MustBeTrue",
    "NoteForm",
    "PartyIdsField",
    "TransitionForm",
    "agreement_forms",
    "arbitration_scope",
    "court_jurisdiction_error",
    "describe_fields",
    "describe_form_fields",
    "mediation_clock",
    "refer_routes",
    "restarted_mediation_clock",
]


FORMS: dict[str, type[TransitionForm]] = {
    "accept": AcceptForm,
    "decline": DeclineForm,
    "transfer": TransferForm,
    "begin": BeginForm,
    "extend": ExtendForm,
    "suspend_clock": SuspendClockForm,
    "resume_clock": ResumeClockForm,
    "reassign": ReassignForm,
    "reach_agreement": ReachAgreementForm,
    "fail": FailForm,
    "withdraw": WithdrawForm,
    "request_confirmation": RequestConfirmationForm,
    "confirm": ConfirmForm,
    "reject_confirmation": RejectConfirmationForm,
    "withdraw_confirmation": WithdrawConfirmationForm,
    "resume": ResumeForm,
    "reopen": ReopenForm,
    "refer": ReferForm,
    "record_result": RecordResultForm,
    "close": CloseForm,
    "archive": ArchiveForm,
}
TRANSITION_NAMES = tuple(FORMS)


_FIELD_TYPES: dict[type[forms.Field], str] = {
    forms.IntegerField: "integer",
    forms.DateField: "date",
    forms.DateTimeField: "datetime",
    forms.ChoiceField: "choice",
    PartyIdsField: "list",
}


# One field as described: (name, {name, label, required, type[, answer]}, choices or None).
Described = tuple[str, dict[str, Any], "tuple[Any, ...] | None"]


def describe_form_fields(
    form_class: type[forms.Form],
    narrowed: Mapping[str, Collection[Any]] | None = None,
    also_required: Collection[str] = (),
) -> list[dict[str, Any]]:
    """The fields of a form as the API and the pages describe them (name, label, required,
    type, choices): the one description of transitions and task decisions alike.
    `narrowed` {field: allowed values} trims choices; `also_required` names fields the
    law requires for this case although the form leaves them optional."""
    narrowed = narrowed or {}
    out: list[dict[str, Any]] = []
    for fname, described, choices in _described(form_class, get_language()):
        item = dict(described)
        if fname in also_required:
            item["required"] = True
        if choices is not None:
            allowed = narrowed.get(fname)
            item["choices"] = [c for c in choices if allowed is None or c in allowed]
        out.append(item)
    return out


@functools.cache
def _described(form_class: type[forms.Form], language: str | None) -> tuple[Described, ...]:
    """What describe_form_fields starts from, per form and language, once per process:
    every queue row offers its transitions with their fields, and translating the same
    labels again for each is not free. The forms' fields and choices are fixed in code
    (no model choice fields)."""
    out: list[Described] = []
    with translation.override(language):
        for fname, field in form_class.base_fields.items():
            kind = _FIELD_TYPES.get(type(field))
            if kind is None:
                kind = "boolean" if isinstance(field, forms.BooleanField) else "string"
            item = {"name": fname, "label": str(field.label), "required": field.required}
            item["type"] = kind
            if isinstance(field, forms.NullBooleanField):
                item["answer"] = True  # yes or no must be said; absent is not "no"
            if isinstance(field, forms.ModelChoiceField):
                raise TypeError(f"{form_class.__name__}.{fname}: its choices would be cached")
            choices = None
            if isinstance(field, forms.ChoiceField):
                # a bound ChoiceField's choices are (value, label) pairs
                pairs = cast("Iterable[tuple[Any, Any]]", field.choices)
                choices = tuple(c for c, _label in pairs)
            out.append((fname, item, choices))
    return tuple(out)


def describe_fields(name: str, case: Case | None = None) -> list[dict[str, Any]]:
    """Field list of a transition for `available_transitions`. With a case, choices are
    narrowed to what the law allows for it (no oral labour agreement, no litigation route
    for a labour dispute)."""
    form_class = FORMS[name]
    if case is None:
        return describe_form_fields(form_class)
    asks = case.category in STATUS_OR_TITLE_CATEGORIES
    return describe_form_fields(
        form_class,
        form_class.field_choices(case),
        ("concerns_status", "concerns_title") if asks else (),
    )

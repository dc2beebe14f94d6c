"""The base of every service form: the same form validates a page's POST (text only) and
an API client's JSON, whose values also come as booleans, numbers, objects, arrays and null.

Django's fields expect text; a JSON value of the wrong kind (`true` where a name or a date
is expected, an object where a number is) would be stored as its Python text or crash
inside the field. Here it is that field's error, so the API answers 400, never 500, and
never accepts what its schema refuses. `null` counts as absent, like a blank field.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeAlias

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from . import days

NUMERIC = (forms.IntegerField, forms.DecimalField, forms.FloatField)
# What the pages send for a checkbox or a yes/no select; any other text ("no", "yes") is
# not a boolean (Django would read every non-empty text but "false" and "0" as true).
PAGE_BOOLEANS = {"true", "false", "on", "1", "0", "True", "False", "unknown", ""}

# A JSON-like body (a request's, an event's data) and the field errors of one.
Data: TypeAlias = dict[str, Any]
Errors: TypeAlias = dict[str, list[str]]


class DeadlineField(forms.DateTimeField):
    """A deadline: a date alone means the END of that day (23:59:59 Asia/Shanghai), as the
    clocks count it; a time is kept."""

    def to_python(self, value: Any) -> dt.datetime | None:
        if isinstance(value, str) and len(value.strip()) == 10:
            moment = days.deadline(value)
            if moment is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return moment
        return super().to_python(value)


def errors_of(form: forms.Form, prefix: str = "") -> Errors:
    """A form's errors as the `errors` of InvalidFields: {field: [message, …]}, the
    form-wide ones under `non_field_errors` (the API's name for them). `prefix` names a form
    within a list ("found[0].")."""
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return {f"{prefix}{k}": v for k, v in errors.items()}


def kind_error(field: forms.Field, value: Any) -> StrOrPromise | None:
    """The message when `value` is not a JSON value this field can take, else None."""
    if value is None or isinstance(field, forms.JSONField):
        return None
    if type(field) is forms.Field:
        return None  # a field that declares no kind (an object its form checks itself)
    if isinstance(field, forms.BooleanField):
        ok = isinstance(value, bool) or (isinstance(value, str) and value in PAGE_BOOLEANS)
        return None if ok else _("应为 true 或 false")
    if isinstance(value, str):
        return None
    if isinstance(field, forms.MultipleChoiceField):
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else _("应为文本列表")
    if isinstance(value, bool | dict | list | tuple):
        if isinstance(field, NUMERIC):
            return _("应为数字")
        if isinstance(field, forms.DateTimeField | forms.DateField):
            return _("应为日期文本")
        return _("应为文本")
    if isinstance(value, int | float | Decimal):
        if isinstance(field, (*NUMERIC, forms.ModelChoiceField, forms.TypedChoiceField)):
            return None
        # A number for a choice of ids (the org pickers) is that id; for text or a date it
        # is a wrong type.
        if isinstance(field, forms.ChoiceField) and isinstance(value, int):
            return None
        if isinstance(field, forms.DateTimeField | forms.DateField):
            return _("应为日期文本")
        return _("应为文本")
    return None  # Python callers (commands, tests) may pass dates and the like


class JsonForm(forms.Form):
    def full_clean(self) -> None:
        wrong: dict[str, StrOrPromise] = {}
        if self.is_bound and type(self.data) is dict:
            for name, field in self.fields.items():
                key = self.add_prefix(name)
                if key in self.data:
                    message = kind_error(field, self.data[key])
                    if message is not None:
                        wrong[name] = message
            if wrong or None in self.data.values():
                self.data = {
                    k: v
                    for k, v in self.data.items()
                    if v is not None and k not in {self.add_prefix(n) for n in wrong}
                }
        super().full_clean()
        for name, message in wrong.items():
            self.cleaned_data.pop(name, None)
            self.errors[name] = self.error_class([str(message)])

"""A form's errors as the `errors` of InvalidFields: {field: [message, …]}, with the
form-wide ones under `non_field_errors` (the API's name for them). One helper for every
JSON form (the intake, the records, the flows' decisions)."""

from __future__ import annotations

from typing import Any, TypeAlias

from django import forms

# A JSON-like body (a request's, an event's data) and the field errors of one.
Data: TypeAlias = dict[str, Any]
Errors: TypeAlias = dict[str, list[str]]


def errors_of(form: forms.Form) -> Errors:
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return errors

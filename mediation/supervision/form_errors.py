"""A JSON form's errors as the `errors` of InvalidFields: {field: [message, …]}, the
form-wide ones under `non_field_errors` (the API's name for them). Shared by the complaint
and prevention records; the same as mediation.actions' helper, which it can fold into."""

from django import forms


def errors_of(form: forms.Form, prefix: str = "") -> dict[str, list[str]]:
    """`prefix` names a form within a list ("found[0].")."""
    errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
    if "__all__" in errors:
        errors["non_field_errors"] = errors.pop("__all__")
    return {f"{prefix}{k}": v for k, v in errors.items()}

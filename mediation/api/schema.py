"""OpenAPI pieces that are derived from the domain rather than from a serializer."""

from django import forms
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

from mediation.transitions import FORMS, MustBeTrue


def _field_schema(field) -> dict:
    if isinstance(field, MustBeTrue):
        return {"type": "boolean", "enum": [True]}
    if isinstance(field, forms.BooleanField):
        return {"type": "boolean"}
    if isinstance(field, forms.IntegerField):
        return {"type": "integer"}
    if isinstance(field, forms.DateTimeField):
        return {"type": "string", "format": "date-time"}
    if isinstance(field, forms.DateField):
        return {"type": "string", "format": "date"}
    if isinstance(field, forms.ChoiceField):
        return {"type": "string", "enum": [c for c, _label in field.choices]}
    schema = {"type": "string"}
    if getattr(field, "max_length", None):
        schema["maxLength"] = field.max_length
    return schema


def transition_schema(name: str) -> dict:
    form = FORMS[name]
    properties = {}
    for fname, field in form.base_fields.items():
        properties[fname] = {**_field_schema(field), "description": str(field.label)}
    schema = {
        "type": "object",
        "title": name,
        "description": f"{name}（{form.label}）",
        "properties": properties,
    }
    required = [f for f, field in form.base_fields.items() if field.required]
    if required:
        schema["required"] = required
    return schema


# The body's shape depends on the `name` path parameter; anyOf (not oneOf) because several
# transitions share a shape (withdraw, resume and reopen all take {"note"}).
TRANSITION_BODY = {
    "anyOf": [transition_schema(name) for name in FORMS],
    "description": "字段取决于路径中的 name，各 name 的字段见下列 schema 的 title",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <key>` (config.tokens, django-rest-knox)."""

    target_class = "config.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )

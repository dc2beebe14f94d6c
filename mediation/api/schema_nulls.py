"""OpenAPI 3.0's `nullable` as OpenAPI 3.1 states it (mediation.api.schema's last step).

The request shapes here write `nullable: true` as drf-spectacular's 3.0 output did; strict
validators (openapi-core) ignore a `nullable` with no `type` beside it, so a nullable
reference (`allOf` + `nullable`) refused every `null` (issue 31)."""

from typing import Any

Schema = dict[str, Any]


def nullable_31(schema: Schema) -> Schema:
    """OpenAPI 3.0's `nullable: true` in the form OpenAPI 3.1 (JSON Schema) states it: a
    `null` type, or a `null` alternative beside a reference. Strict validators ignore a
    `nullable` that has no `type` beside it (issue 31: `allOf` + `nullable`)."""
    if not schema.pop("nullable", False):
        return schema
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"] if "null" not in types else types
        return schema
    for key in ("oneOf", "anyOf"):
        if key in schema:
            schema[key] = [*schema[key], {"type": "null"}]
            return schema
    if "allOf" in schema or "$ref" in schema:
        ref_part = {k: schema.pop(k) for k in ("allOf", "$ref") if k in schema}
        return {"oneOf": [ref_part, {"type": "null"}], **schema}
    return schema  # no type at all: null is already allowed


def null_as_type(node: object) -> None:
    """Every `nullable` the hooks and shapes above wrote, as OpenAPI 3.1 says it."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            null_as_type(value)
            if isinstance(value, dict) and "nullable" in value:
                node[key] = nullable_31(value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            null_as_type(value)
            if isinstance(value, dict) and "nullable" in value:
                node[i] = nullable_31(value)

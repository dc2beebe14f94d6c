"""The API's OpenAPI document as a checker of real responses.

Every `/api/` response a test receives through Django's test client is checked here
(tests/conftest.py): its status must be one the operation documents, and its JSON body
must match the documented schema exactly — no key the schema does not declare, every
required key present, each value of the declared type, `null` only where declared
nullable. So the shapes the serializers declare and the keys the views serve cannot drift
apart without a test failing (issue 16: one source for the API's shapes)."""

import copy
import functools
import json
import os
import re
from pathlib import Path

import jsonschema
from jsonschema import Draft202012Validator
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SKIP_PATHS = ("/api/schema/", "/api/docs/")
COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"
# Responses openapi-core validated, and those it refused (CONTRACT_COUNT=1 counts instead of
# failing: how a schema change is measured over the suite).
STRICT = {"validated": 0, "refused": 0}


class ContractError(AssertionError):
    pass


# (METHOD, path template, status) of every response checked, for coverage assertions.
SEEN: set[tuple[str, str, int]] = set()


def _strict(node):
    """OpenAPI 3.1 (JSON Schema 2020-12) made strict: objects that list their properties
    are closed to other keys; a 3.0 `nullable` left anywhere is still read as a null
    alternative."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    node = {k: _strict(v) for k, v in node.items()}
    types = node.get("type")
    if (types == "object" or (isinstance(types, list) and "object" in types)) and (
        "properties" in node
    ):
        node.setdefault("additionalProperties", False)
    for key in ("readOnly", "writeOnly", "example", "discriminator", "externalDocs", "xml"):
        node.pop(key, None)
    if node.pop("nullable", False):
        if "enum" in node:
            node["enum"] = [*node["enum"], None]
        if "type" in node:
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def document() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@functools.cache
def _components() -> dict:
    return _strict(copy.deepcopy(document()["components"]))


@functools.cache
def _routes() -> list[tuple[re.Pattern, str]]:
    out = []
    for template in document()["paths"]:
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
        out.append((re.compile(f"^{pattern}$"), template))
    # literal paths before templated ones (/api/cases/export.xlsx before /api/cases/{id}/)
    out.sort(key=lambda r: r[1].count("{"))
    return out


def operation(method: str, path: str):
    for pattern, template in _routes():
        if pattern.match(path):
            op = document()["paths"][template].get(method.lower())
            return template, op
    return None, None


def _validator(schema: dict) -> Draft202012Validator:
    root = {**_strict(schema), "components": _components()}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


@functools.cache
def _error_validator():
    return _validator({"$ref": "#/components/schemas/Error"})


def check(method: str, path: str, status: int, content_type: str, content: bytes) -> None:
    if not path.startswith("/api/") or path.startswith(SKIP_PATHS):
        return
    is_json = content_type.split(";")[0].strip() == "application/json"
    body = json.loads(content) if is_json and content else None
    template, op = operation(method, path)
    where = f"{method} {path} → {status}"
    if op is None or status == 500:
        # An unknown path or method, or a bug: still the one error shape.
        if status >= 400:
            if body is None:
                raise ContractError(f"{where}: error without a JSON body")
            _raise_first(_error_validator(), body, where)
        return
    SEEN.add((method.upper(), template, status))
    responses = op["responses"]
    documented = responses.get(str(status))
    if documented is None:
        raise ContractError(f"{where}: status not documented for {template} ({sorted(responses)})")
    content_bytes = content
    content = documented.get("content") or {}
    ctype = content_type.split(";")[0].strip()
    if not content:
        if content_type and status != 204 and (content or is_json):
            raise ContractError(f"{where}: {ctype} answered where {template} documents none")
        strict_check(method, path, status, ctype, content_bytes, where)
        return
    if ctype not in content:
        raise ContractError(f"{where}: {ctype} not documented ({sorted(content)})")
    media = content[ctype]
    if not is_json:
        # A file (PDF, image, workbook): its status and media type are checked above; a
        # JSON Schema says nothing about its bytes, and openapi-core reads them as no string.
        return
    _raise_first(_validator_for(json.dumps(media["schema"], sort_keys=True)), body, where)
    strict_check(method, path, status, ctype, content_bytes, where)


@functools.cache
def _openapi() -> OpenAPI:
    return OpenAPI.from_file_path(str(COMMITTED))


def strict_check(
    method: str, path: str, status: int, ctype: str, content: bytes, where: str
) -> None:
    """The committed document as a strict validator reads it (openapi-core, as a generated
    client's integrator would validate): what JSON Schema dialect quirks the check above
    tolerates (a `nullable` beside a bare `allOf`) fail here."""
    request = MockRequest("http://testserver", method.lower(), path)
    response = MockResponse(content, status_code=status, content_type=ctype)
    errors = list(_openapi().iter_response_errors(request, response))
    STRICT["validated"] += 1
    if not errors:
        return
    STRICT["refused"] += 1
    detail = "; ".join(_describe(e) for e in errors)
    if os.environ.get("CONTRACT_COUNT"):
        with open(os.environ["CONTRACT_COUNT"], "a", encoding="utf-8") as log:
            log.write(f"{where}: {detail}\n")
        return
    raise ContractError(f"{where}: openapi-core refuses the response: {detail}")


def _describe(error: Exception) -> str:
    cause = error.__cause__
    inner = getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None)
    if inner:
        return "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in inner)
    return f"{type(error).__name__}: {error}" + (f" ({cause})" if cause else "")


@functools.cache
def _validator_for(schema_json: str) -> Draft202012Validator:
    return _validator(json.loads(schema_json))


def _raise_first(validator, body, where):
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        at = "/".join(str(p) for p in e.absolute_path)
        raise ContractError(
            f"{where}: body does not match the schema at '{at}': {e.message}"
            + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")
        )


__all__ = ["ContractError", "check", "document", "jsonschema"]

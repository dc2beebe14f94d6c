"""The OpenAPI document's request shapes, derived from the service forms that validate them
(one description of every input field: its type, whether it is required, its length, its
choices, its bounds), and the document-wide rules applied after drf-spectacular has built
it (error responses, operation ids, ASCII names). `make schema` writes docs/openapi.yaml.

A request component is named here and built lazily, when the schema is generated:

    request={"application/json": ref("SessionRequest")}
"""

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeAlias

from django import forms
from django.conf import settings
from django.utils.module_loading import import_string
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework.request import Request

from config.converters import ID_MAX as PATH_ID_MAX
from mediation.law.choices import State
from mediation.law.forms_base import PartyIdsField
from mediation.law.identity import NAME_BLANK, NAME_FORBIDDEN, NameField
from mediation.law.transitions import FORMS, MustBeTrue, TransitionForm
from mediation.models import Case
from mediation.supervision import complaints

from .examples import add_examples
from .operation_ids import OPERATION_IDS
from .schema_nulls import null_as_type

# -- form fields → JSON Schema ------------------------------------------------------------

Schema: TypeAlias = dict[str, Any]  # a JSON Schema / OpenAPI object
Choices: TypeAlias = Sequence[tuple[Any, Any]]  # (value, label) pairs

ID_MAX = 2**63 - 1
# Formats the services check with these patterns (mediation.law.identity); what a pattern
# cannot say (check digits, a birth date in the past) is in the description.
PATTERNS = {
    "id_number": (r"^[0-9]{17}[0-9Xx]$", "18位公民身份号码（校验码、出生日期另行校验）"),
    "phone": (r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$", "手机11位或固定电话"),
    "caller_phone": (r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$", "手机或固定电话"),
    "contact": (r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$", "手机或固定电话"),
    "credit_code": (
        r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$",
        "18位统一社会信用代码",
    ),
}


def _char_class(forbidden: str) -> str:
    """`[^…]` of the forbidden characters, consecutive ones as ranges."""
    points = sorted({ord(c) for c in forbidden})
    parts, i = [], 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        first, last = points[i], points[j]
        parts.append(f"\\u{first:04x}" + (f"-\\u{last:04x}" if last > first else ""))
        i = j + 1
    return "[^" + "".join(parts) + "]"


def text_schema(field: forms.Field, name: str, required: bool) -> Schema:
    """Django's CharField strips surrounding blanks and refuses NUL; a required one refuses
    blank text. Said as a pattern, so a generated client or fuzzer knows."""
    if name in PATTERNS:
        pattern, description = PATTERNS[name]
        schema: Schema = {"type": "string", "pattern": pattern, "description": description}
        if not required:
            schema["pattern"] = f"^$|{pattern}"
        return schema
    forbidden, blank = "\x00", ""
    if isinstance(field, NameField):
        forbidden, blank = "".join(NAME_FORBIDDEN), "".join(NAME_BLANK)
    other = _char_class(forbidden)
    schema = {"type": "string"}
    if required:
        schema["minLength"] = 1
        schema["pattern"] = f"^{other}*{_char_class(forbidden + blank)[:-1]}\\s]{other}*$"
    elif blank:
        # blanks only are stripped to "" (fine); fillers only are refused like a blank name
        schema["pattern"] = f"^(?:\\s*|{other}*{_char_class(forbidden + blank)[:-1]}\\s]{other}*)$"
    else:
        schema["pattern"] = f"^{other}*$"
    if max_length := getattr(field, "max_length", None):
        schema["maxLength"] = max_length
    return schema


def _enum_components() -> dict[frozenset[str], tuple[str, Choices]]:
    """The named enums (settings ENUM_NAME_OVERRIDES) by their set of values."""
    out: dict[frozenset[str], tuple[str, Choices]] = {}
    for name, path in settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].items():
        choices = import_string(path).choices
        out[frozenset(v for v, _label in choices)] = (name, choices)
    return out


USED_ENUMS: dict[str, Choices] = {}


def choice_schema(choices: Choices) -> Schema:
    """A choice of the named enums is a reference to it, so a generated client has one
    `Category` class, not one per request body."""
    values = [v for v, _label in choices]
    named = _enum_components().get(frozenset(values))
    if named is None:
        return {"type": "string", "enum": values}
    USED_ENUMS[named[0]] = named[1]
    return {"allOf": [ref(named[0])]}


def enum_ref(choices: Choices) -> Schema:
    """A reference to the named enum of these choices (for array items)."""
    schema = choice_schema(choices)
    return schema["allOf"][0] if "allOf" in schema else schema


def enum_component(choices: Choices) -> Schema:
    return {
        "enum": [v for v, _label in choices],
        "type": "string",
        "description": "\n".join(f"* `{v}` - {label}" for v, label in choices),
    }


def _choices(field: forms.ChoiceField) -> Choices:
    """A form field's (value, label) pairs: Django normalises `choices` to a list of pairs
    when the field is built (the stubs keep every form it may be given in)."""
    return list(getattr(field, "choices"))  # noqa: B009


def field_schema(field: forms.Field, name: str) -> Schema:
    required = field.required
    schema: Schema
    if isinstance(field, MustBeTrue):
        schema = {"type": "boolean", "enum": [True]}
    elif isinstance(field, forms.BooleanField):  # NullBooleanField too
        schema = {"type": "boolean"}
    elif isinstance(field, forms.DecimalField):  # before IntegerField: Django's subclass
        whole = (field.max_digits or 14) - (field.decimal_places or 0)
        places = field.decimal_places or 0
        # Exact as text; a number is taken too, in the same bounds (1.3's clients send them).
        schema = {
            "type": ["string", "number"],
            "format": "decimal",
            "pattern": ("" if required else "^$|")  # optional: "" is absent
            + rf"^[0-9]{{1,{whole}}}(\.[0-9]{{1,{places}}})?$",
            "minimum": 0,
            "maximum": float(10**whole) - 10.0**-places,
            "description": '金额（元），宜用文本形式，如 "3000.00"（也接受数字）；'
            f"整数至多{whole}位，小数至多{places}位（以数字给出时，小数位数是 JSON Schema "
            "无法准确表达的规则，超出为 400）",
        }
    elif isinstance(field, forms.IntegerField):
        schema = {"type": "integer", "format": "int64"}
        schema["minimum"] = field.min_value if field.min_value is not None else 1
        schema["maximum"] = field.max_value if field.max_value is not None else ID_MAX
    elif isinstance(field, PartyIdsField):  # a JSONField, so before CharField
        schema = {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": ID_MAX},
            "description": "当事人编号（parties[].id）的列表",
        }
    elif isinstance(field, forms.DateTimeField):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(field, forms.DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, forms.MultipleChoiceField):
        values = [v for v, _label in _choices(field) if v != ""]
        schema = {"type": "array", "items": {"type": "string", "enum": values}}
    elif isinstance(field, forms.ChoiceField):
        schema = choice_schema([(v, lab) for v, lab in _choices(field) if v != ""])
    elif isinstance(field, forms.CharField):
        schema = text_schema(field, name, required)
    else:
        schema = {}
    label = str(field.label) if field.label else ""
    if label:
        extra = schema.get("description")
        schema["description"] = f"{label}（{extra}）" if extra else label
    if not required:
        schema["nullable"] = True  # null is an absent field (mediation.law.jsonform)
    return schema


def form_schema(
    form_class: type[forms.Form],
    *,
    only: Iterable[str] | None = None,
    exclude: Iterable[str] = (),
    optional: bool = False,
    extra: Schema | None = None,
    required_extra: Iterable[str] = (),
    description: str = "",
) -> Schema:
    """The JSON object a service form validates. `optional`: every field may be left out
    (corrections). `extra`: properties the service reads beside the form."""
    properties: Schema = {}
    required: list[str] = []
    for name, field in form_class.base_fields.items():
        if (only is not None and name not in only) or name in exclude:
            continue
        properties[name] = field_schema(field, name)
        if field.required and not optional:
            required.append(name)
    properties.update(extra or {})
    required += list(required_extra)
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if description:
        schema["description"] = description
    return schema


# -- named components, built when the schema is generated -----------------------------------

COMPONENTS: dict[str, Callable[[], Schema]] = {}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def component(name: str) -> Callable[[Callable[[], Schema]], Callable[[], Schema]]:
    """Decorator: `name` is the component the function builds."""

    def register(build: Callable[[], Schema]) -> Callable[[], Schema]:
        COMPONENTS[name] = build
        return build

    return register


def _ascii_name(text: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", text) if part)


def transition_component(name: str) -> str:
    return "Transition" + _ascii_name(name)


def _transition_schema(name: str, form: type[TransitionForm]) -> Callable[[], Schema]:
    return lambda: form_schema(form, description=f"{name}（{form.label}）")


for _name, _form in FORMS.items():
    COMPONENTS[transition_component(_name)] = _transition_schema(_name, _form)

# The body's shape depends on the `name` path parameter; anyOf (not oneOf) because several
# transitions share a shape (withdraw, resume and reopen all take {"note"}).
TRANSITION_BODY = {
    "anyOf": [ref(transition_component(name)) for name in FORMS],
    "description": "字段取决于路径中的 name：accept 用 TransitionAccept，以此类推",
}


# -- document-wide rules (a drf-spectacular postprocessing hook) ----------------------------

ERROR_TEXT = {
    400: "输入有误：errors 按字段列出中文提示（当事人字段形如 parties[1].id_number）",
    401: "未登录或令牌无效",
    403: "无权执行此操作（可见该对象但无此权限）",
    404: "不存在或不可见",
    409: "状态冲突：current_state 为案件当前状态",
    412: "If-Match 与当前版本不符：响应头 ETag 为当前版本",
    413: "请求体过大",
    415: "不支持的内容类型（本接口只接受 JSON）",
    429: "请求过于频繁；retry_after 为秒数",
}
ERROR_COMPONENT = {409: "Conflict", 429: "Throttled"}
# Operations that count attempts (the login lockout, the portal's per-address limits).
THROTTLED = {"auth_token", "auth_password", "portal_apply", "complaints_submit"}

CASE_ID = {"id": "$response.body#/id"}
# (target operation, its parameters)
Link: TypeAlias = tuple[str, dict[str, str]]
CASE_LINKS: dict[str, Link] = {
    "GetCase": ("cases_get", CASE_ID),
    "Transition": ("cases_transition", CASE_ID),
    "Events": ("cases_events", CASE_ID),
}
# How one answer leads to the next call (OpenAPI links): a generated client's docs and a
# stateful fuzzer (register → transition → tasks) follow them.
LINKS: dict[tuple[str, str], dict[str, Link]] = {
    ("cases_register", "201"): {
        **CASE_LINKS,
        "AddSession": ("cases_add_session", CASE_ID),
        "FlagRisk": ("cases_flag_risk", CASE_ID),
        "Correct": ("cases_correct", CASE_ID),
        "CorrectParty": (
            "cases_correct_party",
            {"id": "$response.body#/id", "pid": "$response.body#/parties/0/id"},
        ),
        "UploadAttachment": ("case_attachment_upload", CASE_ID),
    },
    ("petitions_transfer", "201"): {
        **CASE_LINKS,
        "UpdateClock": ("petitions_update_clock", CASE_ID),
    },
    ("courts_refer", "201"): CASE_LINKS,
    ("police_refer", "201"): CASE_LINKS,
    ("tasks_list", "200"): {"Complete": ("tasks_complete", {"id": "$response.body#/0/id"})},
    ("tasks_complete", "200"): {"Tasks": ("tasks_list", {})},
    ("complaints_submit", "201"): {
        "GetComplaint": ("complaints_get", {"id": "$response.body#/id"}),
        "Investigate": ("complaints_transition_investigate", {"id": "$response.body#/id"}),
    },
    ("consultations_record", "201"): {
        "Register": ("consultations_register", {"id": "$response.body#/id"}),
    },
    ("screenings_record", "201"): {
        "RegisterFinding": (
            "screenings_register_finding",
            {"id": "$response.body#/id", "fid": "$response.body#/found/0/id"},
        ),
    },
    ("case_attachment_upload", "201"): {
        "Download": (
            "case_attachment_download",
            {"id": "$request.path.id", "aid": "$response.body#/id"},
        ),
    },
}


def _add_links(op: Schema) -> None:
    for (op_id, code), links in LINKS.items():
        if op["operationId"] == op_id and code in op["responses"]:
            op["responses"][code]["links"] = {
                name: {"operationId": target, **({"parameters": params} if params else {})}
                for name, (target, params) in links.items()
            }


def _error_response(code: int) -> Schema:
    return {
        "description": ERROR_TEXT[code],
        "content": {"application/json": {"schema": ref(ERROR_COMPONENT.get(code, "Error"))}},
    }


def _ascii_titles(node: object) -> None:
    """django-filter's labels become parameter titles, and a generated client names its
    enum classes after them (`cases_list_来源渠道.py`): drop non-ASCII titles."""
    if isinstance(node, dict):
        title = node.get("title")
        if isinstance(title, str) and not title.isascii():
            del node["title"]
        for value in node.values():
            _ascii_titles(value)
    elif isinstance(node, list):
        for value in node:
            _ascii_titles(value)


MONTH = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"
ID_PARAMS = {"id", "pid", "aid", "fid", "org", "case", "mediator", "petition_bureau", "court"}
# Query parameters whose empty value means "not given" (the pages' forms send them empty):
# every one (issue 31: `?overdue=` was ignored while `?state=` was a 400), except the
# document's `?version=`, where the empty value asks for the list of versions.
EMPTY_MEANS_ABSENT = {
    "page_size",
    "year",
    "since",
    "limit",
    "all",
    "from",
    "to",
    "network",
    "region",
    "specialty",
    "kind",
    "q",
    "category",
    "channel",
    "created_after",
    "created_before",
    "cursor",
    "month",
    "org",
    "case",
    "mediator",
    "priority",
    "overdue",
    "state",
}


def _tidy_parameters(op: Schema) -> None:
    for param in op.get("parameters", []):
        schema = param.get("schema", {})
        numeric = schema.get("type") in ("integer", "number")
        if param["name"] in ID_PARAMS and (numeric or param["in"] == "path"):
            schema.update(type="integer", minimum=1, maximum=PATH_ID_MAX)
            schema.pop("format", None)
        if param["in"] == "query" and param["name"] in EMPTY_MEANS_ABSENT:
            param["allowEmptyValue"] = True
        plain_text = schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(
            schema
        )
        if param["in"] == "query" and plain_text:
            schema["pattern"] = "^[^\\u0000]*$"  # Django refuses NUL in any text
        if param["name"] == "month" and schema.get("type") == "string":
            schema["pattern"] = MONTH


def _body_required(op: Schema, schemas: Schema) -> None:
    """A body with required fields is itself required (an empty POST is a 400)."""
    body = op.get("requestBody")
    if not body:
        return
    for media in body.get("content", {}).values():
        schema = media.get("schema", {})
        if "$ref" in schema:
            schema = schemas.get(schema["$ref"].rsplit("/", 1)[1], {})
        if schema.get("required") or "anyOf" in schema:
            body["required"] = True


def _transition_edges() -> dict[str, set[str]]:
    """After each transition, the transitions the state machine allows next."""
    edges = list(Case._meta.get_field("state").get_all_transitions(Case))
    by_source: dict[str, set[str]] = {}
    for t in edges:
        by_source.setdefault(t.source, set()).add(t.name)
    out = {"register": by_source.get(State.REGISTERED, set())}
    for t in edges:
        targets = t.target if isinstance(t.target, list | tuple) else [t.target]
        nxt = out.setdefault(t.name, set())
        for target in targets:
            if isinstance(target, str):
                nxt |= by_source.get(target, set())
    return out


def _split_by_name(
    paths: Schema, template: str, names: Iterable[str], make_op: Callable[[Schema, str], None]
) -> None:
    """One operation per value of the `{name}` path parameter, each with its exact body
    (a transition's fields depend on the transition)."""
    item = paths.pop(template, None)
    if item is None:
        return
    op = item["post"]
    for name in names:
        new = {**op, "parameters": [p for p in op.get("parameters", []) if p["name"] != "name"]}
        make_op(new, name)
        paths[template.replace("{name}", name)] = {"post": new}


def _transition_op(op: Schema, name: str) -> None:
    op["operationId"] = f"cases_transition_{name}"
    op["summary"] = f"{name}（{FORMS[name].label}）"
    op["requestBody"] = {
        "content": {"application/json": {"schema": ref(transition_component(name))}}
    }
    op["responses"] = {**op["responses"]}
    op["responses"]["200"] = {**op["responses"]["200"]}


def _complaint_op(op: Schema, name: str) -> None:
    op["operationId"] = f"complaints_transition_{name}"
    op["summary"] = f"{name}（{complaints.TRANSITIONS[name][1]}）"
    op["requestBody"] = {
        "content": {"application/json": {"schema": ref("ComplaintTransition" + name.capitalize())}}
    }


def _transition_links(paths: Schema) -> None:
    edges = _transition_edges()
    case_links = {name: (target, CASE_ID) for name, (target, _p) in CASE_LINKS.items()}
    case_links.pop("Transition", None)

    def links(after: str) -> Schema:
        out = {k: {"operationId": t, "parameters": p} for k, (t, p) in case_links.items()}
        for nxt in sorted(edges.get(after, ())):
            out[_ascii_name(nxt)] = {
                "operationId": f"cases_transition_{nxt}",
                "parameters": CASE_ID,
            }
        out["Tasks"] = {"operationId": "tasks_list"}
        return out

    for item in paths.values():
        for op in item.values():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            op_id = op["operationId"]
            if op_id.startswith("cases_transition_"):
                ok = op["responses"]["200"]
                ok["links"] = links(op_id.removeprefix("cases_transition_"))
            elif op_id in ("cases_register", "petitions_transfer", "courts_refer", "police_refer"):
                created = op["responses"]["201"]
                created.setdefault("links", {}).pop("Transition", None)
                created["links"].update(
                    {k: v for k, v in links("register").items() if k != "Tasks"}
                )


def postprocess(
    result: Schema, generator: SchemaGenerator, request: Request | None, public: bool
) -> Schema:
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, build in sorted(COMPONENTS.items()):
        schemas[name] = build()
    for name, choices in USED_ENUMS.items():
        schemas.setdefault(name, enum_component(choices))
    paths = result.get("paths", {})
    _split_by_name(paths, "/api/cases/{id}/transitions/{name}/", list(FORMS), _transition_op)
    _split_by_name(
        paths,
        "/api/complaints/{id}/transitions/{name}/",
        list(complaints.TRANSITIONS),
        _complaint_op,
    )
    for item in paths.values():
        for op in item.values():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            op["operationId"] = OPERATION_IDS.get(op["operationId"], op["operationId"])
            _tidy_parameters(op)
            _body_required(op, schemas)
            responses = op["responses"]
            codes = set()
            params = op.get("parameters", [])
            if any(p.get("in") == "path" for p in params):
                codes.add(404)
            if any(p.get("in") == "query" for p in params):
                codes.add(400)
            if "requestBody" in op:
                codes |= {400, 413, 415}
            if op.get("security") != [] and {"tokenAuth": []} in op.get("security", [{}]):
                codes.add(401)
            if op["operationId"] in THROTTLED:
                codes.add(429)
            for code in sorted(codes):
                responses.setdefault(str(code), _error_response(code))
            op["responses"] = dict(sorted(responses.items()))
            _add_links(op)
            add_examples(op)
    _transition_links(paths)
    result["paths"] = dict(sorted(paths.items()))
    _ascii_titles(result.get("paths", {}))
    null_as_type(result)
    return result


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """`Authorization: Token <key>` (config.tokens, django-rest-knox)."""

    target_class = "config.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: object) -> Schema:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix="Token"
        )


class LenientTokenScheme(OpenApiAuthenticationExtension):
    """The same `tokenAuth` on endpoints anyone may call (a bad token is ignored there):
    named as a requirement only, its definition is ApiTokenScheme's."""

    target_class = "config.tokens.AnonymousAllowedTokenAuthentication"
    name: list[str] = []
    priority = 1

    def get_security_requirement(self, auto_schema: object) -> dict[str, list[str]]:
        return {"tokenAuth": []}

    def get_security_definition(self, auto_schema: object) -> list[Schema]:
        return []

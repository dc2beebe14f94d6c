"""A schemathesis check of our own (loaded by SCHEMATHESIS_HOOKS in test_schemathesis.py).

Some operations may answer a schema-valid request with 400: a rule JSON Schema cannot
state (an ID number's check digit, an organisation that must mediate, a date relative to
the case) refuses it, and the refusal names its rule. What must never happen is a 400
whose message is one of Django's or DRF's generic field messages ("请填写合法的整数值。",
"该字段不能为 null。", "期望为一个包含物件的列表…"): that is the schema promising a type,
a null or a bound that the validation does not keep — the class of error the old
expected-status blocks hid (`amount`, `applicants`, `summary_procedure`, issue 31)."""

import functools
import inspect
import os
import re
from decimal import Decimal

import schemathesis


@functools.cache
def generic_messages() -> tuple[re.Pattern[str], ...]:
    """Every default field and validator message of Django forms and DRF, in the server's
    language, as patterns (their placeholders match anything)."""
    import django  # lazy: the hook process configures Django only for its messages

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import django.core.validators as validators
    import django.forms.fields as form_fields
    import rest_framework.fields as drf_fields
    import rest_framework.relations as drf_relations
    import rest_framework.serializers as drf_serializers
    from django.core.exceptions import ValidationError
    from django.utils import translation

    texts: set[str] = set()
    with translation.override("zh-hans"):
        for module in (form_fields, drf_fields, drf_relations, drf_serializers):
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                for klass in cls.__mro__:
                    for message in getattr(klass, "default_error_messages", {}).values():
                        texts.add(str(message))
        # The bound validators' messages are plural forms: made by refusing a sample, with
        # their numbers then matched as any number.
        for validator, sample in (
            (validators.MaxLengthValidator(3), "abcdef"),
            (validators.MinLengthValidator(5), "ab"),
            (validators.MaxValueValidator(3), 5),
            (validators.MinValueValidator(3), 1),
            (validators.DecimalValidator(3, 1), Decimal("1234.5")),
            (validators.DecimalValidator(5, 1), Decimal("1.55")),
            (validators.DecimalValidator(3, 2), Decimal("12.5")),
            (validators.RegexValidator("^a$"), "b"),
        ):
            try:
                validator(sample)
            except ValidationError as refusal:
                texts.update(refusal.messages)
    return tuple(_pattern(text) for text in sorted(texts) if text.strip())


def _pattern(text: str) -> re.Pattern[str]:
    placeholder = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[a-z]|[0-9]+")
    parts = placeholder.split(text)
    return re.compile(".*".join(re.escape(p) for p in parts) + r"\Z", re.S)


def is_generic(message: str) -> bool:
    return any(p.match(message) for p in generic_messages())


def _messages(node: object, path: str = ""):
    """(field path, message) of every message in an `errors` object, however nested."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _messages(item, path if isinstance(item, str) else f"{path}[{i}]")
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _messages(value, f"{path}.{key}" if path else str(key))


@schemathesis.check
def schema_states_what_is_refused(ctx, response, case):
    meta = getattr(case, "meta", None)
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    try:
        errors = response.json().get("errors") or {}
    except ValueError:
        return None
    generic = [f"{field}: {text}" for field, text in _messages(errors) if is_generic(text)]
    if generic:
        raise AssertionError(
            "A schema-valid request was refused with a generic field message: the schema "
            "is looser than the validation\n" + "\n".join(generic)
        )
    return None

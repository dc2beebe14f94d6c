"""The environment reader of config/settings.py, strict: a value it cannot parse stops the
start with the variable's name instead of quietly becoming a default (`HTTPS=ture` must not
read as false and serve without TLS settings)."""

import re
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE = frozenset({"true", "on", "yes", "y", "1"})
FALSE = frozenset({"false", "off", "no", "n", "0", ""})
FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class StrictEnv(environ.Env):
    @classmethod
    def parse_value(cls, value: Any, cast: Any) -> Any:
        if cast is bool and isinstance(value, str):
            word = value.strip().lower()
            if word in TRUE:
                return True
            if word in FALSE:
                return False
            raise ValueError(f"not a boolean: {value!r} (true/false, on/off, yes/no, 1/0)")
        if cast is float and isinstance(value, str):
            # django-environ drops every non-digit ("1.5x" -> 1.5); a typo must not pass.
            if not FLOAT.fullmatch(value.strip()):
                raise ValueError(f"not a number: {value!r}")
            return float(value)
        if cast is int and isinstance(value, str):
            return int(value.strip())
        return super().parse_value(value, cast)

    def get_value(
        self,
        var: str,
        cast: Any = None,
        default: Any = environ.Env.NOTSET,
        parse_default: bool = False,
    ) -> Any:
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"{var}: {exc}") from None

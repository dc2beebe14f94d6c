"""The API's JSON bodies: DRF's JSONRenderer, with orjson writing the compact form.

Why: encoding with the standard library is a real share of a queue page's CPU; orjson
writes the same bytes several times faster. What it cannot write as DRF would goes
through DRF's own encoder, unchanged:
datetimes, dates and times (DRF writes "Z" for UTC), dataclasses (DRF refuses them), lazy
translations, decimals, querysets and generators (DRF's `default`), integers beyond
64 bits, and indented output (`; indent=` in Accept, the browsable API).
tests/api/test_renderers.py compares the bytes of both on every kind of value and on the
API's own answers.

Two differences, both in floats (the API writes amounts as strings): a NaN or infinite
float, which DRF's strict encoder refuses with a 500, is written as null; an exponent has
no leading zero (1e-7 where DRF writes 1e-07, the same number).
"""

from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_OPTIONS |= orjson.OPT_PASSTHROUGH_DATACLASS
_default = JSONEncoder().default


class FastJSONRenderer(JSONRenderer):
    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        fast = not self.ensure_ascii and self.compact and self.encoder_class is JSONEncoder
        if fast and self.get_indent(accepted_media_type or "", renderer_context or {}) is None:
            try:
                out = orjson.dumps(data, default=_default, option=_OPTIONS)
            except orjson.JSONEncodeError:
                pass  # DRF's encoder says what is wrong, as it always did
            else:
                # As DRF does: these two are valid JSON but end a line in JavaScript.
                if b"\xe2\x80\xa8" in out or b"\xe2\x80\xa9" in out:
                    out = out.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                        b"\xe2\x80\xa9", b"\\u2029"
                    )
                return out
        return super().render(data, accepted_media_type, renderer_context)

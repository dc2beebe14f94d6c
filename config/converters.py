"""URL converters: `<id:pk>` is a row id of at most 18 digits, so it always fits the
database's integer; a longer number is a 404 like any id that does not exist, never an
overflow (and the OpenAPI document says so: mediation.api.schema)."""

from django.urls import register_converter

ID_MAX = 10**18 - 1


class IdConverter:
    regex = r"[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

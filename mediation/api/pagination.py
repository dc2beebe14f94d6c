"""Keyset (cursor) pagination over the queue order: priority first, newest first.

DRF's CursorPagination keys on the first ordering field only and falls back to an offset
for ties; with a boolean first field that offset grows with the table. This cursor holds
the whole sort key (priority, created_at, id), so every page is one indexed range scan.

A page is read in two steps: the ids of the page from the case table alone (the index
range, stopped after one page), then those rows with their joins and prefetches (the
view's `page_rows(ids)` where it has one: the ids already passed its visibility).
PostgreSQL estimates a row-value comparison at one row, so with the joins in the same
query it hashed every row past the cursor before sorting; the two-step page stays one
index range scan at any depth.
"""

import base64
import binascii
import datetime as dt
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

# The whole sort key of a queue row: (priority, created_at, id).
QueueKey: TypeAlias = tuple[bool, dt.datetime, int]
ReadIds: TypeAlias = Callable[[QueueKey | None, bool, int], list[int]]
ReadRows: TypeAlias = Callable[[list[int]], Iterable[Any]]


def _encode(key: QueueKey, reverse: bool) -> str:
    priority, created_at, pk = key
    raw = json.dumps([int(priority), created_at.isoformat(), pk, int(reverse)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(value: str) -> tuple[QueueKey, bool]:
    try:
        padded = value + "=" * (-len(value) % 4)
        priority, created, pk, reverse = json.loads(base64.urlsafe_b64decode(padded).decode())
        created_at = dt.datetime.fromisoformat(created)
        if created_at.tzinfo is None or not isinstance(pk, int) or not 0 <= pk < 2**63:
            raise ValueError
        return (bool(priority), created_at, pk), bool(reverse)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise NotFound(_("无效的翻页游标")) from None


def _sort_key() -> Tuple:
    return Tuple(F("priority"), F("created_at"), F("id"))


def _after(key: QueueKey) -> TupleLessThan:
    """Rows after `key` in (-priority, -created_at, -id) order, as one row-value comparison
    `(priority, created_at, id) < (…)` so the database seeks into the queue index instead
    of filtering its way down to the cursor."""
    return TupleLessThan(_sort_key(), key)


def _before(key: QueueKey) -> TupleGreaterThan:
    return TupleGreaterThan(_sort_key(), key)


ORDERING = ("-priority", "-created_at", "-id")


def ordered(queryset: QuerySet[Any], key: QueueKey | None, reverse: bool) -> QuerySet[Any]:
    """The queue in page order from the cursor `key` (None: from the start): forward in
    ORDERING, or backward (a previous page) in the opposite order."""
    if reverse:
        queryset = queryset.order_by("priority", "created_at", "id")
        return queryset if key is None else queryset.filter(_before(key))
    queryset = queryset.order_by(*ORDERING)
    return queryset if key is None else queryset.filter(_after(key))


class QueueCursorPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    ordering = ORDERING

    def get_page_size(self, request: Request) -> int:
        """1–MAX_PAGE_SIZE as documented; anything else is a 400 (it was silently clamped)."""
        raw = request.query_params.get(self.page_size_query_param)
        if not raw:  # absent or empty (an empty query value is absent everywhere)
            return DEFAULT_PAGE_SIZE
        if (
            not (raw.isascii() and raw.isdigit())
            or len(raw) > 3
            or not 1 <= int(raw) <= MAX_PAGE_SIZE
        ):
            raise ValidationError(
                {self.page_size_query_param: [_("每页条数应为 1–%(n)d") % {"n": MAX_PAGE_SIZE}]}
            )
        return int(raw)

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        def read_ids(key: QueueKey | None, reverse: bool, limit: int) -> list[int]:
            return list(ordered(queryset, key, reverse).values_list("pk", flat=True)[:limit])

        # A view may read a page's rows its own way (CaseViewSet.page_rows).
        read_rows: ReadRows = getattr(view, "page_rows", None) or (
            lambda ids: queryset.filter(pk__in=ids)
        )
        return self.paginate_ids(read_ids, read_rows, request)

    def paginate_ids(self, read_ids: ReadIds, read_rows: ReadRows, request: Request) -> list[Any]:
        """The page whose ids `read_ids(key, reverse, limit)` reads: the first `limit` ids
        of the visible, filtered queue in `ordered`'s order from the cursor `key`; its rows
        by `read_rows(ids)`, in any order."""
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        key, reverse = _decode(raw) if raw else (None, False)
        ids = read_ids(key, reverse, size + 1)
        more = len(ids) > size
        ids = ids[:size]
        by_id = {row.pk: row for row in read_rows(ids)}
        rows = [by_id[i] for i in ids if i in by_id]
        if reverse:
            rows.reverse()
            self.has_next, self.has_previous = key is not None, more
        else:
            self.has_next, self.has_previous = more, key is not None
        self.page = rows
        return rows

    @staticmethod
    def _key(obj: Any) -> QueueKey:
        return (obj.priority, obj.created_at, obj.pk)

    def _link(self, key: QueueKey, reverse: bool) -> str:
        return replace_query_param(self.base_url, self.cursor_query_param, _encode(key, reverse))

    def get_next_link(self) -> str | None:
        if not self.has_next or not self.page:
            return None
        return self._link(self._key(self.page[-1]), False)

    def get_previous_link(self) -> str | None:
        if not self.has_previous:
            return None
        if not self.page:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(self._key(self.page[0]), True)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            OrderedDict(
                [
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "翻页游标（取自 next / previous 链接）",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"每页条数（1–{MAX_PAGE_SIZE}，默认 {DEFAULT_PAGE_SIZE}）",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]


# -- the one list shape for lists served whole ---------------------------------------------

_PAGES: dict[str, type[serializers.Serializer]] = {}


def one_page(results: Any, count: int | None = None) -> dict[str, Any]:
    """A list served on one page, in the shape of every list (docs/api.md "Lists"):
    `count` the rows there are (more than `results` only where a cap cut the list)."""
    total = len(results) if count is None else count
    return {"count": total, "next": None, "previous": None, "results": results}


def page_of(child: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of `one_page(...)` of `child` rows, as the component `name`."""
    if name not in _PAGES:
        _PAGES[name] = type(
            name,
            (serializers.Serializer,),
            {
                "count": serializers.IntegerField(min_value=0),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": child(many=True),
            },
        )
    return _PAGES[name]


class OnePage(BasePagination):
    """A viewset's list served whole, in the one list shape."""

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        return list(queryset)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(one_page(data))

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "next": link,
                "previous": link,
                "results": schema,
            },
        }

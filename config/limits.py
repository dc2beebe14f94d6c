"""Request bodies are bounded before anything parses them (DESIGN.md §9): an oversized or
absurdly nested body is a 413 or 400 in the API's JSON error shape, never a 500, and never
read into memory in full.

- `BodyLimitMiddleware` (ASGI, outermost): refuses a declared Content-Length over the limit
  at once, and counts the bytes of a streamed body, stopping at the limit. Multipart
  uploads may carry up to UPLOAD_MAX_BYTES, every other body DATA_UPLOAD_MAX_MEMORY_SIZE.
- `BoundedJSONParser` (DRF): the same limit for JSON under any server, and a nesting limit.
"""

import json
from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant as json_strict_constant

from config.asgi_types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_DEPTH = 32


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(_("请求体过大（上限 %(size)s 字节）") % {"size": limit})


def limit_for(content_type: str) -> int:
    if content_type.split(";")[0].strip().lower() == "multipart/form-data":
        return settings.UPLOAD_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class _Overflow(Exception):
    pass


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        limit = limit_for(headers.get(b"content-type", b"").decode("latin1"))
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False
            if too_big:
                return await self._refuse(send, limit)
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _Overflow
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _Overflow:
            if not started:
                await self._refuse(send, limit)

    @staticmethod
    async def _refuse(send: Send, limit: int) -> None:
        body = json.dumps(
            {"detail": str(BodyTooLarge(limit).detail), "errors": {}}, ensure_ascii=False
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _too_deep(value: object, depth: int = 0) -> bool:
    if depth > MAX_JSON_DEPTH:
        return True
    if isinstance(value, dict):
        return any(_too_deep(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_too_deep(v, depth + 1) for v in value)
    return False


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge(limit)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            # NaN and Infinity are not JSON (DRF's STRICT_JSON): refused like DRF does.
            data = json.loads(raw.decode(encoding), parse_constant=json_strict_constant)
        except RecursionError:
            raise ParseError(_("JSON 嵌套层级过深")) from None
        except ValueError as exc:
            raise ParseError(_("JSON 格式错误：%(error)s") % {"error": exc}) from None
        if _too_deep(data):
            raise ParseError(_("JSON 嵌套层级过深"))
        return data

"""`Idempotency-Key` on the creating POSTs (DESIGN.md §12.3), one decorator for every such
view: the same key and body within 24 h get the first answer again (same status and body,
with `Idempotent-Replayed: true`); the same key with another body is a 422.

The key's row is inserted first, inside the request's own transaction, and holds the unique
index until that transaction commits with the answer: a concurrent duplicate's insert waits
on it (PostgreSQL) or its transaction waits for the single writer (SQLite), then reads the
answer. Like Stripe, every answer is kept except a 5xx (rolled back with the request) and a
429 (the request was not looked at): a 400 replays as a 400, a 409 as a 409.
"""

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from mediation.errors import InvalidFields, KeyReused
from mediation.models import IdempotencyKey
from mediation.models.idempotency import KEPT
from mediation.ops.ratelimit import client_ip

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_LENGTH = 255
NOT_KEPT = {429}  # and every 5xx
SWEEP_EVERY = dt.timedelta(minutes=1)

KEY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[!-~]+$"},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "幂等键（可选，1–255 个可见 ASCII 字符，建议用 UUID）：24 小时内以同一键、"
        "同一请求体重发，返回第一次的应答（状态码与内容相同，另带 Idempotent-Replayed: true），"
        "不会重复创建；同一键用于不同的请求体为 422。键按登录用户区分（匿名时按来源地址）。"
        "除 5xx 与 429 外，每个应答（包括 400、409）都会被保存并重放。"
    ),
)
REPLAYED_HEADER = OpenApiParameter(
    REPLAYED,
    {"type": "string", "enum": ["true"]},
    OpenApiParameter.HEADER,
    response=True,
    description="重放的应答（同一幂等键的第一次应答）带此头",
)
# The parameters of every operation that takes a key.
PARAMETERS = [KEY_PARAMETER, REPLAYED_HEADER]

_last_sweep: list[dt.datetime] = []

# A view's handler: (view, request, *path arguments) -> Response.
Handler = TypeVar("Handler", bound=Callable[..., Response])


def _scope(request: Request) -> str:
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"addr:{client_ip(request)}"


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_LENGTH or not all("!" <= c <= "~" for c in key):
        message = _("幂等键须为 1 至 255 个可见 ASCII 字符")
        raise InvalidFields(message, {HEADER: [message]})
    return key


def _file_digest(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)  # the handler reads it again
    return digest.hexdigest()


def fingerprint(request: Request) -> str:
    """The request as the key binds it: method, path and the body as canonical JSON; an
    uploaded file by its content's SHA-256 (a form's fields and a file's name say nothing
    of what was sent)."""
    data: Any = request.data
    if request.FILES:
        data = {k: data.getlist(k) for k in data if k not in request.FILES}
        data["files"] = {
            name: [_file_digest(f) for f in request.FILES.getlist(name)] for name in request.FILES
        }
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _sweep(now: dt.datetime) -> None:
    """Expired keys go, at most once a minute per process (a key past 24 h is also ignored
    where it is read, so the sweep only keeps the table small)."""
    if _last_sweep and now - _last_sweep[0] < SWEEP_EVERY:
        return
    _last_sweep[:] = [now]
    IdempotencyKey.objects.filter(created_at__lt=now - KEPT).delete()


def _claim(scope: str, key: str, print_: str, now: dt.datetime) -> tuple[IdempotencyKey, bool]:
    IdempotencyKey.objects.filter(scope=scope, key=key, created_at__lt=now - KEPT).delete()
    return IdempotencyKey.objects.get_or_create(
        scope=scope, key=key, defaults={"fingerprint": print_, "created_at": now}
    )


def _stored(data: Any) -> str:
    return json.dumps(data, cls=JSONEncoder, ensure_ascii=False)


def _replay(row: IdempotencyKey, print_: str) -> Response:
    if row.fingerprint != print_:
        message = _("此幂等键已用于另一个请求（请求体不同）；新的请求请使用新的幂等键")
        raise KeyReused(message, {HEADER: [message]})
    assert row.status is not None  # set before the first request's transaction committed
    replay = Response(json.loads(row.body), status=row.status)
    replay[REPLAYED] = "true"
    return replay


def idempotent(handler: Handler) -> Handler:
    """Wrap a creating POST handler of an APIView (the key is optional: without it the
    request runs as before)."""

    @functools.wraps(handler)
    def wrapper(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = _key(request)
        if key is None:
            return handler(view, request, *args, **kwargs)
        scope, print_, now = _scope(request), fingerprint(request), timezone.now()
        # A retry of a finished request: one indexed read, no transaction, no write lock.
        done = (
            IdempotencyKey.objects.filter(scope=scope, key=key, created_at__gte=now - KEPT)
            .exclude(status=None)
            .first()
        )
        if done is not None:
            return _replay(done, print_)
        _sweep(now)
        with transaction.atomic():
            row, first = _claim(scope, key, print_, now)
            if not first:  # it finished while this request waited for it
                return _replay(row, print_)
            try:
                with transaction.atomic():  # a refused request leaves nothing behind
                    response = handler(view, request, *args, **kwargs)
            except Exception as exc:  # answered as DRF would; an unhandled one re-raises
                response = view.handle_exception(exc)
            if response.status_code >= 500 or response.status_code in NOT_KEPT:
                row.delete()
            else:
                row.status, row.body = response.status_code, _stored(response.data)
                row.save(update_fields=["status", "body"])
        return response

    return cast(Handler, wrapper)

"""Websocket routes and the origin check in front of them (DESIGN.md §5)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import validate_host
from django.urls import path

from .consumers import EventsConsumer
from .video import VideoConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    # an online session's signalling, in its own group (DESIGN §12.6)
    path("ws/video/<int:sid>/", VideoConsumer.as_asgi()),
]


class OriginValidator:
    """The socket's Origin must be the site's own origin: scheme, host and port, as a
    browser writes it (Channels' ALLOWED_HOSTS check compares the host only, so
    `http://site:8080` or plain http passed for an https site). The site's origin is the
    scheme the socket came in on (wss, or https from a trusted proxy's X-Forwarded-Proto)
    with the Host header, whose host must be in ALLOWED_HOSTS; an origin listed in
    CSRF_TRUSTED_ORIGINS is also accepted (a proxy that rewrites Host).

    A request without any Origin header is not a browser (browsers always send one on
    websockets), so it is let in with its cookies removed; it can then only authenticate
    with an API token. A page on a foreign origin therefore never rides a user's session
    cookie."""

    def __init__(self, application: Any) -> None:
        self.application = application

    # ASGI's scope, receive and send (channels ships no types).
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = scope.get("headers", [])
        origins = [v for n, v in headers if n == b"origin"]
        if not origins:
            scope = dict(scope, headers=[(n, v) for n, v in headers if n != b"cookie"])
            return await self.application(scope, receive, send)
        if len(origins) == 1 and same_origin(scope, origins[0].decode("latin1")):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


def _port(scheme: str, port: int | None) -> int:
    return port if port is not None else (443 if scheme == "https" else 80)


def _secure(scope: dict[str, Any]) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy:
        return False
    name = proxy[0].removeprefix("HTTP_").lower().replace("_", "-").encode("latin1")
    values = [v.decode("latin1") for n, v in scope.get("headers", []) if n == name]
    return bool(values) and values[0].split(",")[0].strip() == proxy[1]


def same_origin(scope: dict[str, Any], origin: str) -> bool:
    try:
        parsed = urlsplit(origin)
        origin_port = _port(parsed.scheme, parsed.port)
    except ValueError:
        return False
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return False
    canonical = f"{parsed.scheme}://{parsed.hostname}:{origin_port}"
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        t = urlsplit(trusted)
        if (
            "*" not in trusted
            and canonical == f"{t.scheme}://{t.hostname}:{_port(t.scheme, t.port)}"
        ):
            return True
    scheme = "https" if _secure(scope) else "http"
    hosts = [v.decode("latin1") for n, v in scope.get("headers", []) if n == b"host"]
    try:
        site = urlsplit("//" + hosts[0]) if hosts else None
        host = site.hostname if site else parsed.hostname
        port = _port(scheme, site.port if site else None)
    except ValueError:
        return False
    allowed = settings.ALLOWED_HOSTS or (
        [".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else []
    )
    return (
        parsed.scheme == scheme
        and parsed.hostname == host
        and origin_port == port
        and validate_host(host or "", allowed)
    )


def websocket_application() -> OriginValidator:
    return OriginValidator(AuthMiddlewareStack(_router()))


def _router() -> URLRouter:
    return URLRouter(websocket_urlpatterns)

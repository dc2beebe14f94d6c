"""Websocket routes and the origin check in front of them (DESIGN.md §5)."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from channels.security.websocket import OriginValidator as _OriginValidator
from django.urls import path

from .consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
]


class OriginValidator(_OriginValidator):
    """Origin must be one of ALLOWED_HOSTS, as in Channels, with one addition: a request
    without any Origin header is not a browser (browsers always send one on websockets),
    so it is let in with its cookies removed; it can then only authenticate with an API
    token. A page on a foreign origin therefore never rides a user's session cookie."""

    # ASGI's scope, receive and send (channels ships no types).
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        headers = scope.get("headers", [])
        if scope.get("type") == "websocket" and not any(n == b"origin" for n, _ in headers):
            scope = dict(scope, headers=[(n, v) for n, v in headers if n != b"cookie"])
            return await self.application(scope, receive, send)
        return await super().__call__(scope, receive, send)


def websocket_application() -> OriginValidator:
    inner = AuthMiddlewareStack(_router())
    stock = AllowedHostsOriginValidator(inner)
    return OriginValidator(stock.application, stock.allowed_origins)


def _router() -> URLRouter:
    return URLRouter(websocket_urlpatterns)

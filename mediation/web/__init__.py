"""The server-rendered pages: views by desk, their forms, desks and alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class AuthedRequest(HttpRequest):
    """The request of a page behind login_required: its user is signed in (django-stubs'
    recipe; only a type, nothing checks it at run time)."""

    user: User

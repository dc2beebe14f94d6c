"""Finding 3: tokens were stored in clear, never expired, survived a password change and
could not be revoked."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api.conftest import token_for

NEW_PASSWORD = "Ningxia-Hsb#2027"


def client_with(token):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return c


def test_token_is_not_stored_in_clear(world):
    token = token_for(world.head)
    assert len(token) >= 64
    row = AuthToken.objects.get(user=world.head)
    stored = " ".join(str(v) for v in row.__dict__.values())
    assert token not in stored
    assert row.digest != token and len(row.digest) == 128  # SHA-512 hex


def test_delete_revokes_only_the_callers_token(world):
    one, two = token_for(world.head), token_for(world.head)
    assert client_with(one).get("/api/me/").status_code == 200
    r = client_with(one).delete("/api/auth/token/")
    assert r.status_code == 204
    assert client_with(one).get("/api/me/").status_code == 401
    assert client_with(two).get("/api/me/").status_code == 200


def test_delete_without_a_token_is_401(world):
    assert APIClient().delete("/api/auth/token/").status_code == 401


def test_idle_tokens_expire_and_use_keeps_them_alive(world, settings):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        busy, idle = token_for(world.head), token_for(world.head)
        for _ in range(4):
            clock.shift(dt.timedelta(minutes=20))
            assert client_with(busy).get("/api/me/").status_code == 200
        assert client_with(idle).get("/api/me/").status_code == 401
        # …but never past the absolute cap.
        for _ in range(72):
            clock.shift(dt.timedelta(minutes=20))
            client_with(busy).get("/api/me/")
        assert client_with(busy).get("/api/me/").status_code == 401


def test_password_change_kills_every_token(world, settings):
    one, two = token_for(world.head), token_for(world.head)
    r = client_with(one).post(
        "/api/auth/password/",
        {"old_password": settings.DEMO_PASSWORD, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert r.status_code == 200, r.content
    assert "令牌已失效" in r.json()["detail"]
    for token in (one, two):
        assert client_with(token).get("/api/me/").status_code == 401
    assert not AuthToken.objects.filter(user=world.head).exists()
    r = APIClient().post(
        "/api/auth/token/", {"username": "head", "password": NEW_PASSWORD}, format="json"
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"old_password": "wrong", "new_password": NEW_PASSWORD}, "old_password"),
        ({"new_password": NEW_PASSWORD}, "old_password"),
        ({"old_password": "x"}, "new_password"),
    ],
)
def test_password_change_refusals_keep_tokens(world, settings, body, field):
    token = token_for(world.head)
    r = client_with(token).post("/api/auth/password/", body, format="json")
    assert r.status_code == 400 and field in r.json()["errors"]
    assert client_with(token).get("/api/me/").status_code == 200


def test_password_change_needs_login(world):
    r = APIClient().post(
        "/api/auth/password/", {"old_password": "a", "new_password": "b"}, format="json"
    )
    assert r.status_code == 401


def test_revoked_token_cannot_open_a_socket(world):
    from mediation.live.consumers import _token_login

    token = token_for(world.head)
    assert _token_login(token)[0] == world.head
    client_with(token).delete("/api/auth/token/")
    assert _token_login(token) == (None, None)
    assert _token_login("garbage\udcff") == (None, None)


def test_token_rows_are_the_orm_rows(world):
    """The check reads a token's row and its user by hand-written SQL (config.tokens
    .token_rows): the same values as knox's select_related query, an unknown key finds
    nothing, and a token found that way authenticates, refreshes and expires as before
    (the tests above)."""
    from config.tokens import token_rows

    token_for(world.head)
    key = token_for(world.head)
    prefix = key[:15]
    (got,) = token_rows(prefix)
    want = AuthToken.objects.select_related("user").get(token_key=prefix)
    fields = lambda obj: {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}  # noqa: E731
    assert fields(got) == fields(want) and got.pk == want.pk
    assert fields(got.user) == fields(want.user) and got.user.username == "head"
    assert got._state.adding is False and got._state.db == "default"
    assert token_rows("no-such-key-000") == []
    r = client_with(key).get("/api/me/")
    assert r.status_code == 200 and r.json()["username"] == "head"


# The sources of knox's methods that config.tokens.TokenAuthentication copies, as of
# django-rest-knox 5.1.0 (sha256 of inspect.getsource).
KNOX_COPIED = {
    "authenticate_credentials": "9ee8f829395d3547ed79b01b2b58126add48cec33557a5828fa496ca7cf576e0",
    "_cleanup_token": "9d72d60a8a15ca90301a18a9f53742873927656d1d3c71fe7b98e0d32706d9e6",
}


@pytest.mark.parametrize("name", sorted(KNOX_COPIED))
def test_the_copied_knox_methods_are_unchanged(name):
    """config.tokens copies knox's check with its own row lookup; an upgrade of knox that
    changes a copied method must be read into the copy, then the digest updated here."""
    import hashlib
    import inspect

    from knox.auth import TokenAuthentication as Knox

    source = inspect.getsource(getattr(Knox, name))
    assert hashlib.sha256(source.encode()).hexdigest() == KNOX_COPIED[name], (
        f"knox.auth.TokenAuthentication.{name} changed: compare config.tokens with it"
    )


def test_an_expired_token_is_deleted_and_announced(world):
    """As knox does: the expired token presented is deleted and token_expired is sent."""
    from knox.signals import token_expired

    key = token_for(world.head)
    heard = []
    listener = lambda sender, username, source, **kw: heard.append((username, source))  # noqa: E731
    token_expired.connect(listener)
    try:
        AuthToken.objects.filter(user=world.head).update(expiry=timezone.now() - dt.timedelta(1))
        assert client_with(key).get("/api/me/").status_code == 401
    finally:
        token_expired.disconnect(listener)
    assert heard == [("head", "auth_token")]
    assert not AuthToken.objects.filter(user=world.head).exists()

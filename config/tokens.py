"""API tokens (django-rest-knox): stored as a SHA-512 digest, never in clear; each use
pushes the expiry forward (idle timeout, API_TOKEN_IDLE_MINUTES) up to an absolute cap
(API_TOKEN_MAX_HOURS). One place issues, checks and revokes them, for the REST API and for
the websocket's first-message login alike."""

import binascii
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken, get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from mediation.actions.queue_sql import Columns
from mediation.models.case_sql import per_database


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's check, without its sweep of the user's other tokens on every request (one
    query each time); expired tokens are swept when the user logs in again (`issue`)."""

    def authenticate_credentials(self, token: bytes) -> tuple[User, AuthToken]:
        """knox's own (knox.auth, django-rest-knox 5.1.0), line for line, with the token
        rows and their users read by `token_rows`: building and compiling the same
        select_related query through the ORM is a cost every request would pay.
        tests/security/test_tokens.py fails when an upgraded
        knox changes either method copied here, so the copy is compared, not forgotten."""
        msg = _("Invalid token.")
        text = token.decode("utf-8")  # knox rebinds `token`; a name of its own for the str
        for auth_token in token_rows(text[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error):
                raise AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        # knox's, for the token presented only (its sweep of the others is the query saved).
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class AnonymousAllowedTokenAuthentication(TokenAuthentication):
    """For endpoints anyone may call (a complaint): a wrong or expired token is ignored and
    the caller is anonymous, as without one (docs/api.md "Authentication"). A valid token
    still names the caller."""

    def authenticate(self, request: Request) -> tuple[User, AuthToken] | None:
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            return None


def issue(user: User) -> str:
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    _instance, key = AuthToken.objects.create(user)
    return key


def check(key: str) -> tuple[User, AuthToken] | None:
    """(user, token row) for a live token of an active user; None when unknown, expired,
    revoked or the user is inactive."""
    try:
        return TokenAuthentication().authenticate_credentials(key.encode())
    except (AuthenticationFailed, UnicodeError):
        return None


def revoke(token: AuthToken) -> None:
    token.delete()


def revoke_all(user: User) -> int:
    return AuthToken.objects.filter(user=user).delete()[0]


def _token_sql() -> tuple[str, Columns, Columns]:
    token_model, user_model = get_token_model(), get_user_model()
    tokens, users = Columns(token_model, "t"), Columns(user_model, "u")
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    sql = (
        f"SELECT {tokens.sql}, {users.sql} FROM {qn(token_model._meta.db_table)} t "  # nosec B608
        f"INNER JOIN {qn(user_model._meta.db_table)} u "
        f"ON u.{qn(user_model._meta.pk.column)} = t.{qn(token_model.user.field.column)} "
        f"WHERE t.{qn(token_model._meta.get_field('token_key').column)} = %s"
    )
    return sql, tokens, users


def token_rows(token_key: str) -> list[AuthToken]:
    """The token rows with this key, each with its user cached, as
    `AuthToken.objects.filter(token_key=…).select_related("user")` reads them (whole rows,
    through every field's converters; tests/security/test_tokens.py compares the two),
    by SQL written once per database from model metadata."""
    db = connections[DEFAULT_DB_ALIAS]
    token_model = get_token_model()
    sql, tokens, users = per_database(("knox_token",), _token_sql)
    with db.cursor() as cur:
        cur.execute(sql, [token_key])
        rows = cur.fetchall()
    out = []
    for row in rows:
        auth_token = tokens.instance(row, db)
        token_model.user.field.set_cached_value(
            auth_token, users.instance(row, db, len(tokens.names))
        )
        out.append(auth_token)
    return out

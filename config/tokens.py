"""API tokens (django-rest-knox): stored as a SHA-512 digest, never in clear; each use
pushes the expiry forward (idle timeout, API_TOKEN_IDLE_MINUTES) up to an absolute cap
(API_TOKEN_MAX_HOURS). One place issues, checks and revokes them, for the REST API and for
the websocket's first-message login alike."""

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's check, without its sweep of the user's other tokens on every request (one
    query each time); expired tokens are swept when the user logs in again (`issue`)."""

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


def issue(user) -> str:
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    _instance, key = AuthToken.objects.create(user)
    return key


def check(key: str) -> tuple | None:
    """(user, token row) for a live token of an active user; None when unknown, expired,
    revoked or the user is inactive."""
    try:
        return TokenAuthentication().authenticate_credentials(key.encode())
    except (AuthenticationFailed, UnicodeError):
        return None


def revoke(token: AuthToken) -> None:
    token.delete()


def revoke_all(user) -> int:
    return AuthToken.objects.filter(user=user).delete()[0]

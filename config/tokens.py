"""API tokens (django-rest-knox): stored as a SHA-512 digest, never in clear; each use
pushes the expiry forward (idle timeout, API_TOKEN_IDLE_MINUTES) up to an absolute cap
(API_TOKEN_MAX_HOURS). One place issues, checks and revokes them, for the REST API and for
the websocket's first-message login alike."""

from django.contrib.auth import get_user_model
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed


def issue(user) -> str:
    _instance, key = AuthToken.objects.create(user)
    return key


def user_for(key: str):
    """The active user a token belongs to, or None (unknown, expired, revoked, inactive)."""
    try:
        user, _token = TokenAuthentication().authenticate_credentials(key.encode())
    except (AuthenticationFailed, UnicodeError):
        return None
    return user


def revoke(token: AuthToken) -> None:
    token.delete()


def revoke_all(user) -> int:
    return AuthToken.objects.filter(user=user).delete()[0]


def users_with_tokens():
    return get_user_model().objects.filter(auth_token_set__isnull=False).distinct()

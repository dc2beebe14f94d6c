"""The login lockout's counting (django-axes' database handler, refined; 等保 2.0 level 3
login-failure handling, OWASP ASVS 2.2.1).

- Failures count per (account, address): LOGIN_FAILURE_LIMIT failures from one address
  lock that account from that address only, so nobody can lock an administrator (or
  anyone) out from elsewhere with five requests.
- Progressive delays: the first lock lasts LOGIN_LOCKOUT_MINUTES; a failure after it ends
  locks again for twice as long, and so on up to LOCKOUT_MAX. The pair's failures are
  remembered for LOCKOUT_MAX; attempts refused while locked are not counted, so the
  account's owner trying again does not lengthen the lock.
- An account-wide limit far higher (LOGIN_ACCOUNT_FAILURE_LIMIT failures from every
  address within LOGIN_LOCKOUT_MINUTES) still stops a distributed guess at one password.
- The security administrator unlocks by deleting the account's attempts in the admin
  (axes' access attempts page); a successful sign-in clears the pair.
"""

import datetime as dt
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

LOCKOUT_MAX = dt.timedelta(hours=24)


def lock_duration(failures: int) -> dt.timedelta:
    """How long a pair stays locked after its `failures`-th failure (progressive)."""
    base: dt.timedelta = settings.AXES_COOLOFF_TIME
    extra = max(0, failures - settings.AXES_FAILURE_LIMIT)
    return min(LOCKOUT_MAX, base * (2 ** min(extra, 20)))


def _pair(request: HttpRequest, credentials: dict[str, Any] | None) -> "QuerySet[AccessAttempt]":
    username = get_client_username(request, credentials)
    ip = getattr(request, "axes_ip_address", None)
    since = timezone.now() - LOCKOUT_MAX
    return AccessAttempt.objects.filter(username=username, ip_address=ip, attempt_time__gt=since)


def pair_locked_until(
    request: HttpRequest, credentials: dict[str, Any] | None
) -> dt.datetime | None:
    row = _pair(request, credentials).aggregate(
        n=Sum("failures_since_start"), last=Max("attempt_time")
    )
    failures, last = row["n"] or 0, row["last"]
    if last is None or failures < settings.AXES_FAILURE_LIMIT:
        return None
    until: dt.datetime = last + lock_duration(failures)
    return until if until > timezone.now() else None


def account_locked_until(
    request: HttpRequest, credentials: dict[str, Any] | None
) -> dt.datetime | None:
    username = get_client_username(request, credentials)
    window: dt.timedelta = settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(
        username=username, attempt_time__gt=timezone.now() - window
    ).aggregate(n=Sum("failures_since_start"), last=Max("attempt_time"))
    if (recent["n"] or 0) < settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
        return None
    until: dt.datetime = recent["last"] + window
    return until


class PairLockoutHandler(AxesDatabaseHandler):
    """Per (account, address) with progressive delays, plus an account-wide limit."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # axes locks when this reaches AXES_FAILURE_LIMIT: report the limit while locked
        # and one less otherwise.
        locked = pair_locked_until(request, credentials) or account_locked_until(
            request, credentials
        )
        limit: int = settings.AXES_FAILURE_LIMIT
        return limit if locked else limit - 1

    def clean_expired_user_attempts(
        self, request: HttpRequest | None = None, credentials: dict[str, Any] | None = None
    ) -> int:
        # A pair's failures are kept for LOCKOUT_MAX (not axes' cool-off) so that the next
        # lock can be longer.
        count, _ = AccessAttempt.objects.filter(
            attempt_time__lte=timezone.now() - LOCKOUT_MAX
        ).delete()
        return count


def retry_after(request: HttpRequest, credentials: dict[str, Any] | None) -> dt.timedelta:
    """How long until this (account, address) may try again."""
    now = timezone.now()
    until = [
        t
        for t in (
            pair_locked_until(request, credentials),
            account_locked_until(request, credentials),
        )
        if t is not None
    ]
    if not until:
        base: dt.timedelta = settings.AXES_COOLOFF_TIME
        return base
    return max(dt.timedelta(minutes=1), max(until) - now)

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State

NOW = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)  # a Wednesday, mid-morning in China


@pytest.fixture(autouse=True)
def _frozen(request):
    """Frozen on a known working day, except for the socket tests (their event loop's
    timeouts need a clock that moves)."""
    cache.clear()
    if "asyncio" in request.keywords:
        yield
    else:
        with time_machine.travel(NOW, tick=False):
            yield
    cache.clear()


@pytest.fixture
def online(world):
    """A case in mediation with an online session an hour ahead, the applicant invited."""
    case = world.make_case(State.MEDIATING)
    applicant = case.case_parties.order_by("position", "id").first().party
    session = services.add_session(
        case,
        world.mediator,
        {
            "online": True,
            "scheduled_at": (timezone.now() + dt.timedelta(hours=1)).isoformat(),
            "invited": [applicant.pk],
        },
    )
    return case, session, applicant


def party_token(phone: str, *, minutes: int = 60) -> str:
    """A /party/ sign-in of `phone`, as the code's check leaves it (its token)."""
    import secrets

    from mediation.actions.party_access import _secret_hash
    from mediation.models import PartySession
    from mediation.models.crypto import digest

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    PartySession.objects.create(
        key_hash=_secret_hash("session", token),
        phone_digest=digest("phone", phone),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    return token


def party_cookie(token: str) -> bytes:
    """The session cookie of a browser signed in on /party/ with `token`."""
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["party_token"] = token
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}".encode()

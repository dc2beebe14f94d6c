import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State

NOW = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)  # a Wednesday, mid-morning in China


@pytest.fixture(autouse=True)
def _frozen():
    cache.clear()
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

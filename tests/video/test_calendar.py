"""The mediator's calendar (DESIGN.md §12.6): the online sessions they are to hold, by day,
each with its room; nobody else's, and none of a case they no longer handle."""

import datetime as dt

import time_machine
from django.test import Client
from django.utils import timezone

from mediation.actions import services


def test_the_calendar_lists_the_mediators_scheduled_sessions(world, online):
    case, session, _applicant = online
    case.mediator = world.mediator
    case.save(update_fields=["mediator"])
    other = world.make_case(org=world.other, state="mediating")
    party = other.case_parties.first().party
    theirs = services.add_session(
        other,
        world.outsider,
        {
            "online": True,
            "scheduled_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
            "invited": [party.pk],
        },
    )
    staff = Client()
    staff.force_login(world.mediator)
    assert "/calendar/" in staff.get("/cases/").content.decode()
    html = staff.get("/calendar/").content.decode()
    day = timezone.localdate(session.scheduled_at).isoformat()
    assert f'data-date="{day}"' in html and f'data-session="{session.pk}"' in html
    assert f"/cases/{case.pk}/sessions/{session.pk}/video/" in html
    assert f'data-session="{theirs.pk}"' not in html
    # the outsider sees their own, not ours
    outsider = Client()
    outsider.force_login(world.outsider)
    html = outsider.get("/calendar/").content.decode()
    assert f'data-session="{theirs.pk}"' in html and f'data-session="{session.pk}"' not in html
    # past its invitations' window it is no longer on the calendar
    later = session.scheduled_at + dt.timedelta(hours=5)
    with time_machine.travel(later, tick=False):
        staff.force_login(world.mediator)  # the sign-in would have lapsed meanwhile
        assert "calendar-empty" in staff.get("/calendar/").content.decode()

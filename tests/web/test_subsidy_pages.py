"""以案定补 pages through Django's test client: the head grades and submits, the supervisor
returns, approves and keeps the standard; refusals shown by their fields."""

import datetime as dt

import pytest
import time_machine

from mediation.actions import subsidies as grading
from mediation.county import subsidies
from mediation.law.choices import State
from mediation.models import CaseSubsidy, SubsidyMonth

pytestmark = pytest.mark.django_db

OCT = dt.datetime(2026, 10, 15, 2, 0, tzinfo=dt.UTC)
NOV = dt.datetime(2026, 11, 3, 2, 0, tzinfo=dt.UTC)
STANDARD = {
    "year": "2026",
    "simple": "100",
    "general": "200",
    "difficult": "400",
    "major": "800",
    "extra_written": "50",
    "extra_confirmation": "100",
    "extra_priority": "30",
    "extra_cross_township": "40",
}


def page(client, user, url, data=None):
    client.force_login(user)
    resp = client.post(url, data) if data is not None else client.get(url)
    return resp, resp.content.decode()


def test_the_year_of_a_committee_through_the_pages(client, world):
    with time_machine.travel(OCT, tick=False):
        resp, _ = page(
            client,
            world.supervisor,
            "/subsidies/?month=2026-10",
            {"action": "standard", **STANDARD},
        )
        assert resp.status_code == 302
        case = world.make_case(State.AGREED)
        resp, body = page(client, world.head, f"/cases/{case.pk}/")
        assert f'href="/cases/{case.pk}/subsidy/"' in body
        resp, body = page(client, world.head, f"/cases/{case.pk}/subsidy/")
        assert 'data-grade="simple"' in body and 'id="grade-form"' in body
        # another grade than proposed, no reason: the reason field says why
        resp, body = page(client, world.head, f"/cases/{case.pk}/subsidy/", {"grade": "major"})
        assert resp.status_code == 400
        assert 'data-for="reason"' in body and "请说明理由" in body
        resp, _ = page(client, world.head, f"/cases/{case.pk}/subsidy/", {"grade": "simple"})
        assert resp.status_code == 302
        assert CaseSubsidy.objects.get(case=case).amount == 180
    with time_machine.travel(NOV, tick=False):
        resp, body = page(client, world.head, "/subsidies/")  # the previous month by default
        assert resp.status_code == 200 and "2026-10" in body and "180.00" in body
        assert 'value="submit"' in body and 'id="standard-form"' not in body
        resp, _ = page(
            client,
            world.head,
            "/subsidies/",
            {"month": "2026-10", "action": "submit", "org": world.home.pk},
        )
        assert resp.status_code == 302
        resp, body = page(
            client,
            world.supervisor,
            "/subsidies/?month=2026-10",
            {"month": "2026-10", "action": "return", "org": world.home.pk, "reason": ""},
        )
        assert resp.status_code == 400 and 'data-for="reason"' in body
        resp, _ = page(
            client,
            world.supervisor,
            "/subsidies/",
            {"month": "2026-10", "action": "approve", "org": world.home.pk},
        )
        assert resp.status_code == 302
        assert SubsidyMonth.objects.get(org=world.home).status == "approved"
        resp, body = page(
            client,
            world.head,
            "/subsidies/",
            {"month": "2026-10", "action": "submit", "org": world.home.pk},
        )
        assert resp.status_code == 409 and "冻结" in body


def test_who_may_open_the_pages(client, world):
    with time_machine.travel(OCT, tick=False):
        case = world.make_case(State.AGREED)
        assert page(client, world.mediator, "/subsidies/")[0].status_code == 403
        assert page(client, world.outsider, f"/cases/{case.pk}/subsidy/")[0].status_code == 404
        resp, body = page(client, world.mediator, f"/cases/{case.pk}/subsidy/")
        assert resp.status_code == 200 and 'id="grade-form"' not in body
        _, body = page(client, world.head, "/")
        assert 'href="/subsidies/"' in body
        _, body = page(client, world.mediator, "/")
        assert 'href="/subsidies/"' not in body


def test_the_standard_form_shows_field_messages(client, world):
    with time_machine.travel(OCT, tick=False):
        resp, body = page(
            client,
            world.supervisor,
            "/subsidies/",
            {"action": "standard", **STANDARD, "major": "10"},
        )
    assert resp.status_code == 400
    assert 'data-for="major"' in body


def test_the_dashboard_figure(world):
    with time_machine.travel(OCT, tick=False):
        subsidies.set_standard(world.supervisor, {**STANDARD})
        case = world.make_case(State.FAILED)
        grading.grade_case(case, world.head, {"grade": "simple"})
    figure = subsidies.month_total(dt.date(2026, 10, 1))
    assert figure == {"month": "2026-10", "total": "130.00", "approved": "0.00", "cases": 1}


def test_the_dashboard_shows_last_months_subsidies(client, world):
    with time_machine.travel(OCT, tick=False):
        subsidies.set_standard(world.supervisor, {**STANDARD})
        case = world.make_case(State.FAILED)
        grading.grade_case(case, world.head, {"grade": "simple"})
    with time_machine.travel(NOV, tick=False):
        resp, body = page(client, world.supervisor, "/supervision/")
    assert resp.status_code == 200
    assert "2026-10以案定补（元）" in body and "130.00（已审核 0.00）" in body

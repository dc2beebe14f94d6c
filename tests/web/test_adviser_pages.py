"""Village legal advisers' pages (#32): the bureau registers an adviser and their villages
(the out-of-region refusal shown by its field), the adviser records a service from their
page, the dashboard shows coverage and the year's services; nobody else opens the pages."""

import datetime as dt

import pytest
import time_machine

from mediation.models import AdviserService, AdviserVillage, LegalAdviser

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def test_register_assign_record_and_count_through_the_pages(client, world):
    office = world.org("红寺堡镇司法所")
    mine = world.org("红寺堡镇中圈塘村人民调解委员会")
    elsewhere = world.org("太阳山镇太阳山村人民调解委员会")
    client.force_login(world.supervisor)
    body = {"action": "adviser", "name": "何文华", "kind": "lawyer", "org": office.pk}
    resp = client.post("/supervision/advisers/", {**body, "user": world.adviser.pk})
    assert resp.status_code == 302
    adviser = LegalAdviser.objects.get(user=world.adviser)
    resp = client.post(
        "/supervision/advisers/",
        {"action": "village", "adviser": adviser.pk, "village": elsewhere.pk},
    )
    assert resp.status_code == 400
    page = resp.content.decode()
    assert 'data-for="village"' in page and "不在红寺堡镇司法所的辖区" in page
    assert not AdviserVillage.objects.exists()
    resp = client.post(
        "/supervision/advisers/", {"action": "village", "adviser": adviser.pk, "village": mine.pk}
    )
    assert resp.status_code == 302

    client.force_login(world.adviser)
    with time_machine.travel(NOW, tick=False):
        assert client.get("/").url == "/adviser/"
        page = client.get("/adviser/").content.decode()
        assert "何文华" in page and mine.name in page
        service = {"kind": "contract_review", "village": mine.pk, "people": "1"}
        resp = client.post("/adviser/", {**service, "on": "2026-11-21"})
        assert resp.status_code == 400 and 'data-for="on"' in resp.content.decode()
        resp = client.post("/adviser/", {**service, "on": "2026-11-20", "note": "土地流转合同"})
        assert resp.status_code == 302
        page = client.get("/adviser/").content.decode()
    assert AdviserService.objects.get().kind == "contract_review"
    assert 'data-service="' in page and "合同审查" in page

    client.force_login(world.supervisor)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/supervision/").content.decode()
        register = client.get("/supervision/advisers/").content.decode()
    assert 'id="advisers-coverage"' in page
    assert '<tr data-region="红寺堡镇">' in page and "50.0%" in page
    row = page.split('data-kind="contract_review">')[1].split("</tr>")[0]
    assert ">1<" in row
    assert "何文华" in register and mine.name in register


def test_only_the_bureau_and_the_adviser_open_their_pages(client, world):
    client.force_login(world.head)
    assert client.get("/supervision/advisers/").status_code == 403
    assert client.get("/adviser/").status_code == 403
    client.force_login(world.adviser)  # an account not yet on the register
    assert client.get("/adviser/").status_code == 403
    assert client.get("/supervision/advisers/").status_code == 403

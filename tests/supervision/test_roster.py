"""The mediator roster and the suggestions and warnings when a mediator is assigned."""

import datetime as dt

import pytest
from django.utils import timezone

from mediation.law.choices import State
from mediation.models import MediatorProfile, NegativeListEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def profiles(world):
    p1 = MediatorProfile(user=world.mediator, employment="full_time", kind="retired_judicial")
    p1.set_specialties(["neighbour", "marriage_family"])
    p1.save()
    p2 = MediatorProfile(user=world.mediator2, employment="part_time", kind="legal_literate")
    p2.set_specialties(["labor"])
    p2.save()
    return p1, p2


def blacklist(world, user):
    today = timezone.localdate()
    return NegativeListEntry.objects.create(
        mediator=user,
        org=world.home,
        conduct="收受当事人财物",
        occurred_on=today - dt.timedelta(days=30),
        until=today + dt.timedelta(days=300),
        created_at=timezone.now(),
    )


def test_roster_lists_type_specialties_load_and_results(api, world, profiles):
    world.make_case(State.MEDIATING)
    world.make_case(State.CLOSED)
    rows = api(world.supervisor).get("/api/mediators/").json()["results"]
    me = next(r for r in rows if r["id"] == world.mediator.pk)
    assert me["employment_label"] == "专职" and me["kind_label"] == "退休法官、检察官"
    assert me["specialty_labels"] == ["邻里", "婚姻家庭"]
    assert me["organizations"][0]["name"] == world.home.name
    assert (me["load"], me["agreed"], me["ended"], me["success_rate"]) == (1, 1, 1, 1.0)
    sup = api(world.supervisor)
    labour = sup.get("/api/mediators/?specialty=labor").json()["results"]
    assert [r["id"] for r in labour] == [world.mediator2.pk]
    kinds = sup.get("/api/mediators/?kind=retired_judicial").json()["results"]
    assert [r["id"] for r in kinds] == [world.mediator.pk]
    name = f"{world.mediator.last_name}{world.mediator.first_name}"
    assert [r["id"] for r in sup.get(f"/api/mediators/?q={name}").json()["results"]] == [
        world.mediator.pk
    ]
    township = sup.get("/api/mediators/?region=太阳山镇").json()["results"]
    assert world.outsider.pk in {r["id"] for r in township}
    assert world.mediator.pk not in {r["id"] for r in township}
    assert sup.get("/api/mediators/?specialty=astrology").status_code == 400
    assert sup.get("/api/mediators/?region=火星镇").status_code == 400


def test_roster_scope(api, world, profiles, client):
    head_rows = api(world.head).get("/api/mediators/").json()["results"]
    assert {r["id"] for r in head_rows} == {world.mediator.pk, world.mediator2.pk}
    assert api(world.intake).get("/api/mediators/").status_code == 403
    client.force_login(world.supervisor)
    blacklist(world, world.mediator)
    page = client.get("/supervision/mediators/").content.decode()
    assert "退休法官、检察官" in page and "收受当事人财物" in page


def test_suggestions_by_specialty_township_and_load(api, world, profiles):
    labour_case = world.make_case(State.REGISTERED, category="labor")
    rows = api(world.head).get(f"/api/mediators/?case={labour_case.pk}").json()["results"]
    assert rows[0]["id"] == world.mediator2.pk and rows[0]["specialty_match"] is True
    neighbour_case = world.make_case(State.REGISTERED)
    rows = api(world.head).get(f"/api/mediators/?case={neighbour_case.pk}").json()["results"]
    assert rows[0]["id"] == world.mediator.pk
    # an outsider's case is not visible: 404
    other = world.make_case(State.REGISTERED, org=world.other)
    assert api(world.head).get(f"/api/mediators/?case={other.pk}").status_code == 404


def test_assigning_a_listed_mediator_warns(api, world, profiles, client):
    blacklist(world, world.mediator)
    case = world.make_case(State.REGISTERED)
    client.force_login(world.head)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "⚠ 有不良执业信息" in page  # in the accept form's mediator choices
    r = client.post(
        f"/cases/{case.pk}/transitions/accept/", {"accept-mediator": world.mediator.pk}, follow=True
    )
    assert "所指派的调解员有不良执业信息：收受当事人财物" in r.content.decode()
    other = world.make_case(State.ACCEPTED)
    r = api(world.head).post(
        f"/api/cases/{other.pk}/transitions/reassign/",
        {"mediator": world.mediator.pk, "reason": "回避"},
        format="json",
    )
    assert r.status_code == 200
    assert r.json()["warnings"][0].startswith("不良执业信息：收受当事人财物")
    clean = api(world.head).post(
        f"/api/cases/{other.pk}/transitions/reassign/",
        {"mediator": world.mediator2.pk, "reason": "回避"},
        format="json",
    )
    assert clean.json()["warnings"] == []


def test_the_admin_maintains_the_roster(admin_client, world):
    client = admin_client  # a superuser past the admin's TOTP step (tests/conftest.py)
    r = client.post(
        "/admin/mediation/mediatorprofile/add/",
        {
            "user": world.mediator.pk,
            "employment": "full_time",
            "kind": "lawyer",
            "specialty_codes": ["labor", "contract"],
            "phone": "",
            "note": "",
        },
    )
    assert r.status_code == 302, r.content[:2000]
    assert MediatorProfile.objects.get(user=world.mediator).specialty_list == ["labor", "contract"]
    for model in ("complaint", "negativelistentry", "auditevent", "mediatorprofile"):
        assert client.get(f"/admin/mediation/{model}/").status_code == 200
    assert client.get("/admin/mediation/complaint/add/").status_code == 403

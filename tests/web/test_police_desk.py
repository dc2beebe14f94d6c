"""The police desk (警调对接) through Django's test client: in the officer's nav only, a
referral from the page, errors beside their fields with the input kept."""

import pytest

from mediation.models import Case, Handoff

from .test_desks import party_post, text

pytestmark = pytest.mark.django_db


def referral_post(world, **overrides):
    return {
        "incident_number": "红派接警〔2026〕0901号",
        "org": str(world.home.pk),
        "category": "neighbour",
        "summary": "出警查明：两户因院墙排水发生口角，双方同意调解。",
        **party_post(),
        **overrides,
    }


def test_police_desk_is_in_the_officers_nav_and_closed_to_others(client, world):
    client.force_login(world.police)
    home = text(client.get("/"))
    assert 'href="/police/referrals/"' in home and "警调对接" in home
    page = text(client.get("/police/referrals/"))
    # the receivers offered are the people's mediation committees only (PML art 18)
    assert "红寺堡镇人民调解委员会" in page and "红寺堡区人民法院" not in page
    for user in (world.mediator, world.petition, world.supervisor):
        client.force_login(user)
        assert 'href="/police/referrals/"' not in text(client.get("/"))
        r = client.get("/police/referrals/")
        assert r.status_code == 403 and "只有派出所民警可以移交纠纷" in text(r)


def test_referral_from_the_page_and_its_row(client, world):
    client.force_login(world.police)
    r = client.post("/police/referrals/", referral_post(world))
    assert r.status_code == 302, text(r)
    case = Case.objects.get()
    assert case.channel == "police_referral"
    assert Handoff.objects.get(case=case).external_number == "红派接警〔2026〕0901号"
    desk = text(client.get("/police/referrals/"))
    assert case.number in desk and "待反馈" in desk
    # a second referral with the same number names the first case beside the field
    r = client.post("/police/referrals/", referral_post(world))
    assert r.status_code == 409 and case.number in text(r)
    assert Case.objects.count() == 1


def test_missing_number_and_wrong_receiver_are_shown_by_the_fields(client, world):
    client.force_login(world.police)
    r = client.post("/police/referrals/", referral_post(world, incident_number=""))
    assert r.status_code == 400
    page = text(r)
    assert "请填写接处警编号" in page
    assert "出警查明：两户因院墙排水发生口角" in page  # typed facts kept
    assert not Case.objects.exists()

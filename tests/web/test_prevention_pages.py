"""The screening and consultation pages through Django's test client, role by role."""

import pytest

from mediation.models import Case, Consultation, ScreeningRound
from mediation.prevention import records as prevention
from tests.conftest import RESPONDENT
from tests.helpers import plain_party

pytestmark = pytest.mark.django_db


def page(client, user, url, data=None):
    client.force_login(user)
    resp = client.post(url, data) if data is not None else client.get(url)
    return resp, resp.content.decode()


def a_round(world):
    return prevention.record_screening(
        world.mediator,
        {
            "org": world.home.pk,
            "period_start": "2026-11-01",
            "period_end": "2026-11-02",
            "places": "中圈塘村",
            "found": [{"summary": "宅基地界址争执", "category": "housing_land", "risk": "high"}],
        },
    )


def test_nav_links_by_desk(client, world):
    _, body = page(client, world.mediator, "/")
    assert 'href="/screenings/"' in body and 'href="/consultations/"' not in body
    _, body = page(client, world.intake, "/")
    assert 'href="/consultations/"' in body and 'href="/screenings/"' not in body
    _, body = page(client, world.supervisor, "/cases/")
    assert 'href="/consultations/"' in body and 'href="/screenings/"' in body


def test_who_may_open_the_pages(client, world):
    assert page(client, world.petition, "/screenings/")[0].status_code == 403
    assert page(client, world.mediator, "/consultations/")[0].status_code == 403
    resp, body = page(client, world.supervisor, "/screenings/")
    assert resp.status_code == 200 and "尚未开展排查的调解委员会" in body
    assert 'id="screening-form"' not in body  # supervisors read, committees record


def test_round_recorded_in_the_page_keeps_input_on_error(client, world):
    data = {
        "org": str(world.home.pk),
        "period_start": "2026-11-10",
        "period_end": "2026-11-01",
        "places": "中圈塘村",
        "found-0-summary": "宅基地界址争执",
        "found-0-category": "housing_land",
        "found-0-risk": "high",
    }
    resp, body = page(client, world.mediator, "/screenings/", data)
    assert resp.status_code == 400
    assert "排查结束日期不能早于开始日期" in body and "宅基地界址争执" in body
    assert not ScreeningRound.objects.exists()
    resp, _ = page(client, world.mediator, "/screenings/", {**data, "period_start": "2026-10-28"})
    assert resp.status_code == 302
    assert ScreeningRound.objects.get().found.count() == 1


def test_found_dispute_registered_from_the_intake_form(client, world):
    round_ = a_round(world)
    finding = round_.found.get()
    url = f"/screenings/{round_.pk}/found/{finding.pk}/register/"
    resp, body = page(client, world.mediator, url)
    assert resp.status_code == 200 and "排查发现的纠纷" in body and "宅基地界址争执" in body
    applicant, respondent = plain_party("applicant", "马德胜"), dict(RESPONDENT)
    data = {
        "org": str(world.home.pk),
        "category": "housing_land",
        "summary": "宅基地界址争执",
        "parties-TOTAL_FORMS": "2",
        "parties-INITIAL_FORMS": "0",
    }
    for i, p in enumerate((applicant, respondent)):
        for k in ("role", "kind", "name", "gender", "id_number", "phone"):
            data[f"parties-{i}-{k}"] = p.get(k, "")
    resp, _ = page(client, world.mediator, url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    case = Case.objects.get(screening_finding=finding)
    assert case.channel == "proactive"
    # an outsider cannot reach it
    assert page(client, world.outsider, url)[0].status_code == 404
    # once registered, the link goes to the case
    resp, _ = page(client, world.mediator, url)
    assert resp.status_code == 302 and resp.url == f"/cases/{case.pk}/"


def test_consultation_page_masks_for_supervisors(client, world):
    prevention.record_consultation(
        world.intake,
        {
            "channel": "hotline",
            "topic": "legal_advice",
            "category": "labor",
            "question": "欠薪怎么办",
            "answer": "可申请劳动仲裁",
            "caller_phone": "13995367890",
        },
    )
    _, body = page(client, world.intake, "/consultations/")
    assert "13995367890" in body and "登记为纠纷案件" in body
    _, body = page(client, world.supervisor, "/consultations/")
    assert "13995367890" not in body and "139****7890" in body
    assert "登记为纠纷案件" not in body
    assert Consultation.objects.count() == 1

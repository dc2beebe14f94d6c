"""Legal aid (法律援助): `refer` with route legal_aid for a party who qualifies, received and
decided by the legal aid centre as a handoff flow (《中华人民共和国法律援助法》)."""

import datetime as dt

import pytest
import time_machine

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.law.choices import State
from mediation.models import Case, CaseEvent, Handoff
from tests.conftest import RESPONDENT
from tests.helpers import plain_party, resident_id, snapshot

from .conftest import complete, inbox, one_task

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def centre(world):
    return world.org("红寺堡区法律援助中心")


def failed_case(world, tags):
    # a working-age applicant: qualifying only through `tags`
    parties = [{**plain_party("applicant", "马建国"), "tags": tags}, dict(RESPONDENT)]
    return world.make_case(State.FAILED, parties=parties)


def test_legal_aid_granted_end_to_end(world, centre, as_user):
    case = failed_case(world, ["low_income"])
    with time_machine.travel(NOW, tick=False):
        services.perform(
            case, "refer", world.mediator, {"route": "legal_aid", "target_org": centre.pk}
        )
    case.refresh_from_db()
    assert (case.state, case.referral_route, case.referral_org_id) == (
        State.REFERRED,
        "legal_aid",
        centre.pk,
    )
    handoff = Handoff.objects.get(case=case, kind="legal_aid")
    # 法律援助法 art 43: the centre decides within 7 days of the application (the
    # referral, Monday 2 Nov): the period ends with Monday 9 Nov (mediation.law.clocks).
    assert handoff.due_at.isoformat() == "2026-11-09T15:59:59+00:00"
    assert "第四十三条" in handoff.data["clock"]["basis"]
    officer = as_user(world.legalaid)
    task = one_task(officer, "referral.acknowledge", case)
    assert [d["decision"] for d in task["decisions"]] == ["accept"]
    assert task["due_at"] == "2026-11-09T23:59:59+08:00"
    # nobody outside the centre sees or completes it
    assert inbox(as_user(world.arbiter), case=case) == []
    assert complete(as_user(world.arbiter), task, decision="accept").status_code == 404
    resp = complete(officer, task, decision="accept", number="红援受〔2026〕3号")
    assert resp.status_code == 200, resp.content
    result = one_task(officer, "referral.result", case)
    assert {d["decision"] for d in result["decisions"]} == {"grant", "refuse"}
    assert result["due_at"] == "2026-11-09T23:59:59+08:00"  # from the referral, not receipt
    resp = complete(officer, result, decision="grant", note="指派宁夏某律师事务所王律师")
    assert resp.status_code == 200, resp.content
    case.refresh_from_db()
    assert case.state == State.CLOSED
    assert case.referral_result == "给予法律援助：指派宁夏某律师事务所王律师"
    handoff.refresh_from_db()
    assert (handoff.status, handoff.external_number) == ("closed", "红援受〔2026〕3号")
    # the mediating organisation sees the result as events of the case
    types = list(CaseEvent.objects.filter(case=case).values_list("type", flat=True))
    assert types.count("task.completed") == 2 and "handoff.opened" in types
    last = CaseEvent.objects.filter(case=case, type="case.transitioned").last()
    assert last.payload["data"]["transition"] == "record_result"
    assert world.home.pk in last.payload["orgs"] and centre.pk in last.payload["orgs"]


def test_legal_aid_refused_needs_a_reason(world, centre, as_user):
    case = failed_case(world, ["veteran"])
    services.perform(case, "refer", world.mediator, {"route": "legal_aid", "target_org": centre.pk})
    officer = as_user(world.legalaid)
    complete(officer, one_task(officer, "referral.acknowledge", case), decision="accept")
    result = one_task(officer, "referral.result", case)
    resp = complete(officer, result, decision="refuse")
    assert resp.status_code == 400 and "reason" in resp.json()["errors"]
    resp = complete(officer, result, decision="refuse", reason="申请事项不属于法律援助范围")
    assert resp.status_code == 200
    case.refresh_from_db()
    assert case.referral_result == "不予法律援助：申请事项不属于法律援助范围"


def test_party_who_does_not_qualify_is_refused_with_the_article(world, centre, as_user):
    case = failed_case(world, ["migrant_worker"])
    before = snapshot(case)
    with pytest.raises(InvalidFields) as exc:
        services.perform(
            case, "refer", world.mediator, {"route": "legal_aid", "target_org": centre.pk}
        )
    assert "第三十一条" in exc.value.errors["route"][0]
    assert "法律援助法》第四十二条" in exc.value.errors["route"][0]
    assert snapshot(case) == before
    # the same through the API: 400, nothing written
    resp = as_user(world.mediator).post(
        f"/api/cases/{case.pk}/transitions/refer/",
        {"route": "legal_aid", "target_org": centre.pk},
        format="json",
    )
    assert resp.status_code == 400
    assert "法律援助法" in resp.json()["errors"]["route"][0]
    assert snapshot(case) == before
    assert not Handoff.objects.filter(case=case).exists()


def test_legal_aid_needs_the_centre_as_target(world, centre):
    case = failed_case(world, ["low_income"])
    with pytest.raises(InvalidFields) as exc:
        services.perform(case, "refer", world.mediator, {"route": "legal_aid"})
    assert "法律援助中心" in exc.value.errors["target_org"][0]
    with pytest.raises(InvalidFields) as exc:
        services.perform(
            case,
            "refer",
            world.mediator,
            {"route": "legal_aid", "target_org": world.court.pk},
        )
    assert "target_org" in exc.value.errors
    assert Case.objects.get(pk=case.pk).state == State.FAILED


def test_elderly_party_qualifies_without_a_fixed_living(world, centre):
    """法律援助法 art 42 (一): age alone is not the ground — an elderly person without a
    fixed source of living is exempt from the hardship review."""
    elderly = {**plain_party("applicant", "马建国"), "id_number": resident_id(dt.date(1950, 3, 1))}
    case = world.make_case(State.FAILED, parties=[elderly, dict(RESPONDENT)])
    body = {"route": "legal_aid", "target_org": centre.pk}
    with pytest.raises(InvalidFields):
        services.perform(case, "refer", world.mediator, body)
    elderly["tags"] = ["no_fixed_income"]
    case = world.make_case(State.FAILED, parties=[elderly, dict(RESPONDENT)])
    services.perform(case, "refer", world.mediator, body)
    assert Case.objects.get(pk=case.pk).state == State.REFERRED


def test_migrant_worker_qualifies_when_claiming_pay(world, centre):
    """法律援助法 art 42 (三): a migrant worker claiming pay or injury compensation."""
    worker = {**plain_party("applicant", "马建国"), "tags": ["migrant_worker"]}
    case = world.make_case(State.FAILED, parties=[worker, dict(RESPONDENT)], category="labor")
    services.perform(
        case,
        "refer",
        world.mediator,
        {"route": "legal_aid", "target_org": centre.pk},
    )
    assert Case.objects.get(pk=case.pk).state == State.REFERRED


def test_case_page_offers_legal_aid_only_when_a_party_qualifies(world, client):
    qualifying = failed_case(world, ["low_income"])
    plain = failed_case(world, [])
    client.force_login(world.mediator)
    page = client.get(f"/cases/{qualifying.pk}/").content.decode()
    assert 'value="legal_aid"' in page and "符合法律援助条件" in page
    page = client.get(f"/cases/{plain.pk}/").content.decode()
    assert 'value="legal_aid"' not in page and "符合法律援助条件" not in page

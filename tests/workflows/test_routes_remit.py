"""Routes a supervisor would accept (issue #28): administrative organs within their remit,
petitions and court referrals to the right receivers within the right time, 民特 numbers in
the court's form, a transferred case numbered by its receiver. Each refusal a 400 naming
the rule, nothing written."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.law.choices import State
from mediation.models import Case, Handoff, Organization, OrganRemit
from tests.conftest import case_body
from tests.law.test_law import agreement, messages, refused
from workflows.models import CaseTask
from workflows.services import complete_task

NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def organ(world, subtype):
    return Organization.objects.get(kind="admin_organ", subtype=subtype)


def test_admin_organ_registers_only_within_its_remit(world, as_user):
    police = organ(world, "traffic_police")
    client = as_user(world.intake)
    resp = client.post("/api/cases/", case_body(police, category="neighbour"), format="json")
    assert resp.status_code == 400, resp.content
    error = resp.json()["errors"]["category"][0]
    assert "道路交通" in error and "《道路交通安全法》第七十四条" in error
    assert not Case.objects.exists()
    resp = client.post("/api/cases/", case_body(police, category="traffic"), format="json")
    assert resp.status_code == 201, resp.content


def test_the_remit_table_is_editable(world, as_user):
    remit = OrganRemit.objects.get(subtype="market_regulation")
    health = organ(world, "health")
    body = case_body(organ(world, "market_regulation"), category="property_mgmt")
    assert as_user(world.intake).post("/api/cases/", body, format="json").status_code == 400
    remit.categories = [*remit.categories, "property_mgmt"]
    remit.save()
    assert as_user(world.intake).post("/api/cases/", body, format="json").status_code == 201
    # an organ whose kind has no row mediates nothing until one is added
    health.subtype = "unknown"
    health.save()
    resp = as_user(world.intake).post(
        "/api/cases/", case_body(health, category="medical"), format="json"
    )
    assert resp.status_code == 400 and "职责范围" in resp.json()["errors"]["category"][0]


def test_transfer_to_an_organ_outside_its_remit_is_refused(world):
    case = world.make_case(State.REGISTERED, category="neighbour")
    err = refused(
        case, "transfer", world.head, {"target_org": organ(world, "health").pk, "reason": "x"}
    )
    assert "医疗" in err.errors["target_org"][0] and "第四十条" in err.errors["target_org"][0]


def test_transferred_case_is_numbered_by_its_receiver(world, as_user):
    case = world.make_case(State.REGISTERED)
    old = case.number
    case = services.perform(
        case, "transfer", world.head, {"target_org": world.other.pk, "reason": "属地管辖"}
    )
    assert case.original_number == old
    assert case.number != old and "太人调字" in case.number
    body = as_user(world.supervisor).get(f"/api/cases/{case.pk}/").json()
    assert (body["number"], body["original_number"]) == (case.number, old)
    event = case.events.get(payload__data__transition="transfer")
    assert event.payload["data"]["original_number"] == old


def test_court_decides_whether_it_confirms_admin_agreements(world):
    police = organ(world, "traffic_police")
    case = world.make_case(State.MEDIATING, org=police, category="traffic")
    case = services.perform(case, "reach_agreement", case.mediator, agreement())
    world.court.confirms_admin_agreements = False
    world.court.save()
    application = {"court": world.court.pk, "joint_application": True, "paper_signatures": True}
    err = refused(case, "request_confirmation", case.mediator, application)
    assert "不受理行政调解协议" in err.errors["court"][0]
    world.court.confirms_admin_agreements = True
    world.court.save()
    case = services.perform(case, "request_confirmation", case.mediator, application)
    assert case.state == State.CONFIRMING


def petition_body(world, org, **extra):
    return {
        **case_body(org),
        "petition_number": "宁红信转〔2026〕40号",
        "petitioner_consent": True,
        "feedback_due": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        **extra,
    }


def test_petition_never_goes_to_a_court_as_a_mediation_case(world, as_user):
    client = as_user(world.petition)
    resp = client.post(
        "/api/petitions/transfers/", petition_body(world, world.court), format="json"
    )
    assert resp.status_code == 400
    assert "第二十八条" in resp.json()["errors"]["org"][0]
    assert not Case.objects.exists()
    police = organ(world, "traffic_police")
    body = petition_body(world, police, category="traffic")
    assert client.post("/api/petitions/transfers/", body, format="json").status_code == 201


@time_machine.travel(NOW, tick=False)
def test_feedback_due_within_the_petitions_60_plus_30_days(world, as_user):
    client = as_user(world.petition)
    late = petition_body(world, world.home, feedback_due="2027-02-15")
    resp = client.post("/api/petitions/transfers/", late, format="json")
    assert resp.status_code == 400
    assert "60日" in resp.json()["errors"]["feedback_due"][0]
    body = petition_body(world, world.home, feedback_due="2027-01-31")  # 90 days
    assert client.post("/api/petitions/transfers/", body, format="json").status_code == 201


def referral_body(world, org, **extra):
    return {**case_body(org), "referral_number": "（2026）宁0303民诉前调40号", **extra}


def test_court_referral_goes_to_invited_mediators_not_the_court(world, as_user):
    client = as_user(world.clerk)
    resp = client.post("/api/courts/referrals/", referral_body(world, world.court), format="json")
    assert resp.status_code == 400
    assert "法释〔2016〕14号第一条" in resp.json()["errors"]["org"][0]
    assert not Case.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("extra", "latest_ok"),
    [
        ({}, "2026-12-02"),  # 委派 30 days
        ({"kind": "post_filing"}, "2026-11-17"),  # 委托 15
        ({"kind": "post_filing", "summary_procedure": True}, "2026-11-09"),  # 7
    ],
)
def test_referral_due_follows_its_kind_unless_extension_agreed(world, as_user, extra, latest_ok):
    client = as_user(world.clerk)
    late = (dt.date.fromisoformat(latest_ok) + dt.timedelta(days=2)).isoformat()
    resp = client.post(
        "/api/courts/referrals/", referral_body(world, world.home, due_at=late, **extra), "json"
    )
    assert resp.status_code == 400 and "当事人同意延长" in resp.json()["errors"]["due_at"][0]
    assert not Case.objects.exists()
    ok = referral_body(world, world.home, due_at=latest_ok, **extra)
    assert client.post("/api/courts/referrals/", ok, format="json").status_code == 201
    agreed = referral_body(
        world,
        world.home,
        due_at=late,
        extension_agreed=True,
        referral_number="（2026）宁0303民诉前调41号",
        **extra,
    )
    resp = client.post("/api/courts/referrals/", agreed, format="json")
    assert resp.status_code == 201
    assert Handoff.objects.get(case_id=resp.json()["id"]).data["extension_agreed"] is True


@pytest.mark.parametrize(
    "number",
    ["民特1号", "（2026）宁0303民初1号", "（2024）宁0303民特1号", "（2026）宁0301民特1号"],
)
def test_minte_number_has_the_courts_form(world, number):
    with time_machine.travel(NOW, tick=False):
        case = world.make_case(State.CONFIRMING)
        register = CaseTask.objects.get(case=case, kind="confirmation.register", status="NEW")
        with pytest.raises(InvalidFields) as err:
            complete_task(register.pk, world.clerk, {"decision": "register", "number": number})
        assert "《最高人民法院关于人民法院案件案号的若干规定》" in messages(err.value)
        complete_task(
            register.pk, world.clerk, {"decision": "register", "number": "（2026）宁0303民特9号"}
        )
    assert Handoff.objects.get(case=case, kind="confirmation").external_number.endswith("民特9号")


def test_applicant_tracks_a_transferred_case_by_its_first_number(world, client):
    from tests.conftest import APPLICANT

    case = world.make_case(State.REGISTERED)
    first = case.number
    case = services.perform(
        case, "transfer", world.head, {"target_org": world.other.pk, "reason": "属地管辖"}
    )
    resp = client.post("/track/", {"number": first, "phone": APPLICANT["phone"]})
    assert resp.status_code == 200
    assert case.number in resp.content.decode()

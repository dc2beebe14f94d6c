"""ID numbers and phones are full only for the organisation handling the case (§9)."""

from django.conf import settings
from django.test import Client
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State
from mediation.models import CaseEvent, Handoff

FULL_ID, FULL_PHONE = "640303195503010030", "13995312345"
MASKED_ID, MASKED_PHONE = "640303********0030", "139****2345"


def applicant(r):
    assert r.status_code == 200, r.content
    body = r.json()
    return body["parties"][0]


def test_handler_sees_full_data(api, world):
    case = world.make_case(State.MEDIATING)
    p = applicant(api(world.mediator2).get(f"/api/cases/{case.pk}/"))
    assert (p["id_number"], p["phone"], p["masked"]) == (FULL_ID, FULL_PHONE, False)
    assert p["birth_date"] == "1955-03-01" and p["address"]


def test_supervisor_sees_masked_data_in_detail_and_list(api, world):
    case = world.make_case(State.MEDIATING)
    c = api(world.supervisor)
    p = applicant(c.get(f"/api/cases/{case.pk}/"))
    assert (p["id_number"], p["phone"], p["masked"]) == (MASKED_ID, MASKED_PHONE, True)
    assert p["birth_date"] is None and p["address"] == ""
    assert p["name"] == "马建国"  # names are not masked inside the agencies
    row = c.get("/api/cases/").json()["results"][0]
    assert row["parties"][0]["id_number"] == MASKED_ID
    assert FULL_ID not in c.get("/api/cases/").content.decode()


def test_former_handler_sees_masked_and_new_handler_full(api, world):
    case = world.make_case(State.REGISTERED)
    r = api(world.head).post(
        f"/api/cases/{case.pk}/transitions/transfer/",
        {"target_org": world.other.pk, "reason": "属地管辖"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    # The head answers with the case as they now see it: no longer handled by them.
    assert r.json()["parties"][0]["id_number"] == MASKED_ID
    assert applicant(api(world.head).get(f"/api/cases/{case.pk}/"))["masked"] is True
    assert applicant(api(world.outsider).get(f"/api/cases/{case.pk}/"))["id_number"] == FULL_ID


def test_intake_clerk_sees_full_data_only_until_acceptance(api, world):
    """The intake clerk (at the public legal service centre) who registered a case checks
    what they typed in full while it waits; once the mediation organisation accepts it,
    the case is theirs and the desk sees it masked, in the API and on the case page."""
    case = world.make_case(State.REGISTERED)
    assert case.registered_by_id == world.intake.pk and case.org_id != world.center.pk
    page = Client()
    page.force_login(world.intake)

    p = applicant(api(world.intake).get(f"/api/cases/{case.pk}/"))
    assert (p["id_number"], p["phone"], p["masked"]) == (FULL_ID, FULL_PHONE, False)
    assert FULL_ID in page.get(f"/cases/{case.pk}/").content.decode()

    world.advance(case, State.ACCEPTED)
    c = api(world.intake)
    p = applicant(c.get(f"/api/cases/{case.pk}/"))
    assert (p["id_number"], p["phone"], p["masked"]) == (MASKED_ID, MASKED_PHONE, True)
    assert p["birth_date"] is None and p["address"] == ""
    row = c.get("/api/cases/").json()["results"][0]
    assert row["parties"][0]["id_number"] == MASKED_ID
    html = page.get(f"/cases/{case.pk}/").content.decode()
    assert MASKED_ID in html and FULL_ID not in html and FULL_PHONE not in html


def test_outsider_sees_nothing_at_all(api, world):
    case = world.make_case(State.MEDIATING)
    c = api(world.outsider)
    assert c.get(f"/api/cases/{case.pk}/").status_code == 404
    assert c.get("/api/cases/").json()["results"] == []
    assert c.get("/api/events/").json()["results"] == []
    assert CaseEvent.objects.filter(case=case).exists()


def test_hand_written_shapes_match_the_declared_fields(api, world):
    """The case and party JSON are written by hand for speed; the schema is generated from
    the declared serializer fields. Keep them identical."""
    from mediation.api.serializers import (
        CaseDetailSerializer,
        CaseListSerializer,
        PartySerializer,
    )

    case = world.make_case(State.MEDIATING)
    detail = api(world.head).get(f"/api/cases/{case.pk}/").json()
    row = api(world.head).get("/api/cases/").json()["results"][0]
    assert list(detail) == list(CaseDetailSerializer().fields)
    assert list(row) == list(CaseListSerializer().fields)
    assert list(row["parties"][0]) == list(PartySerializer().fields)


def _member_of(world, org, username, role):
    from mediation.models import Membership

    user = world.users["supervisor"].__class__.objects.create_user(
        username, password=settings.DEMO_PASSWORD
    )
    Membership.objects.create(user=user, org=org, role=role)
    return user


def test_court_sees_full_identities_while_its_confirmation_is_live(api, world):
    """§9: the court rules on who the parties are: full while its handoff is open or
    decided, and every full view is an AuditEvent."""
    from mediation.models import AuditEvent

    case = world.make_case(State.CONFIRMING)
    p = applicant(api(world.clerk).get(f"/api/cases/{case.pk}/"))
    assert (p["id_number"], p["phone"], p["masked"]) == (FULL_ID, FULL_PHONE, False)
    audit = AuditEvent.objects.filter(type="personal_data.full_view", actor=world.clerk)
    assert audit.count() == 1
    assert audit.get().payload["case"] == case.pk
    assert audit.get().payload["org"] == world.court.pk
    assert audit.get().payload["handoff_kind"] == "confirmation"
    # the case's own handler sees in full without a partner's audit row
    applicant(api(world.mediator).get(f"/api/cases/{case.pk}/"))
    assert not AuditEvent.objects.filter(actor=world.mediator).exists()
    # decided: still full for the court (it ruled on them)
    services.close_handoff(Handoff.objects.get(case=case), "confirmed", timezone.now())
    assert applicant(api(world.judge).get(f"/api/cases/{case.pk}/"))["id_number"] == FULL_ID


def test_unrelated_court_and_withdrawn_handoff_see_masked(api, world):
    from mediation.models import CaseAccess

    case = world.make_case(State.CONFIRMING)
    stranger = _member_of(world, world.tribunal, "tribunal_clerk", "clerk")
    CaseAccess.objects.create(
        case=case, org=world.tribunal, reason="handoff", since=case.created_at
    )
    p = applicant(api(stranger).get(f"/api/cases/{case.pk}/"))
    assert (p["id_number"], p["masked"]) == (MASKED_ID, True)
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/transitions/withdraw_confirmation/",
        {"note": "当事人撤回"},
        format="json",
    )
    assert r.status_code == 200, r.content
    p = applicant(api(world.clerk).get(f"/api/cases/{case.pk}/"))
    assert (p["id_number"], p["masked"]) == (MASKED_ID, True)


def test_arbitration_and_legal_aid_see_full_identities_while_their_handoff_is_live(api, world):
    """§9 names the arbitration commission and the legal-aid centre beside the court: each
    rules on the parties themselves, so each sees them in full, audited, from the moment
    the case is referred to it — and an agency the case was not referred to does not."""
    from mediation.models import AuditEvent

    centre = world.org("红寺堡区法律援助中心")
    for route, target, officer, other in (
        ("arbitration", world.arbitration, world.arbiter, world.legalaid),
        ("legal_aid", centre, world.legalaid, world.arbiter),
    ):
        # the default applicant was born in 1955: over 60, eligible for legal aid by age
        case = world.make_case(State.FAILED, category="labor")
        services.perform(case, "refer", world.mediator, {"route": route, "target_org": target.pk})
        p = applicant(api(officer).get(f"/api/cases/{case.pk}/"))
        assert (p["id_number"], p["phone"], p["masked"]) == (FULL_ID, FULL_PHONE, False), route
        audit = AuditEvent.objects.get(
            type="personal_data.full_view", actor=officer, payload__case=case.pk
        )
        assert audit.payload["handoff_kind"] == route
        assert audit.payload["org"] == target.pk
        # the other agency has no handoff of this case: not even visible
        assert api(other).get(f"/api/cases/{case.pk}/").status_code == 404

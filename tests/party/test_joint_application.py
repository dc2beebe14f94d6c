"""The joint application for judicial confirmation is the parties' act (民事诉讼法第二百零五条,
法释〔2011〕5号第二条): request_confirmation is refused until every applicant confirmed it
online, or the mediator records that all signed the paper application; the court's clerk
sees how each applied."""

import pytest
from django.test import Client

from mediation.actions import services
from mediation.errors import InvalidFields
from mediation.law.choices import EventType, State

from .conftest import APPLICANT_PHONE, RESPONDENT_PHONE, party_client
from .test_signing import _sign


def _request(world, case, **extra):
    return services.perform(
        case,
        "request_confirmation",
        world.mediator,
        {"court": world.court.pk, "joint_application": True, **extra},
    )


def test_refused_until_every_applicant_confirmed_online(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.AGREED)
    with pytest.raises(InvalidFields) as refused:
        _request(world, case)
    message = refused.value.errors["applicants"][0]
    assert "第二百零五条" in message and "马建国" in message and "杨学军" in message
    applicant = party_client(APPLICANT_PHONE, django_capture_on_commit_callbacks)
    assert _sign(applicant, case, "confirmation_application").status_code == 201
    with pytest.raises(InvalidFields) as refused:
        _request(world, case)
    message = refused.value.errors["applicants"][0]
    assert "杨学军" in message and "马建国" not in message
    case.refresh_from_db()
    assert case.state == State.AGREED
    respondent = party_client(RESPONDENT_PHONE, django_capture_on_commit_callbacks)
    assert _sign(respondent, case, "confirmation_application").status_code == 201
    case = _request(world, case)
    assert case.state == State.CONFIRMING
    event = case.events.filter(type=EventType.CASE_TRANSITIONED).last()
    assert set(event.payload["data"]["applied"].values()) == {"online"}
    assert event.payload["data"]["paper_signatures"] is False
    # the court's clerk sees how each applicant applied
    clerk = Client()
    clerk.force_login(world.clerk)
    page = clerk.get(f"/cases/{case.pk}/").content.decode()
    assert "司法确认申请方式" in page and page.count("本人网上确认") == 2


def test_the_paper_route_needs_the_mediators_record(world):
    case = world.make_case(State.AGREED)
    with pytest.raises(InvalidFields):
        _request(world, case, paper_signatures=False)
    case = _request(world, case, paper_signatures=True)
    assert case.state == State.CONFIRMING
    data = case.events.filter(type=EventType.CASE_TRANSITIONED).last().payload["data"]
    assert set(data["applied"].values()) == {"paper_all"} and data["paper_signatures"] is True


def test_an_agreement_signature_is_not_an_application(world, django_capture_on_commit_callbacks):
    case = world.make_case(State.AGREED)
    for phone in (APPLICANT_PHONE, RESPONDENT_PHONE):
        client = party_client(phone, django_capture_on_commit_callbacks)
        assert _sign(client, case, "agreement").status_code == 201
    with pytest.raises(InvalidFields):
        _request(world, case)

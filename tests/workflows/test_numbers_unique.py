"""A partner's number names one case per issuing organisation (DESIGN.md §12.3): a second
petition transfer, court referral or 民特 registration with it is a 409 naming the case
that has it; another organisation may use the same number."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from mediation.law.choices import State
from mediation.models import Case, Handoff, Organization
from tests.conftest import case_body

from .conftest import complete, one_task

PETITION = "宁红信转〔2026〕15号"
REFERRAL = "（2026）宁0303诉前调1号"
MINTE = "（2026）宁0303民特12号"


def _transfer_body(world, number=PETITION):
    return {
        **case_body(world.home),
        "petition_number": number,
        "feedback_due": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "petitioner_consent": True,
    }


def _referral_body(world, number=REFERRAL):
    return {**case_body(world.home), "referral_number": number}


def _conflict(resp, field, first_id):
    assert resp.status_code == 409, resp.content
    body = resp.json()
    first = Case.objects.get(pk=first_id)
    assert body["existing_case"] == {"id": first.pk, "number": first.number}
    assert first.number in body["detail"] and field in body["errors"]
    assert body["current_state"] == first.state


def test_petition_number_twice_is_a_409_naming_the_case(world, as_user):
    client = as_user(world.petition)
    first = client.post("/api/petitions/transfers/", _transfer_body(world), format="json")
    assert first.status_code == 201, first.content
    again = client.post("/api/petitions/transfers/", _transfer_body(world), format="json")
    _conflict(again, "petition_number", first.json()["id"])
    assert Case.objects.count() == 1 and Handoff.objects.count() == 1
    other = client.post("/api/petitions/transfers/", _transfer_body(world, "X2"), format="json")
    assert other.status_code == 201


def test_referral_number_twice_is_a_409_naming_the_case(world, as_user):
    client = as_user(world.clerk)
    first = client.post("/api/courts/referrals/", _referral_body(world), format="json")
    assert first.status_code == 201, first.content
    again = client.post("/api/courts/referrals/", _referral_body(world), format="json")
    _conflict(again, "referral_number", first.json()["id"])
    assert Case.objects.count() == 1


def test_same_number_at_another_court_is_another_case(world, as_user):
    client = as_user(world.clerk)
    first = client.post("/api/courts/referrals/", _referral_body(world), format="json")
    assert first.status_code == 201
    # The same text issued by another organisation is its own number: the model allows it.
    other = Organization.objects.exclude(pk=world.court.pk).first()
    case = Case.objects.get(pk=first.json()["id"])
    Handoff.objects.create(
        case=case, kind="court_referral", org=other, external_number=REFERRAL,
        opened_at=timezone.now(),
    )  # fmt: skip
    assert Handoff.objects.filter(external_number=REFERRAL).count() == 2


def test_minte_number_twice_is_a_409_naming_the_case(world, as_user):
    clerk = as_user(world.clerk)
    one, two = world.make_case(State.CONFIRMING), world.make_case(State.CONFIRMING)
    resp = complete(clerk, one_task(clerk, "confirmation.register", one), decision="register",
                    number=MINTE)  # fmt: skip
    assert resp.status_code == 200, resp.content
    task = one_task(clerk, "confirmation.register", two)
    again = complete(clerk, task, decision="register", number=MINTE)
    _conflict(again, "number", one.pk)
    assert one_task(clerk, "confirmation.register", two)["id"] == task["id"]  # still open
    assert not Handoff.objects.get(case=two, kind="confirmation").external_number


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_transfers_with_one_number_make_one_case(world):
    """Five bureaus' retries at once: the check passes for all, the constraint lets one
    insert win, the others answer 409 naming it (never a 500)."""
    from rest_framework.test import APIClient

    from tests.api.conftest import token_for

    token = token_for(world.petition)
    answers: list[int] = []
    barrier = threading.Barrier(5)

    def post() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait(timeout=10)
            resp = client.post("/api/petitions/transfers/", _transfer_body(world), format="json")
            answers.append(resp.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers) == [201, 409, 409, 409, 409]
    assert Case.objects.count() == 1

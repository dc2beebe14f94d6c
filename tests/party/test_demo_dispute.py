"""The issue's "done when": both parties of the demo dispute, from their phones only, read
the notices, sign the agreement and apply to the court together, and the court receives a
signed application it can verify."""

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from mediation.documents import pades
from mediation.law.choices import State
from mediation.models import Case, Document, Organization
from mediation.ops import demo_parties
from mediation.ops.demo import seed
from tests.api.conftest import token_for

from .conftest import party_client
from .test_signing import _sign


def test_the_demo_dispute_is_signed_and_applied_for_from_phones(
    db, django_capture_on_commit_callbacks
):
    seed(count=2)
    case = Case.objects.get(summary=demo_parties.SUMMARY, case_parties__party__name="周玉兰")
    assert case.state == State.AGREED
    for phone in demo_parties.PHONES:
        client = party_client(phone, django_capture_on_commit_callbacks)
        (row,) = client.get("/api/party/cases/").json()
        for notice in row["notices"]:
            r = client.post(f"/api/party/cases/{case.pk}/notices/{notice['id']}/read/")
            assert r.status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            assert _sign(client, case, "agreement").status_code == 201
            assert _sign(client, case, "confirmation_application").status_code == 201
    assert Document.objects.filter(case=case, kind="agreement", reason="signed").exists()
    mediator = APIClient()
    mediator.credentials(
        HTTP_AUTHORIZATION=f"Token {token_for(User.objects.get(username='mediator'))}"
    )
    court = Organization.objects.get(name="红寺堡区人民法院")
    r = mediator.post(
        f"/api/cases/{case.pk}/transitions/request_confirmation/",
        {"court": court.pk, "joint_application": True},
        format="json",
    )
    assert r.status_code == 200, r.content
    pades.sign_application(case.pk)  # what the request's on-commit hook does
    clerk = APIClient()
    clerk.credentials(HTTP_AUTHORIZATION=f"Token {token_for(User.objects.get(username='clerk'))}")
    for kind in ("agreement", "confirmation_application"):
        body = clerk.get(f"/api/cases/{case.pk}/documents/{kind}.pdf/verify").json()
        assert body["signed"] and body["intact"], kind

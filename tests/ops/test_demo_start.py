"""`make run`'s first minute (issue 34): the demo password hashed once, the demo cases'
documents queued by seed_demo and rendered after the server answers, by the events' own
code path, while a page that asks for one first still gets it."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import MD5PasswordHasher
from rest_framework.test import APIClient

from mediation.law.choices import State
from mediation.models import Case, CaseEvent, Document
from mediation.ops import demo


@pytest.fixture
def hashes(monkeypatch):
    """Every password hash computed (encode) and checked (verify)."""
    calls = {"encode": 0, "verify": 0}
    encode, verify = MD5PasswordHasher.encode, MD5PasswordHasher.verify

    def counted_encode(self, password, salt):
        calls["encode"] += 1
        return encode(self, password, salt)

    def counted_verify(self, password, encoded):
        calls["verify"] += 1
        return verify(self, password, encoded)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted_encode)
    monkeypatch.setattr(MD5PasswordHasher, "verify", counted_verify)
    return calls


def test_the_demo_password_is_hashed_once_for_every_account(db, settings, hashes):
    demo.seed(count=0)
    users = get_user_model().objects.all()
    assert users.count() > 50
    assert hashes == {"encode": 1, "verify": 0}
    assert len({u.password for u in users}) == 1
    # the shared hash is the password's, and each account keeps it in its history
    assert users.get(username="mediator").check_password(settings.DEMO_PASSWORD)
    assert users.get(username="head").password_history.count() == 1
    hashes.update(encode=0, verify=0)
    demo.seed(count=0)  # again: one check of the stored hash, nothing rewritten
    assert hashes["verify"] == 1
    assert users.get(username="head").password_history.count() == 1
    # a changed demo password rehashes every account, still once
    settings.DEMO_PASSWORD = "another-demo-Pass1"
    hashes.update(encode=0, verify=0)
    demo.seed(count=0)
    assert hashes["verify"] == 1  # the old hash, once: it no longer holds
    assert len({u.password for u in users}) == 1
    assert users.get(username="judge").check_password("another-demo-Pass1")


def test_demo_documents_render_after_the_seed_and_on_demand_first(
    db, django_capture_on_commit_callbacks
):
    from mediation.documents import backlog

    # 20 registered cases, then one accepted (demo.PLAN's order)
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(count=21, defer_documents=True)
    assert not Document.objects.exists()
    jobs = backlog.pending()
    created = CaseEvent.objects.filter(type="case.created").count()
    assert [j["trigger"] for j in jobs].count("created") == created
    assert {j["event"] for j in jobs} <= set(CaseEvent.objects.values_list("pk", flat=True))

    # a page asks for the accepted case's notice before the background got to it (the
    # plan's; the police stations' demo referrals come beside it)
    case = Case.objects.exclude(registered_by__username="police").get(state=State.ACCEPTED)
    client = APIClient()
    client.force_authenticate(case.mediator)
    response = client.get(f"/api/cases/{case.pk}/documents/acceptance.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")

    progress = []
    with django_capture_on_commit_callbacks(execute=True):
        ran = backlog.render(lambda done, total: progress.append((done, total)), every=0)
    assert ran == len(jobs) and progress[-1] == (len(jobs), len(jobs))
    assert backlog.pending() == []
    # each event's documents, produced for that event, once (a case found proactively
    # has no application: the kind's own rule, as when rendered on commit)
    applications = Document.objects.filter(kind="application")
    assert applications.count() > 10
    for doc in applications:
        job = next(j for j in jobs if j["case"] == doc.case_id and j["trigger"] == "created")
        assert (doc.event_id, doc.reason, doc.version) == (job["event"], "event", 1)
    accept = CaseEvent.objects.get(case=case, type="case.transitioned")
    assert Document.objects.get(case=case, kind="rights_notice").event_id == accept.pk
    assert Document.objects.filter(case=case, kind="acceptance").count() == 1  # not twice
    # a second render finds nothing to do
    assert backlog.render() == 0


def test_without_deferral_documents_follow_their_events(db, django_capture_on_commit_callbacks):
    from mediation.documents import backlog

    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(count=1)
    assert backlog.pending() == []
    assert Document.objects.filter(kind="application").exists()

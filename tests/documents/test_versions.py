"""A stored document's versions through the download API: listed oldest first, the newest
served as current (a third version is what catches a reversed order, #33)."""

import hashlib

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from mediation.documents import records
from mediation.events import record_event
from mediation.law.choices import EventType, State
from mediation.models import Case, Document


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _poppler():
    """This module compares hashes only: it needs no poppler, so it runs everywhere."""


def correct_summary(world, case, summary, capture):
    # as the case-correction service does it: the row, the event, then the documents
    with capture(execute=True):
        with transaction.atomic():
            Case.objects.filter(pk=case.pk).update(summary=summary)
            event = record_event(case, EventType.CASE_UPDATED, world.head, {"record": "correction"})
            records.after_correction(case, ["summary"], event)


def test_three_versions_in_order_and_the_newest_served(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = world.make_case(State.ACCEPTED)
    for summary in ("双方因院墙排水沟改建发生争执。", "双方因宅基地界桩位置发生争执。"):
        correct_summary(world, case, summary, django_capture_on_commit_callbacks)
    client = APIClient()
    client.force_authenticate(world.mediator)
    url = f"/api/cases/{case.pk}/documents/acceptance.pdf"

    versions = client.get(url + "?version=list").json()["versions"]
    assert [(v["version"], v["reason"], v["current"]) for v in versions] == [
        (1, "event", False),
        (2, "correction", False),
        (3, "correction", True),
    ]
    stored = Document.objects.filter(case=case, kind="acceptance")
    assert sorted(stored.values_list("version", flat=True)) == [1, 2, 3]
    bodies = [client.get(url + f"?version={v['version']}").content for v in versions]
    assert [hashlib.sha256(b).hexdigest() for b in bodies] == [v["sha256"] for v in versions]
    assert len(set(bodies)) == 3  # each correction changed the printed summary

    served = client.get(url)
    assert served.status_code == 200
    assert served.content == bodies[2]
    assert records.current(case, "acceptance") == [stored.get(version=3)]

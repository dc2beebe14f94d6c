import pytest
from rest_framework.test import APIClient
from viewflow.workflow.status import PROCESS

from mediation import policies


@pytest.fixture(autouse=True)
def running_flow_means_open_handoff(db):
    """After every flow test: a running process has an open Handoff and a finished one a
    closed Handoff. The transition service's probe relies on it to skip the workflows hook
    for cases without a running flow."""
    yield
    from workflows.models import CaseProcess

    for process in CaseProcess.objects.select_related("handoff"):
        if process.handoff is None:
            continue
        running = process.status == PROCESS.NEW
        assert (process.handoff.status == "open") == running, (
            f"process {process.pk} is {process.status} but its handoff is {process.handoff.status}"
        )


@pytest.fixture
def as_user():
    """as_user(user) -> an APIClient authenticated as that user (fresh role cache)."""

    def make(user):
        policies.forget(user)
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def inbox(client, type_=None, case=None):
    """The caller's open tasks, optionally of one type and case."""
    resp = client.get("/api/tasks/")
    assert resp.status_code == 200, resp.content
    tasks = resp.json()["results"]
    if type_:
        tasks = [t for t in tasks if t["type"] == type_]
    if case is not None:
        tasks = [t for t in tasks if t["case"]["id"] == case.pk]
    return tasks


def one_task(client, type_, case):
    tasks = inbox(client, type_, case)
    assert len(tasks) == 1, tasks
    return tasks[0]


def complete(client, task, **body):
    return client.post(f"/api/tasks/{task['id']}/complete/", body, format="json")

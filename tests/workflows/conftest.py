import pytest
from rest_framework.test import APIClient

from mediation import policies


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
    tasks = resp.json()
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

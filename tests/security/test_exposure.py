"""Finding 10: an organisation's staff list was open to anyone signed in; the schema and
Swagger UI were public."""

import pytest
from django.test import Client

from .test_tokens import client_with, token_for


def test_members_visible_to_members_and_supervisors_only(world):
    url = f"/api/organizations/{world.home.pk}/members/"
    for user in (world.mediator, world.head, world.supervisor):
        r = client_with(token_for(user)).get(url)
        assert r.status_code == 200, user
        assert world.mediator.pk in {m["id"] for m in r.json()["results"]}
    for user in (world.outsider, world.clerk, world.intake):
        r = client_with(token_for(user)).get(url)
        assert r.status_code == 403, user
        assert "errors" in r.json()


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_need_sign_in(world, path):
    anonymous = Client().get(path)
    assert anonymous.status_code in (401, 403)
    c = Client()
    c.force_login(world.outsider)
    assert c.get(path).status_code == 200

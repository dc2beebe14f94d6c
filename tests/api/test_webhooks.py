"""The webhook API (DESIGN §12.3): supervisors and the system administrator keep the
endpoints; the secret is stored encrypted and never shown again; bad input is a 400 with
field messages; the deliveries are listed with their status."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.test import APIClient

from config.admin_roles import SYSTEM, ensure_groups
from mediation.law.choices import State
from mediation.live import webhooks
from mediation.models import Webhook
from tests.webhook_receiver import Receiver

SECRET = "s3cret-of-the-court-0001"


def body(**over):
    return {"url": "https://court.example/hooks", "events": ["*"], "secret": SECRET, **over}


def test_a_supervisor_creates_lists_reads_and_deletes_without_the_secret_coming_back(world, api):
    client = api(world.supervisor)
    r = client.post("/api/webhooks/", body(org=world.home.pk), format="json")
    assert r.status_code == 201, r.content
    created = r.json()
    assert "secret" not in created and SECRET not in r.content.decode()
    assert created["org"] == world.home.pk and created["events"] == ["*"]
    listing = client.get("/api/webhooks/").json()
    assert [h["id"] for h in listing["results"]] == [created["id"]]
    assert listing["count"] == 1 and listing["next"] is None
    one = client.get(f"/api/webhooks/{created['id']}/")
    assert one.status_code == 200 and SECRET not in one.content.decode()
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM mediation_webhook WHERE id = %s", [created["id"]])
        (stored,) = cur.fetchone()
    assert stored.startswith("sm4$") and SECRET not in stored
    assert Webhook.objects.get(pk=created["id"]).secret == SECRET
    assert client.delete(f"/api/webhooks/{created['id']}/").status_code == 204
    assert client.get(f"/api/webhooks/{created['id']}/").status_code == 404


def test_the_system_administrator_may_too(world, django_user_model):
    ensure_groups()
    admin = django_user_model.objects.create_user("sysadmin", is_staff=True)
    admin.groups.add(Group.objects.get(name=SYSTEM))
    client = APIClient()
    client.force_authenticate(admin)
    assert client.post("/api/webhooks/", body(), format="json").status_code == 201


@pytest.mark.parametrize("who", ["mediator", "head", "judge", "intake"])
def test_others_are_refused(world, api, who):
    client = api(getattr(world, who))
    assert client.post("/api/webhooks/", body(), format="json").status_code == 403
    assert client.get("/api/webhooks/").status_code == 403
    hook = api(world.supervisor).post("/api/webhooks/", body(), format="json").json()
    assert client.get(f"/api/webhooks/{hook['id']}/").status_code == 403
    assert client.delete(f"/api/webhooks/{hook['id']}/").status_code == 403
    assert client.get(f"/api/webhooks/{hook['id']}/deliveries/").status_code == 403
    assert Webhook.objects.filter(pk=hook["id"]).exists()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"url": "ftp://court.example/x"}, "url"),
        ({"url": "court.example/x"}, "url"),
        ({"url": "https://user:pw@court.example/x"}, "url"),
        ({"url": "http://court.example:99999/"}, "url"),
        ({"url": ""}, "url"),
        ({"url": 12}, "url"),
        ({"events": []}, "events"),
        ({"events": "case.created"}, "events"),
        ({"events": ["case.nonsense"]}, "events"),
        ({"secret": "short"}, "secret"),
        ({"secret": None}, "secret"),
        ({"org": 999999}, "org"),
        ({"org": "1"}, "org"),
        ({"org": True}, "org"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, api, over, field):
    r = api(world.supervisor).post("/api/webhooks/", body(**over), format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()["errors"], r.json()
    assert not Webhook.objects.exists()


def test_private_addresses_can_be_switched_off(world, api, settings):
    client = api(world.supervisor)
    local = body(url="http://127.0.0.1:8080/hook")
    assert client.post("/api/webhooks/", local, format="json").status_code == 201
    settings.WEBHOOK_ALLOW_PRIVATE = False
    r = client.post("/api/webhooks/", body(url="http://10.1.2.3/hook"), format="json")
    assert r.status_code == 400 and "url" in r.json()["errors"]


def test_the_deliveries_are_listed_with_their_status(world, api):
    client = api(world.supervisor)
    with Receiver() as receiver:
        hook = client.post("/api/webhooks/", body(url=receiver.url), format="json").json()
        world.make_case(State.ACCEPTED)
        receiver.script.append((500, 0))
        webhooks.Worker(webhooks.Sender(timeout=2)).run_until_idle()
        page = client.get(f"/api/webhooks/{hook['id']}/deliveries/").json()
    (row,) = page["results"]
    assert page["count"] == 1 and page["next"] is None
    assert row["status"] == "pending" and row["attempts"] == 1 and row["response_code"] == 500
    assert row["last_error"].startswith("HTTP 500") and row["next_attempt_at"]
    assert client.get(f"/api/webhooks/{hook['id']}/").json()["pending"] == 1
    r = client.get(f"/api/webhooks/{hook['id']}/deliveries/?status=nope")
    assert r.status_code == 400 and "status" in r.json()["errors"]
    filtered = client.get(f"/api/webhooks/{hook['id']}/deliveries/?status=delivered").json()
    assert filtered["results"] == []

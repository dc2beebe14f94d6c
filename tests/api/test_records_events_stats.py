"""Sessions, follow-ups, risk flags, the event stream, statistics, organisations, docs."""

import datetime as dt
import re

import time_machine
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.utils import timezone

from mediation.law.choices import State
from mediation.models import CaseEvent


def test_session_validation_and_permissions(api, world):
    case = world.make_case(State.MEDIATING)
    url = f"/api/cases/{case.pk}/sessions/"
    r = api(world.mediator).post(url, {"place": "调解室"}, format="json")
    assert r.status_code == 400
    assert {"held_at", "attendees", "record"} <= set(r.json()["errors"])
    # the court clerk cannot see a case that was never handed to the court
    assert api(world.clerk).post(url, {}, format="json").status_code == 404
    # a registered case takes no session yet
    fresh = world.make_case(State.REGISTERED)
    r = api(world.mediator).post(
        f"/api/cases/{fresh.pk}/sessions/",
        {"held_at": timezone.now().isoformat(), "place": "p", "attendees": "a", "record": "r"},
        format="json",
    )
    assert r.status_code == 409 and r.json()["current_state"] == "registered"


def test_follow_up_requires_performed(api, world):
    case = world.make_case(State.AGREED)
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/follow-ups/",
        {"date": timezone.localdate().isoformat()},
        format="json",
    )
    assert r.status_code == 400 and "performed" in r.json()["errors"]


def test_risk_flag_emits_an_event_that_the_supervisor_sees(api, world):
    case = world.make_case(State.MEDIATING)
    since = api(world.supervisor).get("/api/events/?limit=1000").json()["next_since"]
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/risk/",
        # a high flag records the police report (PML art 25)
        {
            "level": "high",
            "note": "扬言上访",
            "reported_to": "红寺堡派出所",
            "reported_at": timezone.now().isoformat(),
        },
        format="json",
    )
    assert r.status_code == 200 and r.json()["risk_level"] == "high"
    r = api(world.mediator).post(f"/api/cases/{case.pk}/risk/", {"level": "severe"}, format="json")
    assert r.status_code == 400 and {"level", "note"} <= set(r.json()["errors"])
    # a note that is not text is a field message, not a 500 (schemathesis found `true`)
    r = api(world.mediator).post(
        f"/api/cases/{case.pk}/risk/", {"level": "low", "note": True}, format="json"
    )
    assert r.status_code == 400 and "note" in r.json()["errors"]
    events = api(world.supervisor).get(f"/api/events/?since={since}").json()["results"]
    assert [e["type"] for e in events] == ["case.risk_flagged"]
    data = events[0]["data"]
    assert {k: data[k] for k in ("level", "note", "reported_to")} == {
        "level": "high",
        "note": "扬言上访",
        "reported_to": "红寺堡派出所",
    }
    assert events[0]["case"]["number"] == case.number


def test_events_since_pages_in_id_order_and_only_visible(api, world):
    mine = world.make_case(State.MEDIATING)
    theirs = world.make_case(State.ACCEPTED, org=world.other)
    c = api(world.head)
    seen, since = [], 0
    for _ in range(20):
        page = c.get(f"/api/events/?since={since}&limit=2").json()
        assert len(page["results"]) <= 2
        seen += page["results"]
        since = page["next_since"]
        if not page["has_more"]:
            break
    assert [e["id"] for e in seen] == sorted(e["id"] for e in seen)
    expected = list(CaseEvent.objects.filter(case=mine).order_by("id").values_list("id", flat=True))
    assert [e["id"] for e in seen] == expected
    assert theirs.pk not in {e["case"]["id"] for e in seen}
    # nothing new: the same since comes back
    assert c.get(f"/api/events/?since={since}").json() == {
        "results": [],
        "next": None,
        "previous": None,
        "next_since": since,
        "has_more": False,
    }
    assert c.get("/api/events/?since=-1").status_code == 400


def test_stats_summary_counts_visible_cases(api, world, on_a_wednesday):
    world.make_case(State.CLOSED)
    world.make_case(State.FAILED)
    world.make_case(State.CONFIRMED)
    world.make_case(State.MEDIATING, category="labor")
    world.make_case(State.REGISTERED, org=world.other)
    s = api(world.head).get("/api/stats/summary/").json()
    assert s["total"] == 4
    assert s["agreed"] == 2 and s["ended"] == 3
    assert s["success_rate"] == round(2 / 3, 4)
    assert s["confirmation_requested"] == 1 and s["confirmation_rate"] == 1.0
    assert s["priority"] == 4 and s["priority_share"] == 1.0
    assert {r["key"]: r["count"] for r in s["by_category"]} == {"neighbour": 3, "labor": 1}
    assert s["by_network"] == [{"key": "people", "label": "人民调解", "count": 4}]
    month = timezone.localtime().strftime("%Y-%m")
    assert s["by_month"][0]["key"] == month and s["by_month"][0]["count"] == 4
    whole = api(world.supervisor).get("/api/stats/summary/").json()
    assert whole["total"] == 5
    assert {r["key"]: r["count"] for r in whole["by_region"]} == {"红寺堡镇": 5}
    # The registered priority case is due for a decision in one day; the labour case's
    # mediation in fifteen.
    with time_machine.travel(timezone.now() + dt.timedelta(days=5)):
        assert api(world.supervisor).get("/api/stats/summary/").json()["overdue"] == 1
    with time_machine.travel(timezone.now() + dt.timedelta(days=16)):
        assert api(world.supervisor).get("/api/stats/summary/").json()["overdue"] == 2
    filtered = api(world.supervisor).get("/api/stats/summary/?category=labor").json()
    assert filtered["total"] == 1


def test_me_organizations_and_members(api, world):
    me = api(world.head).get("/api/me/").json()
    assert me["username"] == "head" and me["name"] == "李文华"
    assert me["memberships"] == [
        {
            "org": world.home.pk,
            "org_name": world.home.name,
            "role": "org_head",
            "role_label": "负责人",
        }
    ]
    orgs = api(world.head).get("/api/organizations/").json()["results"]
    court = next(o for o in orgs if o["id"] == world.court.pk)
    assert court["kind"] == "court" and court["network"] == "judicial"
    members = api(world.head).get(f"/api/organizations/{world.home.pk}/members/").json()["results"]
    assert {(m["username"], m["role"]) for m in members} >= {
        ("mediator", "mediator"),
        ("mediator2", "mediator"),
        ("head", "org_head"),
    }
    assert api(world.head).get("/api/organizations/999999/members/").status_code == 404


def test_session_authentication_works_for_the_browser(world):
    from django.conf import settings
    from rest_framework.test import APIClient

    c = APIClient(enforce_csrf_checks=True)
    assert c.login(username="head", password=settings.DEMO_PASSWORD)
    assert c.get("/api/me/").json()["username"] == "head"
    # a state change over the session needs the CSRF token
    case = world.make_case()
    r = c.post(f"/api/cases/{case.pk}/transitions/withdraw/", {"note": "x"}, format="json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]


def test_schema_is_valid_openapi_and_docs_are_served_locally(api, world, tmp_path):
    out = tmp_path / "schema.yaml"
    # --validate checks the document against the OpenAPI 3 meta-schema (raises if invalid)
    call_command("spectacular", "--validate", "--file", str(out))
    text = out.read_text()
    assert "/api/cases/{id}/transitions/accept/" in text and "current_state" in text
    assert api().get("/api/schema/").status_code == 401  # signed-in users only
    r = api(world.head).get("/api/schema/")
    assert r.status_code == 200
    docs = api(world.head).get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower() and "https://" not in html
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert len(assets) >= 3
    for asset in assets:  # every asset the page loads is a file the project serves
        assert finders.find(asset), asset


def test_one_operation_per_transition_with_its_exact_body(api, world):
    import yaml

    schema = yaml.safe_load(api(world.head).get("/api/schema/").content)
    ops = {
        path.split("/")[-2]: item["post"]
        for path, item in schema["paths"].items()
        if path.startswith("/api/cases/{id}/transitions/")
    }
    assert {"accept", "reach_agreement", "archive", "request_confirmation"} <= set(ops)
    post = ops["accept"]
    assert post["operationId"] == "cases_transition_accept"
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/TransitionAccept"}
    accept = schema["components"]["schemas"]["TransitionAccept"]
    assert accept["required"] == ["mediator"]
    assert accept["properties"]["mediator"]["type"] == "integer"
    # after accept, the state machine's next steps are linked
    assert "Begin" in post["responses"]["200"]["links"]
    assert set(post["responses"]) >= {"200", "400", "401", "403", "404", "409"}

"""The whole people's-mediation lifecycle through HTTP only, each step by the role that
does it in practice (intake clerk, head, mediator)."""

import datetime as dt

from django.utils import timezone

from mediation.models import Case
from tests.conftest import case_body


def _names(case_json):
    return [t["name"] for t in case_json["available_transitions"]]


def test_people_mediation_lifecycle_over_http(api, world):
    intake, head, mediator = api(world.intake), api(world.head), api(world.mediator)
    today = timezone.localdate()

    r = intake.post("/api/cases/", case_body(world.home), format="json")
    assert r.status_code == 201, r.json()
    case = r.json()
    cid = case["id"]
    assert case["state"] == "registered" and case["state_label"] == "待受理"
    assert case["number"].startswith(f"（{today.year}）红人调字第")
    assert case["priority"] is True  # applicant is a veteran (and elderly)
    assert case["org"] == world.home.pk and case["network"] == "people"
    assert [p["name"] for p in case["parties"]] == ["马建国", "杨学军"]

    r = head.get(f"/api/cases/{cid}/")
    assert r.status_code == 200
    assert {"accept", "decline", "transfer", "withdraw"} <= set(_names(r.json()))
    accept = next(t for t in r.json()["available_transitions"] if t["name"] == "accept")
    assert accept["fields"] == [
        {"name": "mediator", "label": "调解员", "required": True, "type": "integer"}
    ]

    r = head.post(
        f"/api/cases/{cid}/transitions/accept/", {"mediator": world.mediator.pk}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "accepted"
    assert r.json()["mediator"]["username"] == "mediator"
    assert r.json()["due_at"] is not None

    # The mediator's own view offers begin; the head's would too, the clerk's would not.
    r = mediator.get(f"/api/cases/{cid}/")
    assert "begin" in _names(r.json())
    r = mediator.post(f"/api/cases/{cid}/transitions/begin/", {"consent": True}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "mediating"

    session = {
        "held_at": timezone.now().isoformat(),
        "place": "红寺堡镇调解室",
        "attendees": "马建国、杨学军、马桂兰",
        "record": "双方陈述意见，同意改建排水沟。",
    }
    r = mediator.post(f"/api/cases/{cid}/sessions/", session, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["place"] == "红寺堡镇调解室"

    agreement = {
        "form": "written",
        "facts": "双方因排水沟改建发生争议。",
        "responsibilities": "被申请人负主要责任。",
        "terms": "被申请人于十日内改建排水沟。",
        "performance_method": "自行施工",
        "performance_due": (today + dt.timedelta(days=10)).isoformat(),
        "effective_date": today.isoformat(),
    }
    r = mediator.post(f"/api/cases/{cid}/transitions/reach_agreement/", agreement, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "agreed"
    assert r.json()["agreement"]["terms"] == "被申请人于十日内改建排水沟。"

    # Closing an agreed people's-mediation case needs a follow-up first: a clear 400.
    r = mediator.post(f"/api/cases/{cid}/transitions/close/", {"note": "已履行"}, format="json")
    assert r.status_code == 400
    assert "回访" in r.json()["errors"]["non_field_errors"][0]

    r = mediator.post(
        f"/api/cases/{cid}/follow-ups/",
        {
            "date": today.isoformat(),
            "performed": True,
            "note": "已改建",
            "early_reason": "已提前改建",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    r = mediator.post(f"/api/cases/{cid}/transitions/close/", {"note": "已履行"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["state"] == "closed" and r.json()["closed_at"]

    # Archiving is the head's: the mediator is an insider without the right.
    r = mediator.post(f"/api/cases/{cid}/transitions/archive/", {}, format="json")
    assert r.status_code == 403
    r = head.post(f"/api/cases/{cid}/transitions/archive/", {}, format="json")
    assert r.status_code == 200, r.json()
    final = r.json()
    assert final["state"] == "archived" and final["available_transitions"] == []
    assert len(final["sessions"]) == 1 and len(final["follow_ups"]) == 1

    r = head.get(f"/api/cases/{cid}/events/")
    assert r.status_code == 200
    events = r.json()["results"]
    transitions = [e["data"]["transition"] for e in events if e["type"] == "case.transitioned"]
    assert transitions == ["accept", "begin", "reach_agreement", "close", "archive"]
    assert events[0]["type"] == "case.created"
    assert [e["id"] for e in events] == sorted(e["id"] for e in events)
    assert {e["actor"]["name"] for e in events} >= {"李文华", "马桂兰"}

    # Frozen: any further change is a 409 with the state it is in.
    r = mediator.post(f"/api/cases/{cid}/sessions/", session, format="json")
    assert r.status_code == 409 and r.json()["current_state"] == "archived"
    assert Case.objects.get(pk=cid).state == "archived"

"""Complaints: anyone files one (API and portal form), supervisors handle it through its
states, an upheld one may add a negative-list entry; who may see and do what."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from mediation.models import AuditEvent, Complaint, NegativeListEntry, TimeLimit

CST = dt.timezone(dt.timedelta(hours=8))

pytestmark = pytest.mark.django_db


def body(world, **over):
    data = {
        "org": world.home.pk,
        "mediator": world.mediator.pk,
        "complainant": "马玉兰",
        "contact": "13995310001",
        "facts": "调解员在调解中偏袒对方，并泄露我的家庭情况。",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def file(api, world, **over):
    r = api().post("/api/complaints/", body(world, **over), format="json")
    assert r.status_code == 201, r.content
    return r.json()


def test_anyone_may_complain_and_the_deadline_is_set(api, world):
    # Received on Wednesday 2026-09-09: the 30th day, Friday 2026-10-09, is a working day,
    # so the complaint is due at its end.
    with time_machine.travel(dt.datetime(2026, 9, 9, 10, tzinfo=CST), tick=False):
        c = file(api, world)
    assert c["state"] == "received" and c["state_label"] == "已收到"
    complaint = Complaint.objects.get(pk=c["id"])
    assert complaint.due_at == dt.datetime(2026, 10, 9, 23, 59, 59, tzinfo=CST)
    assert "30日" in c["due_basis"] and "司法局内部办理时限" in c["due_basis"]


def test_the_complaint_limit_is_a_row_an_administrator_edits(api, world):
    # The limit lives in the legal-clocks table (stage complaint_handle), not in settings;
    # a period whose last day is a rest day ends on the next working day.
    TimeLimit.objects.filter(stage="complaint_handle").update(count=10)
    with time_machine.travel(dt.datetime(2026, 9, 9, 10, tzinfo=CST), tick=False):
        c = file(api, world)
    complaint = Complaint.objects.get(pk=c["id"])
    # day 10 is Saturday 2026-09-19; Sunday the 20th is a make-up working day (调休) on
    # the official calendar, so the period ends then (CPL art 85's rule, as for the law's).
    assert timezone.localdate(complaint.due_at) == dt.date(2026, 9, 20)
    assert AuditEvent.objects.get(complaint=complaint).type == "complaint.received"


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"contact": None}, "contact", "请留下联系电话"),
        ({"facts": None}, "facts", "请写明投诉的事实和理由"),
        ({"contact": "12345"}, "contact", ""),
        ({"org": None}, "org", ""),
        ({"mediator": 999999}, "mediator", "该调解员不属于所选组织"),
    ],
)
def test_incomplete_complaints_get_field_messages(api, world, over, field, message):
    r = api().post("/api/complaints/", body(world, **over), format="json")
    assert r.status_code == 400
    assert message in r.json()["errors"][field][0]
    assert not Complaint.objects.exists()


def test_the_answer_does_not_tell_whether_a_case_number_exists(api, world, client):
    """Issue 30: "案号不存在" told an anonymous visitor which case numbers are real."""
    real = world.make_case().number
    answers = []
    for number in (real, "（2026）红人调字第9999号"):
        r = api().post("/api/complaints/", body(world, case_number=number), format="json")
        assert r.status_code == 201
        answers.append(sorted(k for k in r.json() if k != "id"))
        page = client.post(
            "/complain/",
            {**body(world, mediator=None), "case_number": number},
        )
        assert page.status_code == 200 and b"complaint-done" in page.content
    assert answers[0] == answers[1]
    linked, _page, unknown, _page2 = Complaint.objects.order_by("id")
    assert linked.case is not None and linked.case.number == real
    # the unknown number is kept for the supervisor, as written
    assert unknown.case is None and "（2026）红人调字第9999号" in unknown.facts


def test_the_complaint_form_is_rate_limited(api, world, settings):
    settings.COMPLAINT_RATE_PER_IP = 2
    file(api, world)
    file(api, world)
    r = api().post("/api/complaints/", body(world), format="json")
    assert r.status_code == 429
    assert Complaint.objects.count() == 2


def test_supervisor_investigates_upholds_and_lists_the_mediator(api, world):
    c = file(api, world)
    sup = api(world.supervisor)
    url = f"/api/complaints/{c['id']}/transitions"
    r = sup.post(f"{url}/investigate/", {"note": "已约谈双方"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "investigating"
    assert r.json()["available_transitions"] == ["uphold", "dismiss"]
    missing = sup.post(
        f"{url}/uphold/", {"conclusion": "属实", "negative_list": True}, format="json"
    )
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == {"conduct", "occurred_on", "until"}
    assert not NegativeListEntry.objects.exists()
    today = timezone.localdate()
    r = sup.post(
        f"{url}/uphold/",
        {
            "conclusion": "经查属实",
            "negative_list": True,
            "conduct": "泄露当事人隐私",
            "occurred_on": (today - dt.timedelta(days=10)).isoformat(),
            "until": (today + dt.timedelta(days=365)).isoformat(),
        },
        format="json",
    )
    assert r.status_code == 200, r.content
    done = r.json()
    assert done["state"] == "upheld" and done["closed_at"] and done["available_transitions"] == []
    assert [e["data"].get("to") for e in done["events"]] == [None, "investigating", "upheld"]
    entries = sup.get("/api/negative-list/").json()["results"]
    assert len(entries) == 1 and entries[0]["mediator"]["id"] == world.mediator.pk
    assert entries[0]["conduct"] == "泄露当事人隐私" and entries[0]["complaint"] == c["id"]
    # a second decision on a decided complaint: 409 with the state
    again = sup.post(f"{url}/dismiss/", {"conclusion": "不成立"}, format="json")
    assert again.status_code == 409 and again.json()["current_state"] == "upheld"
    roster = sup.get("/api/mediators/?q=" + world.mediator.last_name).json()["results"]
    row = next(m for m in roster if m["id"] == world.mediator.pk)
    assert row["negative_list"][0]["conduct"] == "泄露当事人隐私"


def test_dismiss_straight_away(api, world):
    c = file(api, world)
    r = api(world.supervisor).post(
        f"/api/complaints/{c['id']}/transitions/dismiss/",
        {"conclusion": "无事实依据"},
        format="json",
    )
    assert r.json()["state"] == "dismissed"
    bad = api(world.supervisor).post(
        f"/api/complaints/{c['id']}/transitions/fly/", {}, format="json"
    )
    assert bad.status_code == 404


def test_who_sees_and_handles_complaints(api, world):
    about_mediator = file(api, world)
    about_other = file(api, world, mediator=world.mediator2.pk, contact="13995310002")
    mine = api(world.mediator).get("/api/complaints/").json()["results"]
    # the mediator sees the complaint about themself, with the complainant masked
    assert [c["id"] for c in mine] == [about_mediator["id"]]
    assert mine[0]["complainant"] == "马**" and mine[0]["contact"] == "139****0001"
    assert api(world.mediator).get(f"/api/complaints/{about_other['id']}/").status_code == 404
    # ... and cannot handle it
    r = api(world.mediator).post(
        f"/api/complaints/{about_mediator['id']}/transitions/dismiss/",
        {"conclusion": "不成立"},
        format="json",
    )
    assert r.status_code == 403
    # a head of the same committee does not read complaints about colleagues
    assert api(world.head).get("/api/complaints/").json()["results"] == []
    r = api(world.head).post(
        f"/api/complaints/{about_other['id']}/transitions/investigate/",
        {"note": "x"},
        format="json",
    )
    assert r.status_code == 404
    assert api(world.head).get("/api/negative-list/").status_code == 403
    assert api().get("/api/complaints/").status_code == 401
    sup = api(world.supervisor).get("/api/complaints/").json()["results"]
    assert {c["id"] for c in sup} == {about_mediator["id"], about_other["id"]}
    assert api(world.supervisor).get("/api/complaints/?state=martian").status_code == 400
    assert Complaint.objects.filter(state="received").count() == 2


def test_portal_form_and_supervisor_pages(client, world):
    r = client.post("/complain/", {"org": world.home.pk, "complainant": "马玉兰", "facts": ""})
    assert r.status_code == 400
    page = r.content.decode()
    assert "请留下联系电话，以便告知处理结果" in page and "请写明投诉的事实和理由" in page
    r = client.post(
        "/complain/",
        {
            "org": world.home.pk,
            "mediator": world.mediator.pk,
            "complainant": "马玉兰",
            "contact": "13995310001",
            "facts": "调解员迟迟不安排调解。",
        },
    )
    assert r.status_code == 200 and "投诉已收到" in r.content.decode()
    complaint = Complaint.objects.get()
    client.force_login(world.supervisor)
    assert "马玉兰" in client.get("/supervision/complaints/").content.decode()
    url = f"/supervision/complaints/{complaint.pk}/"
    r = client.post(url, {"transition": "investigate", "investigate-note": "已调取卷宗"})
    assert r.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == "investigating" and complaint.handler == world.supervisor
    r = client.post(url, {"transition": "uphold", "uphold-conclusion": ""})
    assert r.status_code == 400 and "该字段是必填项" in r.content.decode()
    client.force_login(world.mediator2)
    assert client.get(url).status_code == 404

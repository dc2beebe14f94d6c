"""The clocks that run on the handoffs (issue #9; DESIGN.md §4): the petition's 15-day
notice and 60(+30)-day handling, and labour arbitration's 5-day acceptance and 45(+15)-day
award, started when the commission records the party's filing."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from mediation.actions import services
from mediation.law.choices import State
from mediation.law.deadlines import sweep
from mediation.models import Case, CaseEvent, Handoff
from tests.conftest import case_body

from .conftest import complete, one_task


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def end_of(day: str) -> str:
    return f"{day}T23:59:59+08:00"


TRANSFER_AT = local(2026, 9, 28, 10)


@pytest.fixture
def petition_case(world, as_user):
    body = {
        **case_body(world.home),
        "petition_number": "宁红信转〔2026〕21号",
        "feedback_due": "2026-11-15",
        "received_on": "2026-09-25",
        "petitioner_consent": True,  # 信访工作条例 art 33
    }
    with time_machine.travel(TRANSFER_AT, tick=False):
        resp = as_user(world.petition).post("/api/petitions/transfers/", body, format="json")
    assert resp.status_code == 201, resp.content
    return Case.objects.get(pk=resp.json()["id"])


def test_petition_clocks_show_to_the_officer(world, petition_case, as_user, client):
    case = petition_case
    petition = as_user(world.petition)
    with time_machine.travel(TRANSFER_AT, tick=False):
        body = petition.get(f"/api/cases/{case.pk}/").json()["petition"]
    # Received 25 Sep: 15 days end on 10 Oct, a Saturday worked in exchange.
    assert body["accept_notice_due"] == end_of("2026-10-10")
    # Accepted (transferred) 28 Sep: 60 days end on Friday 27 Nov.
    assert body["handle_due"] == end_of("2026-11-27")
    assert "《信访工作条例》" in body["handle_basis"]
    assert body["number"] == "宁红信转〔2026〕21号" and body["notified_on"] is None
    client.force_login(world.petition)
    with time_machine.travel(TRANSFER_AT, tick=False):
        page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "办理期限 2026-11-27" in page and "告知信访人期限 2026-10-10" in page
    assert f'title="{body["handle_basis"]}"' in page

    # The notice clock is swept until the officer records the notice.
    with time_machine.travel(local(2026, 10, 11, 0, 0, 1), tick=False):
        sweep()
    notice = [
        e
        for e in CaseEvent.objects.filter(case=case, type="deadline.overdue")
        if e.payload["data"].get("clock") == "accept_notice"
    ]
    assert len(notice) == 1 and notice[0].payload["data"]["org"] == world.petition_bureau.pk

    url = f"/api/cases/{case.pk}/petition/clock/"
    for outsider in (world.mediator, world.clerk):
        assert as_user(outsider).post(url, {"action": "notified"}, format="json").status_code in (
            403,
            404,
        )
    with time_machine.travel(local(2026, 10, 12, 9), tick=False):
        # a value the schema refuses is refused even where the action does not use it
        # (schemathesis sent days 2**63 with "notified" and got a 200)
        huge = {"action": "notified", "notified_on": "2026-10-09", "days": 2**63}
        resp = petition.post(url, huge, format="json")
        assert resp.status_code == 400 and "days" in resp.json()["errors"]
        resp = petition.post(
            url, {"action": "notified", "notified_on": "2026-10-09"}, format="json"
        )
        assert resp.status_code == 200, resp.content
        assert resp.json()["petition"]["notified_on"] == "2026-10-09"
        # One extension of at most 30 days (信访工作条例 2022).
        resp = petition.post(url, {"action": "extend", "days": 31, "reason": "复杂"}, format="json")
        assert resp.status_code == 400 and "不得超过30日" in resp.json()["errors"]["days"][0]
        resp = petition.post(url, {"action": "extend", "days": 30, "reason": "复杂"}, format="json")
        assert resp.status_code == 200
        # 27 Nov + 30 days = Sunday 27 Dec: the next working day.
        assert resp.json()["petition"]["handle_due"] == end_of("2026-12-28")
        resp = petition.post(url, {"action": "extend", "days": 5, "reason": "再延"}, format="json")
        assert resp.status_code == 400 and "只能延长一次" in resp.json()["errors"]["action"][0]
    updated = CaseEvent.objects.filter(case=case, type="case.updated")
    assert [e.payload["data"]["petition_clock"] for e in updated] == ["accept_notice", "handle"]
    # Handling: 80% of 91 counted days (29 Sep – 28 Dec) = 72.8 days → 10 Dec, 19:12.
    edge = local(2026, 12, 10, 19, 12)
    handle = {"clock": "handle"}

    def announced(kind):
        events = CaseEvent.objects.filter(case=case, type=f"deadline.{kind}")
        return [e for e in events if e.payload["data"].get("clock") == handle["clock"]]

    with time_machine.travel(edge - dt.timedelta(seconds=1), tick=False):
        sweep()
        assert announced("approaching") == []
    with time_machine.travel(edge, tick=False):
        sweep()
        assert len(announced("approaching")) == 1
    # The notice was recorded: its clock is not swept any more.
    with time_machine.travel(local(2026, 12, 29, 0, 0, 1), tick=False):
        sweep()
    assert len(announced("overdue")) == 1
    overdue_notices = [
        e
        for e in CaseEvent.objects.filter(case=case, type="deadline.overdue")
        if e.payload["data"].get("clock") == "accept_notice"
    ]
    assert len(overdue_notices) == 1


@pytest.fixture
def referred_labour(world):
    with time_machine.travel(local(2026, 9, 21, 10), tick=False):
        case = world.make_case(State.FAILED, category="labor")
        services.perform(
            case,
            "refer",
            world.mediator,
            {"route": "arbitration", "target_org": world.arbitration.pk},
        )
    return case


def test_labour_arbitration_clocks_start_at_the_recorded_filing(world, referred_labour, as_user):
    case, arbiter = referred_labour, as_user(world.arbiter)
    with time_machine.travel(local(2026, 9, 24, 10), tick=False):
        filing = one_task(arbiter, "referral.filing", case)
        assert filing["due_at"] is None  # the parties file when they choose to
        assert (
            complete(arbiter, filing, decision="record", filed_on="2026-09-20").status_code == 400
        )
        resp = complete(arbiter, filing, decision="record", filed_on="2026-09-24")
        assert resp.status_code == 200, resp.content
        ack = one_task(arbiter, "referral.acknowledge", case)
    # Filed 24 Sep: 5 days end on 29 Sep (LDMAL art 29).
    assert ack["due_at"] == end_of("2026-09-29")
    assert "第二十九条" in ack["due_basis"]
    with time_machine.travel(local(2026, 9, 28, 10), tick=False):
        resp = complete(arbiter, ack, decision="accept", number="红劳人仲案字〔2026〕31号")
        assert resp.status_code == 200, resp.content
        result = one_task(arbiter, "referral.result", case)
    # Accepted 28 Sep: 45 days end on Thursday 12 Nov (LDMAL art 43).
    assert result["due_at"] == end_of("2026-11-12")
    assert "第四十三条" in result["due_basis"]
    handoff = Handoff.objects.get(case=case, kind="arbitration")
    assert timezone.localtime(handoff.due_at).isoformat() == end_of("2026-11-12")
    with time_machine.travel(local(2026, 11, 10, 10), tick=False):
        resp = complete(arbiter, result, decision="extend", days=16, reason="案情复杂")
        assert resp.status_code == 400
        resp = complete(arbiter, result, decision="extend", days=15, reason="案情复杂")
        assert resp.status_code == 200, resp.content
        again = one_task(arbiter, "referral.result", case)
    # 12 Nov + 15 days = Friday 27 Nov; only one extension.
    assert again["due_at"] == end_of("2026-11-27")
    assert "extend" not in {d["decision"] for d in again["decisions"]}
    with time_machine.travel(local(2026, 11, 20, 10), tick=False):
        resp = complete(arbiter, again, decision="record", result="裁决支持申请人请求")
        assert resp.status_code == 200
    case.refresh_from_db()
    assert case.state == State.CLOSED

"""Chromium against a real daphne: the daily paths of a township mediator and a clerk."""

import datetime as dt
import importlib.util
import json
import os
import shutil
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

HAS_SOCKETS = importlib.util.find_spec("mediation.live.routing") is not None


def open_case(page, server, name):
    case = server["cases"][name]
    page.goto(f"{server['url']}/cases/{case['id']}/")
    expect(page.locator("#case-head h1")).to_have_text(case["number"])
    return case


def state_badge(page):
    return page.locator("#case-head .badge.state")


def test_mediator_begins_and_reaches_agreement_through_the_forms(server, new_page):
    page = new_page("mediator")
    case = server["cases"]["accepted"]
    page.get_by_role("link", name=case["number"]).click()
    expect(state_badge(page)).to_have_text("已受理")

    page.locator('details[data-transition="begin"] summary').click()
    page.get_by_label("被申请人同意调解").check()
    page.locator('details[data-transition="begin"]').get_by_role("button", name="提交").click()
    expect(state_badge(page)).to_have_text("调解中")
    expect(page.locator(".msg-success")).to_contain_text("已完成“开始调解”")

    form = page.locator('details[data-transition="reach_agreement"]')
    form.locator("summary").click()
    # The server's today is Beijing's (the law's dates are local; at 03:00 CST it is
    # still yesterday in UTC).
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    form.get_by_label("协议形式").select_option(label="书面协议")
    form.get_by_label("履行方式").fill("现金支付")
    form.get_by_label("生效日期").fill(today.isoformat())
    form.get_by_label("履行期限").fill((today - dt.timedelta(days=1)).isoformat())
    page.locator('details[data-transition="reach_agreement"]').get_by_role(
        "button", name="提交"
    ).click()
    # the service's 400: messages next to the fields, the form kept open with the input
    form = page.locator('details[data-transition="reach_agreement"]')
    expect(form.locator('[data-for="reach_agreement-terms"]')).to_have_text("该字段是必填项。")
    expect(form.locator('[data-for="reach_agreement-performance_due"]')).to_contain_text(
        "履行期限不得早于协议生效日期"
    )
    expect(form.get_by_label("履行方式")).to_have_value("现金支付")
    expect(state_badge(page)).to_have_text("调解中")

    # PML art 29: the agreement states the facts and each party's responsibility.
    form.get_by_label("纠纷主要事实、争议事项").fill("被申请人修建院墙致申请人院内雨水倒灌。")
    form.get_by_label("各方当事人的责任").fill("被申请人修建院墙未留排水通道，承担主要责任。")
    form.get_by_label("协议内容").fill("被申请人于十日内改建排水沟。")
    form.get_by_label("履行期限").fill((today + dt.timedelta(days=10)).isoformat())
    page.locator('details[data-transition="reach_agreement"]').get_by_role(
        "button", name="提交"
    ).click()
    expect(state_badge(page)).to_have_text("已达成协议")
    expect(page.locator("#agreement")).to_contain_text("被申请人于十日内改建排水沟。")
    expect(page.locator("#timeline li").first).to_contain_text("达成协议：调解中 → 已达成协议")
    assert page.errors == []


def test_intake_clerk_registers_a_case_with_an_added_party(server, new_page):
    page = new_page("intake")
    page.get_by_role("link", name="登记", exact=True).click()
    page.get_by_label("受理组织").select_option(label="红寺堡镇人民调解委员会")
    page.get_by_label("来源渠道").select_option(label="12348热线")
    page.get_by_label("纠纷类型").select_option(label="土地承包流转")
    page.get_by_label("纠纷事实").fill("双方就承包地流转费用发生争议。")
    page.get_by_label("申请事项").fill("支付流转费八千元。")
    parties = page.locator("[data-party]")
    first, second = parties.nth(0), parties.nth(1)
    first.get_by_label("姓名/名称").fill("海玉梅")
    first.get_by_label("公民身份号码").fill("640303195503010031")  # wrong check digit
    first.get_by_label("联系电话").fill("13995300123")
    second.get_by_label("姓名/名称").fill("白振华")
    page.get_by_role("button", name="＋ 添加当事人").click()
    expect(parties).to_have_count(3)
    third = parties.nth(2)
    expect(third.get_by_label("地位")).to_have_value("third_party")
    third.get_by_label("姓名/名称").fill("红寺堡镇中圈塘村村民委员会")
    third.get_by_label("类别").select_option("organization")
    page.get_by_role("button", name="登记", exact=True).click()

    first = page.locator("[data-party]").nth(0)
    expect(first.locator('[data-for="parties-0-id_number"]')).to_have_text(
        "当事人“海玉梅”：公民身份号码校验码错误"
    )
    expect(page.locator("[data-party]")).to_have_count(3)
    first.get_by_label("公民身份号码").fill("640303195503010030")
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.locator(".msg-success")).to_contain_text("已登记，案号（")
    expect(state_badge(page)).to_have_text("待受理")
    expect(page.locator("#case-head")).to_contain_text("优先办理")  # born 1955: elderly
    expect(page.locator("#parties")).to_contain_text("红寺堡镇中圈塘村村民委员会")
    # the intake clerk sees what they just registered in full until it is accepted
    expect(page.locator("#parties")).to_contain_text("640303195503010030")
    assert page.errors == []


def test_case_page_layout_screenshot(server, new_page, tmp_path):
    page = new_page("mediator")
    open_case(page, server, "screenshot")
    main = page.locator(".col-main").bounding_box()
    side = page.locator(".col-side").bounding_box()
    assert side["x"] > main["x"] + main["width"] - 1  # actions beside the facts, not below
    expect(page.locator("#actions details.transition")).not_to_have_count(0)
    expect(page.locator("#records")).to_contain_text("红寺堡镇调解室")
    path = tmp_path / "case-page.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 20_000
    keep = os.environ.get("BROWSER_SCREENSHOT_DIR")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(path, os.path.join(keep, "case-page.png"))
        page.goto(server["url"] + "/")
        page.screenshot(path=os.path.join(keep, "case-list.png"), full_page=False)
        page.goto(server["url"] + "/cases/new/")
        page.screenshot(path=os.path.join(keep, "intake.png"), full_page=True)
    assert page.errors == []


def test_portal_lookup_in_the_browser(server, new_page):
    page = new_page()
    case = server["cases"]["screenshot"]
    page.goto(server["url"] + "/track/")
    page.get_by_label("案号").fill(case["number"])
    page.get_by_label("申请人联系电话").fill("13900000000")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".errors")).to_have_text("未查询到匹配的案件，请核对案号和申请人联系电话")
    page.get_by_label("申请人联系电话").fill("13995312345")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#track-result")).to_contain_text("调解中")
    expect(page.locator("#track-result")).to_contain_text("马**")
    expect(page.locator("body")).not_to_contain_text("马建国")


@pytest.mark.skipif(
    not HAS_SOCKETS, reason="the websocket consumer (mediation.live.routing) is absent"
)
def test_transition_in_one_browser_shows_live_in_the_other(server, new_page):
    head = new_page("head")
    mediator = new_page("mediator")
    case = open_case(head, server, "live")
    open_case(mediator, server, "live")
    expect(head.locator("#live-status")).to_be_visible()  # socket open
    head.evaluate("window.__notReloaded = true")

    mediator.locator('details[data-transition="begin"] summary').click()
    mediator.get_by_label("被申请人同意调解").check()
    mediator.locator('details[data-transition="begin"]').get_by_role("button", name="提交").click()
    expect(state_badge(mediator)).to_have_text("调解中")

    expect(state_badge(head)).to_have_text("调解中", timeout=10_000)
    expect(head.locator("#timeline li").first).to_contain_text("调解中")
    assert head.evaluate("window.__notReloaded") is True
    # the refreshed fragment offers the head what now applies (extend), not accept/begin
    expect(head.locator('details[data-transition="extend"]')).to_have_count(1)
    expect(head.locator('details[data-transition="begin"]')).to_have_count(0)
    last = head.evaluate("sessionStorage.getItem('dtj:lastEventId')")
    assert int(last) > 0
    assert head.errors == [] and mediator.errors == []
    assert case["number"]


@pytest.mark.skipif(
    not HAS_SOCKETS, reason="the websocket consumer (mediation.live.routing) is absent"
)
def test_list_row_updates_live(server, new_page):
    watcher = new_page("mediator2")
    head = new_page("head")
    case = server["cases"]["live_list"]
    row = watcher.locator(f'tr[data-case="{case["id"]}"]')
    expect(row.locator(".badge.state")).to_have_text("待受理")
    expect(watcher.locator("#live-status")).to_be_visible()
    watcher.evaluate("window.__notReloaded = true")

    open_case(head, server, "live_list")
    form = head.locator('details[data-transition="accept"]')
    form.locator("summary").click()
    option = form.locator("option", has_text="杨志强").first.get_attribute("value")
    form.get_by_label("调解员").select_option(option)
    form.get_by_role("button", name="提交").click()
    expect(state_badge(head)).to_have_text("已受理")

    expect(row.locator(".badge.state")).to_have_text("已受理", timeout=10_000)
    assert watcher.evaluate("window.__notReloaded") is True
    assert watcher.errors == [] and head.errors == []


def _wait_for(page, predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        page.wait_for_timeout(100)


def test_live_script_protocol_resume_and_reconnect(server, new_page):
    """live.js against a scripted socket: resume + watch on connect, an event updates the
    page, the last id survives in sessionStorage, and a dropped socket is reopened with a
    resume from that id. The detail fragment is made unreachable, so what changes on the
    page comes from the event alone (and the page says there is news)."""
    page = new_page("mediator")
    sockets, received = [], []

    def handler(ws):
        sockets.append(ws)
        ws.on_message(lambda message: received.append((len(sockets), json.loads(message))))

    page.route_web_socket("**/ws/events/", handler)
    page.route("**/cases/*/live/", lambda route: route.abort())
    case = open_case(page, server, "screenshot")
    _wait_for(page, lambda: len(received) >= 2)
    (_, resume), (_, watch) = received[:2]
    assert resume["action"] == "resume" and resume["since"] > 0
    assert watch == {"action": "watch", "case": case["id"]}

    event_id = resume["since"] + 1
    sockets[0].send(json.dumps({"type": "ready"}))  # control messages are ignored
    sockets[0].send(
        json.dumps(
            {
                "id": event_id,
                "type": "case.transitioned",
                "at": "2026-11-25T10:00:00+08:00",
                "case": {"id": case["id"], "number": case["number"], "state": "agreed"},
                "actor": {"id": 1, "name": "马桂兰"},
                "data": {"transition": "reach_agreement", "from": "mediating", "to": "agreed"},
            }
        )
    )
    expect(state_badge(page)).to_have_text("已达成协议")
    expect(page.locator(f'#timeline li[data-event="{event_id}"]')).to_contain_text(
        "达成协议：调解中 → 已达成协议"
    )
    expect(page.locator("#live-banner")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('dtj:lastEventId')") == str(event_id)

    sockets[0].close()
    _wait_for(page, lambda: len(sockets) >= 2)
    _wait_for(page, lambda: any(n == 2 for n, _ in received))
    again = [m for n, m in received if n == 2]
    assert again[0] == {"action": "resume", "since": event_id}
    assert page.errors == []


def test_pages_work_without_a_socket_server(server, new_page):
    page = new_page("mediator")
    attempts = []
    page.route_web_socket("**/ws/events/", lambda ws: (attempts.append(ws), ws.close()))
    open_case(page, server, "screenshot")
    _wait_for(page, lambda: len(attempts) >= 2)  # keeps trying, with backoff
    expect(page.locator("#live-status")).to_be_hidden()
    expect(page.locator("#live-banner")).to_be_hidden()
    page.goto(server["url"] + "/")
    expect(page.locator("table.cases")).to_be_visible()
    assert page.errors == []

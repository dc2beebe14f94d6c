"""Chromium against a real daphne: the supervisor's dashboard draws its charts, makes no
request outside the server, prints without the menus, and its risk figure moves when a
handler flags a case in another browser."""

import datetime as dt
import os
import shutil

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


def login_supervisor(new_page, server):
    page = new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(server["url"] + "/login/")
    page.fill("#id_username", "supervisor")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/supervision/")  # the supervisor's home
    return page, requests


def test_dashboard_charts_live_risk_and_print(server, new_page, tmp_path):
    page, requests = login_supervisor(new_page, server)
    expect(page.locator("h1")).to_have_text("全区矛盾纠纷化解概况")
    for chart in ("chart-network", "chart-channel", "chart-category", "chart-region"):
        expect(page.locator(f"#{chart} g.bar").first).to_be_visible()
    expect(page.locator("#chart-network")).to_contain_text("人民调解")
    expect(page.locator("#chart-month g.bar")).not_to_have_count(0)
    # bars are told apart by a pattern and carry their number: readable without colour
    month_fill = page.locator("#chart-month g.bar rect").first.get_attribute("fill")
    assert month_fill == "url(#p-hatch)"
    expect(page.locator("#chart-category pattern#p-dots")).to_have_count(1)
    bars = page.locator("#chart-category g.bar")
    for i in range(bars.count()):
        assert bars.nth(i).locator("text.value").text_content().isdigit()
    # 无数据 while no petition feedback was due; other browser tests on this shared server
    # may have run a petition transfer, so the figure must match what the API says
    rate = page.request.get(f"{server['url']}/api/stats/summary/").json()["petition_feedback_rate"]
    shown = "无数据" if rate is None else f"{rate * 100:.1f}%"
    expect(page.locator("#fig-petition .value")).to_have_text(shown)
    expect(page.locator("body")).to_have_attribute("data-live-ready", "1")
    before = int(page.locator("#fig-high-risk .value").inner_text())

    head = new_page("head")
    case = server["cases"]["screenshot"]
    head.goto(f"{server['url']}/cases/{case['id']}/")
    head.locator('details[data-transition="risk"] summary').click()
    head.locator("#id_risk-level").select_option("high")
    head.locator("#id_risk-note").fill("当事人扬言到市里上访")
    # A high risk carries its report to the police (PML art 25).
    head.locator("#id_risk-reported_to").fill("红寺堡派出所")
    reported = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(minutes=10)
    head.locator("#id_risk-reported_at").fill(reported.strftime("%Y-%m-%dT%H:%M"))
    head.locator("#id_risk-note").locator("xpath=ancestor::form").locator(
        "button[type=submit]"
    ).click()
    expect(head.locator(".msg-success")).to_contain_text("已标记矛盾激化风险")

    expect(page.locator("#fig-high-risk .value")).to_have_text(str(before + 1), timeout=10_000)
    expect(page.locator("#fig-high-risk")).to_have_class("figure changed")

    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator(".exports")).to_be_hidden()
    expect(page.locator("#chart-category")).to_be_visible()
    page.emulate_media(media="screen")
    path = tmp_path / "dashboard.png"
    page.screenshot(path=str(path), full_page=True)
    keep = os.environ.get("BROWSER_SCREENSHOT_DIR")
    if keep:
        os.makedirs(keep, exist_ok=True)
        shutil.copy(path, os.path.join(keep, "dashboard.png"))

    host = server["url"].split("//", 1)[1]
    outside = [u for u in requests if host not in u and not u.startswith("data:")]
    assert outside == [], outside
    assert page.errors == [] and head.errors == []

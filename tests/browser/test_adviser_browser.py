"""Chromium at 390 px: the village legal adviser signs in on a phone, lands on their page,
records a lecture and sees it counted; the bureau's register and coverage fit the phone."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from .conftest import PASSWORD
from .test_desks_browser import PHONE, shot, stays_on_host

pytestmark = pytest.mark.browser


def _phone_login(browser, server, username):
    ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE)
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.requests_seen = []
    page.on("request", lambda req: page.requests_seen.append(req.url))
    page.goto(server["url"] + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    return ctx, page


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"


def test_the_adviser_records_a_service_from_a_phone(browser, server):
    ctx, page = _phone_login(browser, server, "adviser")
    try:
        page.wait_for_url(server["url"] + "/adviser/")
        expect(page.locator("h1")).to_have_text("法律顾问服务记录")
        _fits(page)
        page.get_by_label("服务类型").select_option(label="法治讲座")
        yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
        page.get_by_label("日期").fill(yesterday)
        page.get_by_label("服务人次").fill("35")
        page.get_by_label("说明").fill("民法典进农村")
        page.get_by_role("button", name="记录").click()
        row = page.locator("#adviser-services tbody tr").first
        expect(row).to_contain_text("法治讲座")
        expect(row).to_contain_text("中圈塘村")
        expect(page.locator('#adviser-counts tr[data-kind="lecture"]')).to_contain_text("35")
        _fits(page)
        shot(page, "phone-adviser")
        assert page.errors == []
        stays_on_host(page, server)
    finally:
        ctx.close()


def test_the_bureaus_register_fits_a_phone(browser, server):
    ctx, page = _phone_login(browser, server, "supervisor")
    try:
        page.wait_for_url(server["url"] + "/supervision/")
        page.goto(server["url"] + "/supervision/advisers/")
        expect(page.locator('#adviser-coverage tr[data-region="红寺堡镇"]')).to_contain_text(
            "50.0%"
        )
        _fits(page)
        shot(page, "phone-adviser-register")
        assert page.errors == []
    finally:
        ctx.close()

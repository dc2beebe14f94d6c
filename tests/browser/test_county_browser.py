"""Chromium at 390 px (issue 32): the subsidy sheet as the committee's head and as the
bureau, the training and assessment page as the bureau (a head is refused it), and the
Ministry report's links — each fits the phone (no sideways scrolling) with its key content
in view."""

import pytest
from playwright.sync_api import expect

from .test_adviser_browser import _phone_login
from .test_desks_browser import PHONE, shot, stays_on_host

pytestmark = pytest.mark.browser


def _fits(page):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert inner == PHONE["width"]
    assert width <= inner, f"{page.url} scrolls sideways: {width}px > {inner}px"


@pytest.mark.parametrize("username", ["head", "supervisor"])
def test_the_subsidy_sheet_fits_a_phone(browser, server, username):
    ctx, page = _phone_login(browser, server, username)
    try:
        page.wait_for_url(f"{server['url']}/**")
        page.goto(server["url"] + "/subsidies/")
        expect(page.locator("h1")).to_contain_text("以案定补补贴表")
        expect(page.locator("#subsidy-total")).to_be_visible()
        expect(page.locator("#subsidy-xlsx")).to_be_visible()
        standard = page.locator("#standard")
        expect(standard).to_contain_text("年度以案定补标准")
        if username == "supervisor":  # the bureau sets the standard
            expect(page.locator("#std-simple")).to_have_value("100.00")
        else:
            expect(page.locator("#standard-values")).to_contain_text("100.00")
        _fits(page)
        shot(page, f"phone-subsidies-{username}")
        assert page.errors == []
        stays_on_host(page, server)
    finally:
        ctx.close()


def test_training_and_assessment_fit_a_phone(browser, server):
    ctx, page = _phone_login(browser, server, "supervisor")
    try:
        page.wait_for_url(server["url"] + "/supervision/")
        page.goto(server["url"] + "/supervision/trainings/")
        expect(page.locator("h1")).to_contain_text("年调解员培训与考评")
        rows = page.locator("#trainings tbody tr[data-session]")
        expect(rows.filter(has_text="《人民调解法》与调解文书制作")).to_have_count(1)
        expect(page.locator("#session-form")).to_be_visible()
        expect(page.locator("#assessment-form")).to_be_visible()
        expect(page.locator("#assessments")).to_be_attached()
        _fits(page)
        shot(page, "phone-trainings")
        assert page.errors == []
    finally:
        ctx.close()


def test_a_head_is_refused_the_training_page_on_a_phone(browser, server):
    ctx, page = _phone_login(browser, server, "head")
    try:
        page.wait_for_url(f"{server['url']}/**")
        response = page.goto(server["url"] + "/supervision/trainings/")
        assert response is not None and response.status == 403
        expect(page.locator("body")).to_contain_text("监督管理人员")
        _fits(page)
    finally:
        ctx.close()


def test_the_ministry_reports_links_fit_a_phone(browser, server):
    ctx, page = _phone_login(browser, server, "supervisor")
    try:
        page.wait_for_url(server["url"] + "/supervision/")
        page.goto(server["url"] + "/supervision/ministry/")
        for link in ("#ministry-report-xlsx", "#ministry-report-json", "#ministry-report-pdf"):
            expect(page.locator(link)).to_be_visible()
        _fits(page)
        response = page.request.get(server["url"] + "/api/stats/ministry/report/")
        assert response.status == 200 and response.json()["organisations"]["total"] > 0
    finally:
        ctx.close()

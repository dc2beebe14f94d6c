"""Chromium at 390 px (a phone): a party signs in with phone and code, reads a notice and
signs the agreement on the signature pad; nothing leaves the host."""

import json
import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PHONE = "13600000021"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # looked at, not committed


def _code(server, phone: str) -> str:
    path = server["log"].parent / "media" / "sms.jsonl"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if path.exists():
            lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
            texts = [m["text"] for m in lines if m["phone"] == phone and "验证码" in m["text"]]
            if texts:
                return re.search(r"\d{6}", texts[-1]).group(0)
        time.sleep(0.2)
    raise AssertionError("no code was sent")


def test_a_party_signs_in_reads_and_signs_on_a_phone(server, browser):
    ctx = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
    )
    ctx.set_default_timeout(15_000)
    page = ctx.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: requests.append(req.url))
    case = server["cases"]["party_agreed"]
    try:
        page.goto(server["url"] + "/party/")
        page.fill("input[name=phone]", PHONE)
        page.press("input[name=phone]", "Enter")
        expect(page.locator("input[name=code]")).to_be_visible()
        page.fill("input[name=code]", _code(server, PHONE))
        page.press("input[name=code]", "Enter")
        card = page.locator(f"#case-{case['id']}")
        expect(card.locator("h2")).to_have_text(case["number"])
        expect(card.locator(".next-step")).to_contain_text("调解协议")
        # a phone's width: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        notice = card.locator('article.notice[data-notice="acceptance"]')
        notice.get_by_role("button", name="我已阅读").click()
        expect(card.locator('article.notice[data-notice="acceptance"]')).to_have_attribute(
            "data-read", "1"
        )
        sign = card.locator('article.to-sign[data-document="agreement"]')
        canvas = sign.locator("canvas.signature-pad")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        assert box and box["width"] <= 390
        page.mouse.move(box["x"] + 20, box["y"] + 40)
        page.mouse.down()
        for step in range(1, 12):
            page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 40 + (step % 3) * 25)
        page.mouse.up()
        sign.get_by_role("button", name="确认并签署").click()
        expect(
            page.locator(f'#case-{case["id"]} article.to-sign[data-document="agreement"]')
        ).to_have_attribute("data-signed", "1")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "phone-party.png"), full_page=True)
        assert not errors, errors
        assert all(u.startswith(server["url"]) or u.startswith("data:") for u in requests)
    finally:
        ctx.close()

"""Two headless Chromiums with fake camera and microphone — the mediator at a desk, the party
on a 390 px phone — meet in an online session's room (DESIGN.md §12.6): both reach
`connected`, media flows (bytes received in getStats() grow), the recording waits for the
recording notice, and the recording arrives as a WebM whose duration is read back."""

import datetime as dt
import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.conftest import APPLICANT

from .conftest import CHROMIUM, CHROMIUM_ARGS, PASSWORD

pytestmark = pytest.mark.browser
MEDIA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

BYTES_RECEIVED = """async () => {
  let total = 0;
  for (const p of window.videoRoom.peers.values()) {
    const stats = await p.pc.getStats();
    stats.forEach(r => { if (r.type === "inbound-rtp") total += r.bytesReceived; });
  }
  return total;
}"""


@pytest.fixture(scope="module")
def media_browser(browser):
    # From the suite's one Playwright (a second sync_playwright inside it is refused):
    # the same Chromium launched again with the fake camera and microphone.
    b = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + MEDIA_ARGS)
    yield b
    b.close()


def _context(browser, width, height):
    ctx = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": width, "height": height},
        permissions=["camera", "microphone"],
    )
    ctx.set_default_timeout(30_000)
    return ctx


def _code(server, phone):
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


def _ebml(data, pos, end):
    """(id, size, start of data) of each EBML element in data[pos:end]."""
    while pos < end:
        first = data[pos]
        n = 1
        while n <= 4 and not first & (0x80 >> (n - 1)):
            n += 1
        eid = int.from_bytes(data[pos : pos + n], "big")
        pos += n
        first = data[pos]
        m = 1
        while m <= 8 and not first & (0x80 >> (m - 1)):
            m += 1
        size = int.from_bytes(data[pos : pos + m], "big") & ((1 << (7 * m)) - 1)
        pos += m
        if size == (1 << (7 * m)) - 1:  # unknown size (a live recording): to the end
            size = end - pos
        yield eid, size, pos
        pos += size


def webm_duration_ms(data):
    """The WebM's duration: its Duration element if the recorder wrote one, else the last
    block's time (Cluster Timecode + SimpleBlock offset), at the default 1 ms scale."""
    assert data[:4] == b"\x1a\x45\xdf\xa3", "not EBML"
    last = 0
    for eid, size, start in _ebml(data, 0, len(data)):
        if eid != 0x18538067:  # Segment
            continue
        for sid, ssize, sstart in _ebml(data, start, min(start + size, len(data))):
            if sid == 0x1549A966:  # Info
                for iid, isize, istart in _ebml(data, sstart, sstart + ssize):
                    if iid == 0x4489 and isize in (4, 8):  # Duration (float)
                        import struct

                        fmt = ">f" if isize == 4 else ">d"
                        return struct.unpack(fmt, data[istart : istart + isize])[0]
            if sid == 0x1F43B675:  # Cluster
                base = 0
                for cid, csize, cstart in _ebml(data, sstart, min(sstart + ssize, len(data))):
                    if cid == 0xE7:  # Timecode
                        base = int.from_bytes(data[cstart : cstart + csize], "big")
                    elif cid == 0xA3 and csize > 4:  # SimpleBlock: track, int16 time
                        track_len = 1
                        rel = int.from_bytes(
                            data[cstart + track_len : cstart + track_len + 2], "big", signed=True
                        )
                        last = max(last, base + rel)
    return last


def _until(page, script, check, timeout=45.0):
    """Poll `script` (evaluated as a function: the page's CSP forbids string eval) until
    `check(value)` holds; the last value."""
    deadline = time.monotonic() + timeout
    value = page.evaluate(script)
    while not check(value):
        assert time.monotonic() < deadline, f"still {value!r}"
        page.wait_for_timeout(200)
        value = page.evaluate(script)
    return value


def test_mediator_and_party_meet_and_the_session_is_recorded(server, media_browser):
    case = server["cases"]["screenshot"]
    url = server["url"]
    staff_ctx = _context(media_browser, 1280, 800)
    party_ctx = _context(media_browser, 390, 844)
    try:
        mediator = staff_ctx.new_page()
        errors = []
        mediator.on("pageerror", lambda exc: errors.append(str(exc)))
        mediator.goto(url + "/login/")
        mediator.fill("#id_username", "mediator")
        mediator.fill("#id_password", PASSWORD)
        mediator.click("button[type=submit]")
        mediator.wait_for_url(url + "/")
        csrf = next(c["value"] for c in staff_ctx.cookies() if c["name"] == "csrftoken")
        headers = {"X-CSRFToken": csrf, "Referer": url + "/"}
        detail = mediator.request.get(f"{url}/api/cases/{case['id']}/").json()
        applicant = next(p["id"] for p in detail["parties"] if p["role"] == "applicant")
        soon = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).isoformat()
        r = mediator.request.post(
            f"{url}/api/cases/{case['id']}/sessions/",
            data={"online": True, "scheduled_at": soon, "invited": [applicant]},
            headers=headers,
        )
        assert r.status == 201, r.text()
        sid = r.json()["id"]

        party = party_ctx.new_page()
        party.on("pageerror", lambda exc: errors.append(str(exc)))
        party.goto(url + "/party/")
        party.fill("input[name=phone]", APPLICANT["phone"])
        party.press("input[name=phone]", "Enter")
        expect(party.locator("input[name=code]")).to_be_visible()
        party.fill("input[name=code]", _code(server, APPLICANT["phone"]))
        party.press("input[name=code]", "Enter")
        party.locator(f"a[href='/party/cases/{case['id']}/sessions/{sid}/video/']").click()
        mediator.goto(f"{url}/cases/{case['id']}/sessions/{sid}/video/")

        for page in (mediator, party):
            expect(page.locator("#video-status")).to_have_attribute(
                "data-state", "connected", timeout=45_000
            )
            expect(page.locator("[data-participant]")).to_have_count(2)
        expect(party.locator("[data-participant]").last).to_contain_text("调解员")
        first = party.evaluate(BYTES_RECEIVED)
        _until(party, BYTES_RECEIVED, lambda n: n > first + 10_000)
        assert party.evaluate("document.documentElement.scrollWidth") <= 390

        # no recording before everyone accepted the notice
        mediator.click("#video-record")
        expect(mediator.locator("#video-message")).to_contain_text("录音录像告知")
        assert mediator.locator("#video-record").get_attribute("data-recording") == "0"
        for page in (mediator, party):
            page.click("#video-accept")
            expect(page.locator("#video-consent-state")).to_be_visible()
        mediator.click("#video-record")
        expect(mediator.locator("#video-record")).to_have_attribute("data-recording", "1")
        _until(mediator, "() => window.videoRoom.recorder.chunks", lambda n: n >= 2)
        mediator.click("#video-record")
        expect(mediator.locator("#video-room")).to_have_attribute(
            "data-recording", "saved", timeout=45_000
        )
        aid = mediator.locator("#video-room").get_attribute("data-attachment")
        body = mediator.request.get(f"{url}/api/cases/{case['id']}/attachments/{aid}").body()
        assert body[:4] == b"\x1a\x45\xdf\xa3"
        duration = webm_duration_ms(body)
        assert duration >= 1000, duration  # two 2-second chunks at least: over a second
        assert not errors, errors
    finally:
        staff_ctx.close()
        party_ctx.close()

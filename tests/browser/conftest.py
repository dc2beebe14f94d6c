"""A real server for the browser tests: daphne (HTTP + websockets) in a subprocess on a
free port, against its own SQLite file seeded through the services, and Debian's Chromium
driven by Playwright.

The server never shares the pytest database: it always runs on a fresh SQLite file (and
the in-memory channel layer), whatever DATABASE_URL / REDIS_URL the suite runs with, so the
browser run behaves the same on every CI leg and never touches a developer's database."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "browser-test-pw"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.browser.settings",
        SQLITE_PATH=str(tmp / "browser.sqlite3"),
        MEDIA_ROOT=str(tmp / "media"),
        DEMO_PASSWORD=PASSWORD,
        # as users meet it (Chinese error pages); the deadline sweep runs inside the server
        DEBUG="false",
        SECRET_KEY="browser-tests-only-" + "x" * 40,
        DEADLINE_SWEEP_SECONDS="1",
        SERVE_STATIC="true",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """{"url": base URL, "cases": {...seeded cases...}} of a running daphne."""
    tmp = tmp_path_factory.mktemp("browser-server")
    env = _server_env(tmp)
    py = sys.executable
    subprocess.run(
        [py, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    seeded = subprocess.run(
        [py, "-m", "tests.browser.seed"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    cases = json.loads(seeded.stdout.decode())
    port = _free_port()
    log = open(tmp / "daphne.log", "wb")  # closed at teardown
    proc = subprocess.Popen(
        [py, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/login/", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                raise RuntimeError(
                    "daphne did not start:\n" + (tmp / "daphne.log").read_text(errors="replace")
                ) from None
            time.sleep(0.2)
    yield {"url": url, "cases": cases, "log": tmp / "daphne.log"}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, server):
    """new_page(username) → a logged-in page in its own browser context (own cookies)."""
    contexts = []

    def make(username=None):
        ctx = browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        # every request the page makes, to prove none leaves the host (no CDN, no CAPTCHA)
        page.requests_seen = []
        page.on("request", lambda req: page.requests_seen.append(req.url))
        if username:
            page.goto(server["url"] + "/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(server["url"] + "/")
        return page

    yield make
    for ctx in contexts:
        ctx.close()

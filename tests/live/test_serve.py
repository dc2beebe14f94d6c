"""`make run` as users meet it (DESIGN.md §9): `manage.py serve` starts daphne with the
embedded default, prints the address and the demo accounts once the server answers, and
shows Chinese error pages because DEBUG is off unless asked for."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mediation.management.commands.serve import ready_text
from mediation.ops import sweeper

from .daphne import free_port

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


def test_ready_text_names_the_address_and_every_demo_account(settings):
    settings.DEMO_PASSWORD = "datiaojie-demo"
    text = ready_text("http://127.0.0.1:8123")
    assert "大调解已启动：http://127.0.0.1:8123" in text
    assert "密码：datiaojie-demo" in text
    for username in ("intake", "mediator", "head", "clerk", "judge", "petition", "supervisor"):
        assert f"  {username} " in text


def test_sweeper_is_off_when_asked(settings):
    settings.DEADLINE_SWEEP_SECONDS = 0
    assert sweeper.start() is False


def test_serve_prints_when_ready_and_answers_in_chinese(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SQLITE_PATH=str(tmp_path / "serve.sqlite3"),
        SECRET_KEY_FILE=str(tmp_path / "secret"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PYTHONUNBUFFERED="1",
    )
    py = sys.executable
    subprocess.run(
        [py, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    assert len((tmp_path / "secret").read_text().strip()) >= 50  # generated, kept
    port = free_port()
    proc = subprocess.Popen(
        [py, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines, deadline = [], time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "按 Ctrl-C 停止" in line:
                break
        out = "".join(lines)
        assert f"大调解已启动：http://127.0.0.1:{port}" in out, out
        assert "petition" in out and "信访局" in out
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/", timeout=10)
        assert err.value.code == 404
        body = err.value.read().decode()
        assert "页面不存在" in body and "Traceback" not in body and "URLconf" not in body
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/app.css", timeout=10)
        assert css.status == 200  # static files served by the application
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()

"""Settings fail loudly on a value they cannot parse (#30): `HTTPS=ture` used to read as
false, so a deployment started without its TLS settings and said nothing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(**environ: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environ}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "name,value",
    [("HTTPS", "ture"), ("DEBUG", "maybe"), ("PASSWORD_MIN_LENGTH", "12x")],
)
def test_an_unparseable_setting_stops_the_start(name, value):
    run = start(**{name: value})
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and name in run.stderr, run.stderr[-500:]


def test_the_usual_spellings_still_parse():
    from config.env import StrictEnv

    env = StrictEnv()
    for word, expected in [("true", True), ("On", True), ("1", True), ("no", False), ("0", False)]:
        assert env.parse_value(word, bool) is expected
    assert env.parse_value("2.5", float) == 2.5
    assert start(HTTPS="false", DEBUG="off").returncode == 0

"""Every example block of docs/api.md runs as written, in order, against a live server with
the demo organisations and accounts of `manage.py seed_demo` (DESIGN.md §10).

A block to run is preceded by `<!-- example -->`, optionally with captures and checks on
the JSON answer of its last request: `NAME=path` sets `$NAME` for the later blocks,
`path==value` asserts. A path is `.key`, `[n]` or `[key=value&key.sub=$NAME]` (the first
list element matching), chained. `sh` blocks run in bash with `curl` wrapped: every
request body must be JSON, and the statuses must be the `# → NNN` after each request, in
order. `python` blocks run with `URL` set, after the generator block made `dtj_client`.

The server's clock is pinned (ticking) to the moment the examples are dated, so the dates
written in the document stay valid on any day the suite runs."""

import datetime as dt
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from mediation.ops import demo
from tests.live.daphne import ROOT, Daphne, database_url

from .test_generated_client import PACKAGE, generator_command

DOC = ROOT / "docs" / "api.md"
AT = "2026-11-25T10:00:00+08:00"  # "The dates are those of 25 November 2026"
GENERATOR = "openapi-python-client generate"
LOGINS = ("head", "mediator", "petition", "clerk", "judge")

pytestmark = [
    pytest.mark.integrator,
    pytest.mark.live,
    pytest.mark.django_db(transaction=True),
]

PINNED_DAPHNE = f"""
import datetime as dt, time_machine
time_machine.travel(dt.datetime.fromisoformat({AT!r}), tick=True).start()
from daphne.cli import CommandLineInterface
CommandLineInterface.entrypoint()
"""

BLOCK = re.compile(
    r"^<!-- example(?::(?P<spec>[^>]*?))? -->\n```(?P<lang>\w+)\n(?P<code>.*?)^```$", re.S | re.M
)
STATUS = re.compile(r"^# → (\d{3})\b", re.M)

# `curl` as a shell function: the body of each request (-d '…' or -d @- on standard input)
# and its status go to $LOG/<n>.*, the answer to standard output as curl would print it.
CURL = r"""
set -u
n=0
curl() {
  n=$((n+1)); local args=() a prev=""
  for a in "$@"; do
    if [ "$prev" = "-d" ]; then
      if [ "$a" = "@-" ]; then cat > "$LOG/$n.body"; a="@$LOG/$n.body";
      else printf '%s' "$a" > "$LOG/$n.body"; fi
    fi
    args+=("$a"); prev="$a"
  done
  command curl "${args[@]}" -o "$LOG/$n.out" -w '%{http_code}' > "$LOG/$n.status"
  cat "$LOG/$n.out"; echo
}
"""


def blocks(text: str) -> list[tuple[str, str, str]]:
    return [(m["lang"], m["code"], (m["spec"] or "").strip()) for m in BLOCK.finditer(text)]


def resolve(value, path: str, env: dict[str, str]):
    for part in re.findall(r"\.[^.\[]+|\[[^\]]*\]", path):
        if part.startswith("."):
            value = value[part[1:]]
        elif part[1:-1].isdigit():
            value = value[int(part[1:-1])]
        else:
            conditions = [c.split("=", 1) for c in part[1:-1].split("&")]
            value = next(
                item
                for item in value
                if all(
                    str(resolve(item, "." + key, env)) == _fill(want, env)
                    for key, want in conditions
                )
            )
    return value


def _fill(text: str, env: dict[str, str]) -> str:
    return re.sub(r"\$(\w+)", lambda m: env[m[1]], text)


def apply_spec(spec: str, answer, env: dict[str, str], where: str) -> None:
    for item in spec.split():
        if "==" in item:
            path, want = item.split("==", 1)
            got = resolve(answer, path, env)
            try:
                expected = json.loads(want)
            except ValueError:
                expected = want
            assert got == expected, f"{where}: {path} is {got!r}, not {expected!r}"
        else:
            name, path = item.split("=", 1)
            env[name] = str(resolve(answer, path, env))


def run_sh(code: str, env: dict[str, str], log: Path, cwd: Path, where: str):
    log.mkdir()
    done = subprocess.run(
        ["bash", "-c", CURL + code],
        env={**os.environ, **env, "LOG": str(log)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{where}: exit {done.returncode}\n{done.stdout}{done.stderr}"
    calls = sorted(int(p.stem) for p in log.glob("*.status"))
    statuses = [int((log / f"{n}.status").read_text()) for n in calls]
    for n in calls:
        body = log / f"{n}.body"
        if body.exists():
            try:
                json.loads(body.read_text())
            except ValueError as exc:
                pytest.fail(f"{where}: request {n}'s body is not JSON ({exc}):\n{body.read_text()}")
    documented = [int(s) for s in STATUS.findall(code)]
    answers = [(log / f"{n}.out").read_text() for n in calls]
    assert statuses == documented, f"{where}: statuses {statuses}, documented {documented}\n" + (
        "\n".join(a[:600] for a in answers)
    )
    return json.loads(answers[-1]) if answers else None


def login(url: str, username: str) -> str:
    req = urllib.request.Request(
        url + "/api/auth/token/",
        data=json.dumps({"username": username, "password": settings.DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=15) as resp:
        return json.loads(resp.read())["token"]


@pytest.fixture
def work(tmp_path):
    """A working directory that sees the checkout's docs/ and tests/ (the generator block
    writes `dtj_client` here); the generator block of the document already running in it,
    alongside the server's start (it takes a while)."""
    work = tmp_path / "work"
    work.mkdir()
    for name in ("docs", "tests"):
        (work / name).symlink_to(ROOT / name)
    code = next(code for lang, code, _ in blocks(DOC.read_text()) if GENERATOR in code)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    # The same bash, wrapper and all, as every other block: only started earlier.
    proc = subprocess.Popen(
        ["bash", "-c", CURL + code],
        cwd=work,
        env={**env, "LOG": str(work)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield work, code, proc
    if proc.poll() is None:
        proc.kill()
    proc.communicate()


@pytest.fixture
def demo_server():
    """A live server on the demo organisations and accounts, its clock at AT."""
    with time_machine.travel(dt.datetime.fromisoformat(AT), tick=True):
        demo.seed(count=0)  # seed_demo without its 200 cases (minutes on 2 cores)
    # The test process hashes with MD5 for speed; the server verifies with its own hashers.
    hasher = PBKDF2PasswordHasher()
    for user in get_user_model().objects.all():
        user.password = hasher.encode(settings.DEMO_PASSWORD, hasher.salt(), iterations=1000)
        user.save(update_fields=["password"])
    server = Daphne(database_url(connection.settings_dict), launcher=PINNED_DAPHNE).start()
    try:
        yield server
    finally:
        server.stop()


def test_every_example_of_the_api_document_runs_as_written(
    work, demo_server, tmp_path, monkeypatch
):
    workdir, generator_code, generator = work
    found = blocks(DOC.read_text())
    assert len(found) >= 15, "the example markers of docs/api.md went missing"
    url = demo_server.http
    env = {"URL": url, **{name.upper(): login(url, name) for name in LOGINS}}
    env["PATH"] = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    monkeypatch.syspath_prepend(str(workdir))
    generator_seen = False
    try:
        for i, (lang, code, spec) in enumerate(found, 1):
            where = f"docs/api.md example {i} ({lang}): {code.splitlines()[0][:70]}"
            answer = None
            if lang == "sh" and GENERATOR in code:
                assert code == generator_code and not generator_seen, where
                generator_seen = True
                command = shlex.split(code.replace("\\\n", " "))
                config = "tests/integrator/client-config.yaml"
                assert command == generator_command("docs/openapi.yaml", PACKAGE, config), where
                out, _ = generator.communicate(timeout=300)
                assert generator.returncode == 0, f"{where}:\n{out[-6000:]}"
            elif lang == "sh":
                answer = run_sh(code, env, tmp_path / f"log{i}", workdir, where)
            elif lang == "python":
                assert generator_seen, f"{where}: the generator block must come first"
                exec(compile(code, where, "exec"), {"URL": url})  # the document is ours
            else:
                pytest.fail(f"{where}: no runner for {lang!r} blocks")
            if spec:
                assert answer is not None, f"{where}: captures need a JSON answer"
                apply_spec(spec, answer, env, where)
    finally:
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]
    assert generator_seen, "docs/api.md no longer shows the generator's command"
    out = demo_server.output()
    assert "Traceback" not in out, out

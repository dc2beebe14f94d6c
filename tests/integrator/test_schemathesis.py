"""Schemathesis with all its checks and all its phases (examples, coverage, fuzzing, and
the stateful one following the document's links: register → transition → the next
transitions → tasks) against a real server on a seeded database, as several roles.

Bounded by tests/integrator/schemathesis.toml (examples per operation, stateful steps) to a
few minutes on 2 cores. The schemathesis CLI is the integrator's tool; a failure prints its
report, with a curl line that reproduces each finding."""

import http.client
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CONFIG = Path(__file__).with_name("schemathesis.toml")
ROOT = Path(__file__).resolve().parents[2]
# Revoking the run's own token would end the run; DELETE /api/auth/token/ is exercised by
# tests/api/test_contract.py.
EXCLUDE = ["--exclude-operation-id", "auth_token_revoke"]
# (The first fuzzing's findings on this session's new doors, once left out here, are fixed:
# the party's sign-in, upload and paper signatures, issue 29; the subsidy grading and month
# submission and the training and assessment lists, issue 32.)
# The mediation organisation's head meets every operation; the other agencies run the
# operations of their own work (the rest answer them 403, which says little).
ROLES = {
    "head": None,
    "petition": r"^(petitions_.*|tasks_.*|cases_get|cases_list|cases_events|events|me)$",
    "clerk": r"^(courts_refer|tasks_.*|cases_get|cases_list|events|cases_transition_confirm)$",
    "police": r"^(police_refer|tasks_.*|cases_get|cases_list|cases_events|events|me)$",
    "supervisor": (
        r"^(stats_.*|cases_export|mediators|negative_list|complaints_.*|screenings_unscreened"
        r"|organizations_.*|cases_list|events)$"
    ),
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integrator,
    pytest.mark.live,
    pytest.mark.django_db(transaction=True),
]


PHASES = "examples,coverage,fuzzing,stateful"


def fetch_schema(url, token) -> bytes:
    """The document as an integrator gets it: from the server, signed in."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", "/api/schema/", headers={"Authorization": f"Token {token}"})
        response = conn.getresponse()
        assert response.status == 200, response.status
        return response.read()
    finally:
        conn.close()


def schemathesis(url, token, tmp_path, role, only, phases=PHASES) -> subprocess.CompletedProcess:
    schema = tmp_path / f"openapi-{role}.yaml"
    schema.write_bytes(fetch_schema(url, token))
    cmd = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        str(schema),
        "--url",
        url,
        "--header",
        f"Authorization: Token {token}",
        "--checks",
        "all",
        "--phases",
        phases,
        "--no-color",
        *EXCLUDE,
        *(["--include-operation-id-regex", only] if only else []),
    ]
    # Our own check (tests/integrator/st_hooks.py): a schema-valid request refused with a
    # generic field message is a schema looser than the validation.
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.integrator.st_hooks", "PYTHONPATH": str(ROOT)}
    # in tmp_path: schemathesis keeps a cache directory where it runs
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path, env=env
    )


def test_schemathesis_all_checks_and_phases_as_several_roles(live_api, tmp_path):
    server, _world, tokens, _cases = live_api
    url = server.http
    failed = []
    # ST_ROLES=head,clerk runs only those (reproducing one role's finding).
    roles = os.environ.get("ST_ROLES") or ",".join(ROLES)
    # ST_OPS=<regex> runs only those operations (proving a fix of one finding).
    # (without the stateful phase: a few operations leave it no links to follow)
    ops = os.environ.get("ST_OPS")
    phases = "examples,coverage,fuzzing" if ops else PHASES
    for role, only in ((r, ops or ROLES[r]) for r in roles.split(",")):
        run = schemathesis(url, tokens[role], tmp_path, role, only, phases)
        if run.returncode != 0:
            failed.append(f"== as {role}\n{run.stdout[-12000:]}\n{run.stderr[-2000:]}")
    assert not failed, "\n".join(failed) + "\n== server log\n" + server.output()[-8000:]

"""An idempotent replay against the first create (issue 31, DESIGN.md §12.3).

POST /api/cases/ with a fresh `Idempotency-Key` each time (the create: registration, its
event, the key's row) and then the same posts again (each a replay: the key's row read and
its stored answer sent). Measured in-process through Django's test Client with token
authentication, on a temporary SQLite file and on the `dtj_bench_idem` PostgreSQL database
(dropped and rebuilt each run), each backend in its own process. p50 and p99 in ms; the
target: a replay answers in under 20 ms (p99). GET /api/me/ is printed beside them: what
authentication and the middleware cost any request.

Options: --runs=N (default 200), --only=sqlite|postgres.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

from bench.common import PG_ADMIN_URL, fresh_pg_database, remove_sqlite

PG_DB = "dtj_bench_idem"
TARGET_MS = 20.0


def _opt(args: list[str], name: str, default: str) -> str:
    for a in args:
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return default


def run(args: list[str]) -> None:
    only = _opt(args, "only", "")
    backends: list[tuple[str, str, str | None]] = []
    if only in ("", "sqlite"):
        fd, path = tempfile.mkstemp(prefix="dtj_bench_idem_", suffix=".sqlite3")
        os.close(fd)
        backends.append(("SQLite", f"sqlite:///{path}", path))
    if only in ("", "postgres"):
        if _pg_reset():
            base = PG_ADMIN_URL.rsplit("/", 1)[0]
            backends.append(("PostgreSQL", f"{base}/{PG_DB}", None))
        else:
            print("PostgreSQL: not reachable, skipped")
    for label, url, path in backends:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.setdefault("LOG_REQUESTS", "false")
        env.pop("REDIS_URL", None)
        print(f"-- {label}", flush=True)
        try:
            code = "import sys, bench.idempotency as b; b.worker(sys.argv[1:])"
            subprocess.run([sys.executable, "-c", code, *args], env=env, check=True)
        finally:
            if path:
                remove_sqlite(path)


def _pg_reset() -> bool:
    failure = fresh_pg_database(PG_DB)
    if failure:
        print(f"PostgreSQL: {failure}")
    return failure is None


def _pct(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def worker(args: list[str]) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from config import tokens
    from mediation.ops.demo import build_accounts, build_organizations

    runs = int(_opt(args, "runs", "200"))
    call_command("migrate", verbosity=0)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    orgs = build_organizations()
    users = build_accounts(orgs)
    home = next(o for o in orgs.values() if o.is_mediating and o.subtype == "township")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {tokens.issue(users['intake'])}"}
    body = {
        "org": home.pk,
        "channel": "walk_in",
        "category": "neighbour",
        "summary": "双方因院墙排水问题发生争执。",
        "claims": "请求改建排水沟。",
        "amount": "3000.00",
        "region": home.region or "红寺堡镇",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "马建国", "phone": "13995300001"},
            {"role": "respondent", "kind": "person", "name": "杨学军", "phone": "13995300002"},
        ],
    }
    keys = [str(uuid.uuid4()) for _ in range(runs)]

    def timed(key: str, replay: bool) -> float:
        started = time.perf_counter()
        r = client.post(
            "/api/cases/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **auth
        )
        took = (time.perf_counter() - started) * 1000
        assert r.status_code == 201, r.content
        assert (r.get("Idempotent-Replayed") == "true") is replay
        return took

    timed(str(uuid.uuid4()), False)  # warm up
    baseline = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get("/api/me/", **auth).status_code == 200
        baseline.append((time.perf_counter() - started) * 1000)
    creates = [timed(k, False) for k in keys]
    replays = [timed(k, True) for k in keys]
    rows = (
        ("GET /api/me/ (auth only)", baseline),
        ("POST /api/cases/ create", creates),
        ("POST /api/cases/ replay", replays),
    )
    for label, times in rows:
        print(
            f"   {label:26s} p50 {_pct(times, 50):7.2f} ms"
            f"   p99 {_pct(times, 99):7.2f} ms   ({runs} runs)",
            flush=True,
        )
    p99 = _pct(replays, 99)
    verdict = "PASS" if p99 < TARGET_MS else "FAIL"
    print(f"   replay p99 {p99:.2f} ms < {TARGET_MS:.0f} ms: {verdict}", flush=True)

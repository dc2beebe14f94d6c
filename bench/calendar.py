"""A calendar change over a province's open cases (issue 27): `make bench BENCH_ARGS=calendar`.

On PostgreSQL (DATABASE_URL when it points to PostgreSQL, else the local server's
`dtj_calendar`, rebuilt each run): --cases open medical cases (default 100,000; 30 working
days, started over the 40 days before 2026-12-07, so their clocks end in 2027) cloned by
the server from one case registered through the service. One rest day is entered for
2027 (`clock_changes.set_holiday`, which moves a province's clocks in batches) while a
second thread runs transitions (reassign) on random open cases and records how long each
waited. Targets: the recount within 30 s, no transition waiting more than 1 s.

Options: --cases=N (100000), --batch=N (clock_changes.BATCH).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import PG_ADMIN_URL, fresh_pg_database

REPO = Path(__file__).resolve().parent.parent
DB = "dtj_calendar"


def _opt(args, name, default):
    for a in args:
        if a.startswith(f"--{name}="):
            return type(default)(a.split("=", 1)[1])
    return default


def run(args) -> None:
    failure = fresh_pg_database(DB)
    if failure:
        print(f"   postgresql: not reachable ({failure.split(':')[0]}), skipped")
        return
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB,
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(REPO),
        DEBUG="false",
        SECRET_KEY="bench-only-secret",
        LOG_LEVEL="ERROR",
        LOG_REQUESTS="false",
    )
    proc = subprocess.run(
        [sys.executable, "-m", "bench.calendar", "--worker", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        print(f"   worker failed\n{proc.stderr[-4000:]}")
        return
    lines = proc.stdout.strip().splitlines()
    for line in lines[:-1]:
        print(f"   {line}")
    r = json.loads(lines[-1])
    ok_time = r["seconds"] <= 30
    ok_wait = r["wait_max"] <= 1.0
    print(
        f"   recount of {r['cases']:,} open cases after one calendar change: "
        f"{r['seconds']:.1f} s, {r['moved']:,} moved with one event each "
        f"(target ≤ 30 s: {'met' if ok_time else 'NOT met'})"
    )
    print(
        f"   transitions meanwhile: {r['transitions']} done, waited p50 {r['wait_p50'] * 1000:.0f}"
        f" ms, max {r['wait_max'] * 1000:.0f} ms (target ≤ 1 s: {'met' if ok_wait else 'NOT met'})"
    )


def _worker(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections, transaction
    from django.utils import timezone

    from mediation.actions import clock_changes, services
    from mediation.documents import records
    from mediation.models import Case
    from mediation.ops.demo import build_accounts, build_organizations
    from tests.conftest import case_body

    n = _opt(args, "cases", 100_000)
    batch = _opt(args, "batch", clock_changes.BATCH)
    records.after_event = lambda *a, **kw: None  # documents are bench pdf's
    call_command("migrate", verbosity=0)
    orgs = build_organizations()
    users = build_accounts(orgs)
    home = orgs["红寺堡镇人民调解委员会"]
    head, mediator, mediator2 = users["head"], users["mediator"], users["mediator2"]
    started = timezone.make_aware(dt.datetime(2026, 12, 7, 10))
    case = services.register_case(users["intake"], case_body(home, category="medical"), now=started)
    services.perform(case, "accept", head, {"mediator": mediator.pk}, now=started)
    case = services.perform(case, "begin", mediator, {"consent": True}, now=started)

    t0 = time.perf_counter()
    columns = [
        f.column for f in Case._meta.concrete_fields if not f.primary_key and f.column != "number"
    ]
    exprs = []
    for col in columns:
        if col == "tracking_token":
            exprs.append("md5(random()::text || g::text)")
        elif col == "due_clock":
            # each clone started 0–39 days earlier: a few dozen distinct clocks, as a year has
            exprs.append(
                "jsonb_set(due_clock, '{start}', to_jsonb(to_char("
                "((due_clock->>'start')::timestamptz - (g %% 40) * interval '1 day')"
                " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"')))"
            )
        else:
            exprs.append(f'"{col}"')
    cols = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cur:
        cur.execute(
            f'INSERT INTO mediation_case ("number", {cols}) '
            f"SELECT number || '-' || g, {', '.join(exprs)} "
            f"FROM mediation_case, generate_series(1, %s) g WHERE id = %s",
            [n - 1, case.pk],
        )
        cur.execute("ANALYZE mediation_case")
    print(f"{n:,} open cases cloned in {time.perf_counter() - t0:.1f} s")
    # Due dates consistent with their clocks first (untimed): the clones' starts moved.
    t0 = time.perf_counter()
    clock_changes.recount_in_batches(None, "bench", batch=batch)
    print(f"baseline recount (every clone's start moved): {time.perf_counter() - t0:.1f} s")

    ids = list(Case.objects.values_list("id", flat=True))
    stop = threading.Event()
    waits: list[float] = []

    def transitions() -> None:
        rng = random.Random(1)
        try:
            while not stop.is_set():
                pk = rng.choice(ids)
                current = Case.objects.filter(pk=pk).values_list("mediator_id", flat=True)[0]
                other = mediator2 if current == mediator.pk else mediator
                t = time.perf_counter()
                services.perform(pk, "reassign", head, {"mediator": other.pk, "reason": "回避"})
                waits.append(time.perf_counter() - t)
                time.sleep(0.05)
        finally:
            connections.close_all()

    worker = threading.Thread(target=transitions)
    worker.start()
    time.sleep(1)
    t0 = time.perf_counter()
    clock_changes.LARGE = 0  # a province: commit the row, then batches
    _row, moved = clock_changes.set_holiday(
        users["supervisor"], dt.date(2027, 1, 15), "rest", "基准测试：2027年放假安排"
    )
    seconds = time.perf_counter() - t0
    time.sleep(1)
    stop.set()
    worker.join()
    assert transaction.get_autocommit()
    print(
        json.dumps(
            {
                "cases": n,
                "moved": len(moved),
                "seconds": seconds,
                "transitions": len(waits),
                "wait_p50": statistics.median(waits) if waits else 0.0,
                "wait_max": max(waits) if waits else 0.0,
            }
        )
    )


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker([a for a in sys.argv[1:] if a != "--worker"])

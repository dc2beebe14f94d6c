"""The county bureau's year at scale (issue 32): `make bench BENCH_ARGS=county`.

On the 1,000,000-case database that bench.scale builds (here its own database `dtj_county`,
one event per case: the events are not what is measured), the county's records are added
by the server (INSERT … SELECT, no row crosses the wire): acceptance, outcomes, agreements
with amounts, follow-ups, 防止激化 flags, the subsidy ledger (one line per ended case, in
the month it ended) and a training programme with attendance. Then, through Django's test
client as the supervisor:

* the last complete month's subsidy sheet — `GET /api/subsidies/{YYYY-MM}/` (≤ 2 s) and
  its workbook;
* the whole Ministry report for the last complete year — `GET /api/stats/ministry/report/`
  (≤ 2 s) and its workbook.

Each figure is the median of --runs (5) after a warm-up, with the rows it covered and the
load average. Options: --cases=N (1000000), --db=NAME (dtj_county), --reload, --runs=N.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import statistics
import subprocess
import time

from bench import scale
from bench.scale import PY, ROOT, _db_url, _django_env, _opt, load_average, say

DB = "dtj_county"
TARGET_S = 2.0


def run(args):
    db = _opt(args, "db", DB)
    n = _opt(args, "cases", 1_000_000)
    print(f"   ({load_average()} at start; {scale.host_speed()})", flush=True)
    scale.SCALE_DB = db
    started = time.perf_counter()
    base = [a for a in args if a.startswith(("--cases=", "--reload"))]
    scale.ensure_loaded([*base, "--events-per-case=1"])
    county_load(_db_url(db), n, "--reload" in args)
    say(f"database ready in {time.perf_counter() - started:.1f} s")
    code = "import sys, bench.county as c; c.county_worker(sys.argv[1:])"
    subprocess.run([PY, "-c", code, *args], cwd=ROOT, env=_django_env(db), check=True)


# -- the county's records, by the server ----------------------------------------------------


def county_load(url: str, n: int, reload: bool) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_county_meta (cases bigint)")
        row = conn.execute("SELECT cases FROM bench_county_meta").fetchone()
        if row and row[0] == n and not reload:
            say(f"{url.rsplit('/', 1)[1]}: reusing the county records of {n:,} cases")
            return
        conn.execute("SET synchronous_commit = off")
        supervisor = conn.execute(
            "SELECT id FROM auth_user WHERE username = 'supervisor'"
        ).fetchone()[0]
        for label, sql, params in _statements(supervisor):
            started = time.perf_counter()
            cur = conn.execute(sql, params or None)  # no parameters: no placeholders
            say(f"{label}: {cur.rowcount:,} rows, {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        say(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")
        conn.execute("DELETE FROM bench_county_meta")
        conn.execute("INSERT INTO bench_county_meta VALUES (%s)", [n])


ENDED = "('agreed','confirmed','failed','referred','closed','archived','withdrawn')"
# agreed, confirmed, and the closed / archived ones that ended with an agreement (the
# bench.scale loader spreads states; which closed case had agreed is decided by its id)
SUCCEEDED = (
    "(c.state IN ('agreed','confirmed') OR (c.state IN ('closed','archived') AND c.id % 5 <> 0))"
)


def _statements(supervisor: int) -> list[tuple[str, str, list]]:
    return [
        (
            "acceptance, outcomes, 防止激化 flags",
            "UPDATE mediation_case c SET "
            "accepted_at = CASE WHEN state IN ('registered','declined') THEN NULL "
            "  ELSE created_at + interval '1 day' END, "
            "closed_at = CASE WHEN state IN "
            + ENDED
            + " THEN created_at + interval '20 days' END, "
            "outcome = CASE WHEN state = 'confirmed' THEN 'confirmed' "
            "  WHEN " + SUCCEEDED + " THEN 'agreed' "
            "  WHEN state IN ('failed','closed','archived') THEN 'failed' "
            "  WHEN state IN ('referred','withdrawn','declined') THEN state ELSE '' END, "
            "confirmation_requested_at = CASE WHEN state IN ('confirming','confirmed') "
            "  THEN created_at + interval '15 days' END, "
            "risk_kind = CASE WHEN id % 97 = 0 THEN "
            "  (ARRAY['criminal','mass_petition','mass_fight','suicide'])[1 + id % 4] ELSE '' END",
            [],
        ),
        (
            "agreements",
            "INSERT INTO mediation_agreement (case_id, form, facts, responsibilities, terms, "
            "performance_method, performance_due, effective_date, concerns_status, amount, "
            "created_at, created_by_id) "
            "SELECT c.id, CASE WHEN c.id % 4 = 0 THEN 'oral' ELSE 'written' END, '', '', "
            "'赔偿并修缮排水沟。', '一次性支付', (c.created_at + interval '40 days')::date, "
            "(c.created_at + interval '10 days')::date, false, "
            "CASE WHEN c.id % 3 = 0 THEN NULL ELSE 500 + (c.id % 50) * 100 END, "
            "c.created_at + interval '10 days', c.mediator_id "
            "FROM mediation_case c WHERE " + SUCCEEDED + " ORDER BY c.id",
            [],
        ),
        (
            "follow-ups",
            "INSERT INTO mediation_followup (case_id, date, performed, note, route, "
            "satisfaction, escalation_signs, early_reason, recorded_by_id, created_at) "
            "SELECT c.id, (c.created_at + interval '45 days')::date, c.id % 7 <> 0, '', "
            "'', '', false, '', c.mediator_id, c.created_at + interval '45 days' "
            "FROM mediation_case c WHERE " + SUCCEEDED + " AND c.id % 2 = 0 ORDER BY c.id",
            [],
        ),
        (
            "subsidy ledger",
            "INSERT INTO mediation_subsidyline (case_id, org_id, mediator_id, month, grade, base, "
            "extras, amount, adjustment, reason, created_by_id, created_at) "
            "SELECT c.id, c.org_id, c.mediator_id, date_trunc('month', c.closed_at)::date, "
            "(ARRAY['simple','general','difficult','major'])[1 + c.id %% 4], "
            "(ARRAY[100,200,400,800])[1 + c.id %% 4], CASE WHEN c.id %% 3 = 0 THEN 50 ELSE 0 END, "
            "(ARRAY[100,200,400,800])[1 + c.id %% 4] + CASE WHEN c.id %% 3 = 0 THEN 50 ELSE 0 END, "
            "false, '', %s, c.closed_at FROM mediation_case c "
            "WHERE c.closed_at IS NOT NULL AND c.network = 'people' ORDER BY c.id",
            [supervisor],
        ),
        (
            "training sessions (one a month for five years)",
            "INSERT INTO mediation_trainingsession (topic, hours, trainer, held_on, "
            "created_by_id, created_at) SELECT '人民调解业务培训', 4.0, '司法局', "
            "(date_trunc('month', now()) - k * interval '1 month')::date + 9, %s, now() "
            "FROM generate_series(1, 60) k",
            [supervisor],
        ),
        (
            "attendance (each committee mediator, two sessions in three)",
            "INSERT INTO mediation_trainingattendance (session_id, mediator_id) "
            "SELECT s.id, m.user_id FROM mediation_trainingsession s CROSS JOIN "
            "(SELECT DISTINCT user_id FROM mediation_membership WHERE role = 'mediator') m "
            "WHERE (s.id + m.user_id) % 3 <> 0",
            [],
        ),
    ]


# -- the measurements ---------------------------------------------------------------------------


def _measure(client, url, headers, runs) -> tuple[float, object]:
    response = client.get(url, **headers)  # warm-up (and the answer to describe)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        r = client.get(url, **headers)
        if getattr(r, "streaming", False):
            b"".join(r.streaming_content)
        times.append(time.perf_counter() - started)
    return statistics.median(times), response


def _line(label: str, seconds: float, detail: str, target: float | None = TARGET_S) -> None:
    verdict = ""
    if target is not None:
        verdict = "  ok" if seconds <= target else f"  OVER {target} s"
    say(f"{label:<52} {seconds:6.2f} s{verdict}   {detail}   [{load_average()}]")


def county_worker(args) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client

    from config import tokens

    runs = _opt(args, "runs", 5)
    client = Client()
    supervisor = User.objects.get(username="supervisor")
    headers = {"HTTP_AUTHORIZATION": f"Token {tokens.issue(supervisor)}"}
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM mediation_case")
        cases = cur.fetchone()[0]
    say(f"{cases:,} cases")

    today = dt.date.today()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    url = f"/api/subsidies/{month:%Y-%m}/"
    seconds, r = _measure(client, url, headers, runs)
    data = r.json()
    lines = sum(len(o["lines"]) for o in data["orgs"])
    detail = f"{len(data['orgs'])} organisations, {lines:,} lines, total {data['total']} 元"
    _line(f"subsidy sheet {month:%Y-%m} (JSON)", seconds, detail)
    seconds, _r = _measure(client, f"/api/subsidies/{month:%Y-%m}.xlsx", headers, runs)
    _line(f"subsidy sheet {month:%Y-%m} (XLSX)", seconds, "the same lines", None)

    del data, r  # the sheet's 10,000 lines kept alive slow every later collection (GC)
    gc.collect()
    year = today.year - 1
    query = f"?from={year}-01-01&to={year}-12-31"
    seconds, r = _measure(client, f"/api/stats/ministry/report/{query}", headers, runs)
    report = r.json()
    total = report["cases"]["total"]
    detail = (
        f"accepted {total['accepted']:,}, succeeded {total['succeeded']:,}, performed "
        f"{total['performed']:,}, {report['organisations']['total']} committees, "
        f"{report['mediators']['total']['count']} mediators"
    )
    _line(f"Ministry report {year} (JSON)", seconds, detail)
    seconds, _r = _measure(client, f"/api/stats/ministry/report.xlsx{query}", headers, runs)
    _line(f"Ministry report {year} (XLSX)", seconds, "the same figures", TARGET_S)

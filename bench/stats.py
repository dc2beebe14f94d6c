"""Supervision figures and exports at scale (issue 13).

Targets: the summary (mediation.supervision.figures.summary, every §8 figure) over 1,000,000 cases
on PostgreSQL in at most 1 s median and over 100,000 on SQLite in at most 1 s; a
100,000-row case workbook (GET /api/cases/export.xlsx's writer) in at most 10 s with the
process under 200 MB.

The data sets are written by SQL (INSERT … SELECT over a generated series joined to
small lookup tables), not the ORM, and kept between runs: the PostgreSQL database
`dtj_sup_bench_stats` and the SQLite file in the temp directory are rebuilt only when
their case count differs from the one asked for (or with --rebuild). Each measurement runs
in its own process (Django reads DATABASE_URL once; the export's memory is its own).

Options: --pg-cases=N (default 1000000), --sqlite-cases=N (default 100000),
--runs=N (default 7), --only=postgres|sqlite, --rebuild.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

PG_DB = "dtj_sup_bench_stats"
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SQLITE_PATH = os.path.join(tempfile.gettempdir(), "dtj_sup_bench_stats.sqlite3")


def _opt(args, name, default):
    for a in args:
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return default


def _load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def run(args):
    only = _opt(args, "only", "")
    rebuild = "--rebuild" in args
    runs = _opt(args, "runs", "7")
    jobs = []
    if only in ("", "postgres"):
        if _pg_ensure_db():
            url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_DB
            jobs.append(("PostgreSQL", url, _opt(args, "pg-cases", "1000000"), ["summary"]))
        else:
            print("PostgreSQL: not reachable, skipped")
    if only in ("", "sqlite"):
        url = f"sqlite:///{SQLITE_PATH}"
        jobs.append(("SQLite", url, _opt(args, "sqlite-cases", "100000"), ["summary", "export"]))
    print(f"   load average before: {_load_average()} (machine shared with other work)")
    for label, url, n, parts in jobs:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.setdefault("LOG_REQUESTS", "false")  # a JSON line per request is not what is measured
        env.pop("REDIS_URL", None)
        for part in ["load", *parts]:
            extra = ["--rebuild"] if rebuild and part == "load" else []
            print(f"-- {label}: {part}", flush=True)
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sys, bench.stats as b; b.worker(sys.argv[1:])",
                    part,
                    n,
                    runs,
                    *extra,
                ],
                env=env,
                check=True,
            )
    print(f"   load average after: {_load_average()}")


def _pg_ensure_db() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]
            ).fetchone()
            if not exists:
                conn.execute(f"CREATE DATABASE {PG_DB}")
        return True
    except psycopg.Error as exc:
        print(f"PostgreSQL: {exc}")
        return False


# -- the worker ------------------------------------------------------------------------------


def worker(argv):
    import django

    django.setup()
    part, n, runs = argv[0], int(argv[1]), int(argv[2])
    if part == "load":
        load(n, rebuild="--rebuild" in argv)
    elif part == "summary":
        measure_summary(runs)
    elif part == "export":
        measure_export()


# Weighted lookup rows: (state, outcome, accepted, closed, confirmation requested).
STATE_ROWS = (
    [("registered", "", 0, 0, 0)] * 6
    + [("accepted", "", 1, 0, 0)] * 5
    + [("mediating", "", 1, 0, 0)] * 10
    + [("agreed", "agreed", 1, 0, 0)] * 4
    + [("confirming", "agreed", 1, 0, 1)] * 2
    + [("confirmed", "confirmed", 1, 0, 1)] * 3
    + [("failed", "failed", 1, 0, 0)] * 4
    + [("declined", "declined", 0, 0, 0)] * 2
    + [("withdrawn", "withdrawn", 0, 0, 0)] * 2
    + [("closed", "agreed", 1, 1, 0)] * 25
    + [("closed", "failed", 1, 1, 0)] * 7
    + [("archived", "agreed", 1, 1, 0)] * 20
    + [("referred", "referred", 1, 0, 0)] * 3
)


def load(n: int, rebuild: bool):
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from mediation.law.choices import Category, Channel
    from mediation.models import Case
    from mediation.ops.demo import build_accounts, build_organizations

    call_command("migrate", verbosity=0)
    have = Case.objects.count()
    if have == n and not rebuild:
        print(f"   data set present: {have:,} cases (kept from an earlier run)")
        return
    started = time.perf_counter()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    pg = connection.vendor == "postgresql"
    with transaction.atomic():
        orgs = build_organizations()
        build_accounts(orgs)
        mediating = [o for o in orgs.values() if o.is_mediating]
        with connection.cursor() as cur:
            # the data set is written without events: the monthly summary starts over
            cur.execute("DELETE FROM mediation_casestatmonth")
            cur.execute("DELETE FROM mediation_statcursor")
            for table in ("mediation_followup", "mediation_caseparty", "mediation_caseaccess"):
                cur.execute(f"DELETE FROM {table}")
            cur.execute("DELETE FROM mediation_party")
            cur.execute("DELETE FROM mediation_case")
            _lookups(cur, mediating, Category.values, Channel.values)
            cur.execute(_case_sql(pg, n))
            if connection.vendor == "sqlite":
                # the export's parties: two per case (the PostgreSQL set measures the summary)
                cur.execute(_party_sql(n))
                cur.execute(
                    "INSERT INTO mediation_caseparty (case_id, party_id, role, position) "
                    "SELECT c.id, 2 * c.id - 1, 'applicant', 0 FROM mediation_case c "
                    "UNION ALL SELECT c.id, 2 * c.id, 'respondent', 1 FROM mediation_case c"
                )
            # a follow-up for every fifth agreed case; three of four say performed
            cols = "case_id, date, performed, note, created_at"
            more_cols, more_values = _extras("mediation.FollowUp", cols, pg)
            cur.execute(
                f"INSERT INTO mediation_followup ({cols}{more_cols}) "
                f"SELECT id, created_at, (id % 4 <> 0), '', created_at{more_values} "
                "FROM mediation_case WHERE outcome IN ('agreed', 'confirmed') AND id % 5 = 0"
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"   data set: {n:,} cases written by SQL in {time.perf_counter() - started:.1f} s")


def _lookups(cur, mediating, categories, channels):
    for ddl in (
        "CREATE TEMP TABLE b_org (k integer, id bigint, network text, region text)",
        "CREATE TEMP TABLE b_state (k integer, state text, outcome text, acc integer,"
        " clo integer, conf integer)",
        "CREATE TEMP TABLE b_cat (k integer, code text)",
        "CREATE TEMP TABLE b_chan (k integer, code text)",
    ):
        cur.execute(ddl)
    # township committees carry most cases: repeat them in the lookup
    weighted = [o for o in mediating for _ in range(6 if o.subtype == "township" else 1)]
    cur.executemany(
        "INSERT INTO b_org VALUES (%s, %s, %s, %s)",
        [(k, o.pk, o.network, o.region) for k, o in enumerate(weighted)],
    )
    cur.executemany(
        "INSERT INTO b_state VALUES (%s, %s, %s, %s, %s, %s)",
        [(k, *row) for k, row in enumerate(STATE_ROWS)],
    )
    cur.executemany("INSERT INTO b_cat VALUES (%s, %s)", list(enumerate(categories)))
    cur.executemany("INSERT INTO b_chan VALUES (%s, %s)", list(enumerate(channels)))


CASE_COLUMNS = """
    id, number, network, org_id, registering_org_id, channel, category, summary, claims,
    amount, region, village, priority, state, created_at, updated_at, due_at, accepted_at,
    closed_at, outcome, end_reason, end_note, routes_advised, confirmation_requested_at,
    rejection_grounds, referral_route, referral_result, risk_level, risk_note,
    tracking_token, case_file"""


def _case_sql(pg: bool, n: int) -> str:
    n_state, n_cat = len(STATE_ROWS), 20
    if pg:
        series = f"generate_series(1, {n}) AS s(i)"
        created = (
            "now() - ((s.i * 7) % 720) * interval '1 day' - (s.i % 86000) * interval '1 second'"
        )

        def plus(expr, days):
            return f"({expr}) + interval '{days} days'"

        def plus_var(expr, days_expr):
            return f"({expr}) + ({days_expr}) * interval '1 day'"

        true, false = "true", "false"
    else:
        series = (
            f"(WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < {n}) "
            "SELECT i FROM r) AS s"
        )
        created = (
            "datetime('now', '-' || ((s.i * 7) % 720) || ' days', '-' || (s.i % 86000) || "
            "' seconds')"
        )

        def plus(expr, days):
            return f"datetime({expr}, '+{days} days')"

        def plus_var(expr, days_expr):
            return f"datetime({expr}, '+' || ({days_expr}) || ' days')"

        true, false = "1", "0"
    open_states = "('registered', 'accepted', 'mediating', 'confirming')"
    more_cols, more_values = _extras("mediation.Case", CASE_COLUMNS, pg)
    return f"""
INSERT INTO mediation_case ({CASE_COLUMNS}{more_cols})
SELECT s.i, 'BENCH-' || s.i, o.network, o.id, o.id, ch.code, c.code,
    '双方因院墙排水问题发生争执。', '',
    CASE WHEN s.i % 3 = 0 THEN NULL ELSE (s.i % 50000) END,
    o.region, '', CASE WHEN s.i % 7 = 0 THEN {true} ELSE {false} END,
    st.state, {created}, {created},
    CASE WHEN st.state IN {open_states} THEN {plus(created, 30)} END,
    CASE WHEN st.acc = 1 THEN {plus(created, 1)} END,
    CASE WHEN st.clo = 1 THEN {plus_var(created, "1 + s.i % 45")} END,
    st.outcome, '', '', '',
    CASE WHEN st.conf = 1 THEN {plus(created, 20)} END,
    '', '', '', CASE WHEN s.i % 997 = 0 AND st.state IN {open_states} THEN 'high' ELSE '' END,
    '', 'bench-' || s.i, ''{more_values}
FROM {series}
JOIN b_state st ON st.k = (s.i * 37) % {n_state}
JOIN b_org o ON o.k = (s.i * 13) % (SELECT count(*) FROM b_org)
JOIN b_cat c ON c.k = (s.i * 11) % {n_cat}
JOIN b_chan ch ON ch.k = (s.i * 5) % 8
"""


def _literal(value, pg: bool) -> str:
    import json

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("true" if value else "false") if pg else str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, dict)):
        value = json.dumps(value)
    return "'" + str(value).replace("'", "''") + "'"


def _extras(model_label: str, have: str, pg: bool) -> tuple[str, str]:
    """NOT NULL columns that later migrations added and this loader does not name, with
    the model's default (or the type's zero): the loader keeps up with the schema."""
    import datetime as dt
    import re

    from django.apps import apps
    from django.db import models

    named = set(re.findall(r"\w+", have))
    cols, values = [], []
    for f in apps.get_model(model_label)._meta.concrete_fields:
        if f.column in named or f.null or f.primary_key:
            continue
        if f.has_default():
            value = f.get_default()
        elif isinstance(f, models.DateTimeField):
            value = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).isoformat(" ")
        elif isinstance(f, models.DateField):
            value = "2026-01-01"
        elif isinstance(f, models.BooleanField):
            value = False
        elif isinstance(f, (models.IntegerField, models.DecimalField, models.FloatField)):
            value = 0
        else:
            value = ""
        cols.append(f.column)
        values.append(_literal(value, pg))
    return "".join(f", {c}" for c in cols), "".join(f", {v}" for v in values)


PARTY_COLUMNS = """id, kind, name, gender, ethnicity, id_number, credit_code,
    representative, phone, address, tags"""


def _party_sql(n: int) -> str:
    more_cols, more_values = _extras("mediation.Party", PARTY_COLUMNS, pg=False)
    return f"""
INSERT INTO mediation_party ({PARTY_COLUMNS}{more_cols})
SELECT i, 'person', '马建国' || (i % 97), 'male', '回族',
    '6403031980' || substr('00000000' || i, -8, 8), '', '',
    '139' || substr('00000000' || i, -8, 8), '红寺堡镇', '[]'{more_values}
FROM (WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < {2 * n})
      SELECT i FROM r)
"""


def _supervisor():
    from mediation.models import Membership

    return Membership.objects.filter(role="supervisor").select_related("user").first().user


def measure_summary(runs: int):
    from django.db import connection

    from mediation.models import Case
    from mediation.supervision.figures import Filters, ministry_table, parse_filters, summary

    user = _supervisor()
    n = Case.objects.count()
    cases = [
        ("whole district, no period", Filters()),
        ("one year", parse_filters({"from": "2026-01-01", "to": "2026-12-31"})),
        (
            "one township, people's network",
            parse_filters({"network": "people", "region": "红寺堡镇"}),
        ),
    ]
    t = time.perf_counter()
    summary(user, Filters())  # the first read builds the monthly summary (once per data set)
    print(f"   first read (builds the monthly summary if absent): {time.perf_counter() - t:.1f} s")
    for label, filters in cases:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            data = summary(user, filters)
            times.append(time.perf_counter() - t)
        print(
            f"   summary, {label}: {n:,} cases ({data['total']:,} in scope) on "
            f"{connection.vendor}: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms over {runs} runs (target ≤ 1000 ms median); "
            f"load {_load_average()}",
            flush=True,
        )
    t = time.perf_counter()
    ministry_table(user, Filters())
    print(f"   Ministry table, whole district: {(time.perf_counter() - t) * 1000:.0f} ms")


def _peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM, which starts afresh at exec. (ru_maxrss keeps
    the peak of the process before exec, here the bench's parent when earlier benches had
    made it large: a full `make bench` printed 253 MB "before export" for a 120 MB child.)"""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_export():
    from mediation import policies
    from mediation.models import Case
    from mediation.supervision.exports import cases_workbook

    user = _supervisor()
    before = _peak_rss_mb()
    t, cpu = time.perf_counter(), time.process_time()
    out, rows = cases_workbook(policies.visible_cases(user, Case.objects.all()))
    elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
    size = out.seek(0, 2)
    out.close()
    peak = _peak_rss_mb()
    print(
        f"   case workbook: {rows:,} rows, {size / 1e6:.1f} MB xlsx in {elapsed:.1f} s "
        f"(CPU {cpu:.1f} s of this process; target ≤ 10 s); "
        f"process peak RSS {peak:.0f} MB (before export {before:.0f} MB; "
        f"target < 200 MB); load {_load_average()}",
        flush=True,
    )

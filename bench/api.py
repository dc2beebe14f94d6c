"""REST API latency with 100,000 cases (issue 3), on SQLite and on PostgreSQL.

Each backend runs in its own process (Django reads DATABASE_URL once): a temporary SQLite
file, and the `dtj_bench_api` PostgreSQL database (dropped and rebuilt each run). The
fixture is written with bulk_create — valid case numbers, two parties each, one CaseAccess
row per case, mediators on cases past registration — because it is a benchmark fixture,
not intake (the services would take an hour for 100,000 cases).

Measured in-process through Django's test Client with token authentication:
GET /api/cases/?page_size=50 (parties and mediator on every row) for a township head (its
own cases among 100,000, the EXISTS visibility filter), a village committee, a small
organisation and a petition officer who sees none (sparse callers: the id-list path of
mediation.api.views.narrow_to_sparse_access), and the supervisor (everything);
a walk through ten pages by cursor; and GET /api/cases/{id}/. Median and p95 in ms, and
the number of SQL queries per request. Targets: list ≤ 60 ms median, detail ≤ 30 ms.

Options: --cases=N (default 100000), --only=sqlite|postgres, --runs=N (default 60).
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from bench.common import PG_ADMIN_URL, fresh_pg_database, remove_sqlite

PG_DB = "dtj_bench_api"


def _opt(args, name, default):
    for a in args:
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return default


def run(args):
    only = _opt(args, "only", "")
    backends = []
    if only in ("", "sqlite"):
        fd, path = tempfile.mkstemp(prefix="dtj_bench_api_", suffix=".sqlite3")
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
        env.setdefault("LOG_REQUESTS", "false")  # a JSON line per request is not what is measured
        env.pop("REDIS_URL", None)
        print(f"-- {label}", flush=True)
        try:
            subprocess.run(
                [sys.executable, "-c", "import sys, bench.api as b; b.worker(sys.argv[1:])", *args],
                env=env,
                check=True,
            )
        finally:
            if path:
                remove_sqlite(path)


def _pg_reset() -> bool:
    failure = fresh_pg_database(PG_DB)
    if failure:
        print(f"PostgreSQL: {failure}")
    return failure is None


# -- the worker: one backend, one process ---------------------------------------------------


def worker(args):
    import django

    django.setup()
    from django.core.management import call_command

    n = int(_opt(args, "cases", "100000"))
    runs = int(_opt(args, "runs", "60"))
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"   migrate: {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    world = build(n)
    print(f"   fixture: {n:,} cases in {time.perf_counter() - started:.1f} s", flush=True)
    measure(world, runs)


def build(n: int) -> dict:
    """Organisations and demo accounts, then `n` cases with parties and access rows."""
    import datetime as dt

    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from mediation.law.choices import NETWORK_WORD, Category, Channel, State
    from mediation.law.identity import id_check_char
    from mediation.models import Case, CaseAccess, CaseParty, Membership, Party
    from mediation.ops.demo import build_accounts, build_organizations

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    orgs = build_organizations()
    users = build_accounts(orgs)
    mediating = [o for o in orgs.values() if o.is_mediating]
    # Township committees carry most of the load; the lawyer studio very little.
    weights = [
        8 if o.subtype == "township" else 0.3 if o.kind == "lawyer_studio" else 2 for o in mediating
    ]
    mediators = {
        m.org_id: m.user_id for m in Membership.objects.filter(role="mediator").order_by("-id")
    }
    rng = random.Random(2026)
    now = timezone.now()
    states = [s for s, _ in State.choices]
    state_weights = [
        {"registered": 6, "accepted": 5, "mediating": 10, "closed": 30, "archived": 20}.get(s, 3)
        for s in states
    ]
    categories, channels = Category.values, Channel.values
    seq: dict[int, int] = {}
    batch = 5000
    made = 0
    with transaction.atomic():
        while made < n:
            size = min(batch, n - made)
            cases = []
            for _ in range(size):
                org = rng.choices(mediating, weights)[0]
                seq[org.pk] = seq.get(org.pk, 0) + 1
                state = rng.choices(states, state_weights)[0]
                created = now - dt.timedelta(minutes=rng.randint(0, 365 * 24 * 60))
                open_ = state in ("registered", "accepted", "mediating", "confirming")
                cases.append(
                    Case(
                        number=f"（2026）{org.short_code}{NETWORK_WORD[org.network]}字第"
                        f"{seq[org.pk]:04d}号",
                        network=org.network,
                        org=org,
                        registering_org=org,
                        mediator_id=None if state == "registered" else mediators.get(org.pk),
                        channel=rng.choice(channels),
                        category=rng.choice(categories),
                        summary="双方因院墙排水问题发生争执，多次协商未果。",
                        claims="请求改建排水沟。",
                        region=org.region,
                        priority=rng.random() < 0.15,
                        state=state,
                        created_at=created,
                        due_at=created + dt.timedelta(days=30) if open_ else None,
                    )
                )
            Case.objects.bulk_create(cases, batch_size=1000)
            parties, links, access = [], [], []
            for case in cases:
                for pos in range(2):
                    body = f"640303{rng.randint(1950, 2005)}0101{rng.randint(100, 999)}"
                    parties.append(
                        Party(
                            kind="person",
                            name=rng.choice("马杨李王张刘丁海田苏")
                            + rng.choice(["建国", "桂兰", "学军", "海燕"]),
                            gender="male" if int(body[16]) % 2 else "female",
                            ethnicity="回族",
                            id_number=body + id_check_char(body),
                            phone=f"139{rng.randint(10_000_000, 99_999_999)}",
                            address="红寺堡镇",
                            tags=[],
                        )
                    )
                    links.append((case, pos))
                access.append(
                    CaseAccess(
                        case=case, org_id=case.org_id, reason="handler", since=case.created_at
                    )
                )
            Party.objects.bulk_create(parties, batch_size=1000)
            CaseParty.objects.bulk_create(
                [
                    CaseParty(
                        case=case,
                        party=party,
                        role="applicant" if pos == 0 else "respondent",
                        position=pos,
                    )
                    for (case, pos), party in zip(links, parties, strict=True)
                ],
                batch_size=1000,
            )
            CaseAccess.objects.bulk_create(access, batch_size=1000)
            made += size
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    small = orgs["红寺堡区律师调解工作室"]
    return {
        "users": users,
        "home": orgs["红寺堡镇人民调解委员会"],
        "small": small,
        "village": orgs["南川乡南川村人民调解委员会"],
    }


def _token(user) -> str:
    from config import tokens

    return tokens.issue(user)


def _timed(client, url, headers, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm: caches, prepared plans, imports
        r = client.get(url, **headers)
        assert r.status_code == 200, (url, r.status_code, r.content[:300])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        r = client.get(url, **headers)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, **headers)
    return times, len(ctx.captured_queries), r


def _report(label, times, queries, target=None):
    times = sorted(times)
    median = statistics.median(times)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    verdict = "" if target is None else ("  ok" if median <= target else f"  OVER {target} ms")
    print(
        f"   {label:<46} median {median:6.1f} ms  p95 {p95:6.1f} ms  queries {queries:2d}{verdict}",
        flush=True,
    )


def measure(world, runs):
    from django.test import Client

    from mediation.models import Case, Membership

    client = Client()
    users = world["users"]
    small_user = Membership.objects.filter(org=world["small"], role="mediator").first().user
    village = Membership.objects.filter(org=world["village"], role="mediator").first().user
    callers = [
        ("head (township, own cases)", users["head"]),
        ("village committee mediator", village),
        ("lawyer studio mediator (few rows)", small_user),
        ("supervisor (all 100k)", users["supervisor"]),
        ("petition officer (sees none: whole index)", users["petition"]),
    ]
    for who, user in callers:
        headers = {"HTTP_AUTHORIZATION": f"Token {_token(user)}"}
        times, queries, r = _timed(client, "/api/cases/?page_size=50", headers, runs)
        rows = r.json()["results"]
        assert user == users["petition"] or len(rows) == 50, who
        assert all(row["parties"] for row in rows), who
        _report(f"GET /api/cases/ page 50 — {who}", times, queries, 60)

    headers = {"HTTP_AUTHORIZATION": f"Token {_token(users['head'])}"}
    # Ten pages deep by cursor: each page is a range scan, not an offset.
    url, walk = "/api/cases/?page_size=50", []
    for _ in range(10):
        r = client.get(url, **headers)
        walk.append(r)
        url = r.json()["next"]
    deep_url = walk[-1].request["PATH_INFO"] + "?" + walk[-1].request["QUERY_STRING"]
    times, queries, _r = _timed(client, deep_url, headers, runs)
    _report("GET /api/cases/ page 50, 10th page — head", times, queries, 60)

    times, queries, _r = _timed(
        client, "/api/cases/?page_size=50&state=mediating&q=马建国", headers, max(10, runs // 3)
    )
    _report("GET /api/cases/ state + q filter — head", times, queries)

    ids = list(Case.objects.filter(org=world["home"]).values_list("id", flat=True)[:500])
    rng = random.Random(7)
    detail_times, queries = [], 0
    for pk in rng.sample(ids, min(len(ids), 5)):
        t, queries, _r = _timed(client, f"/api/cases/{pk}/", headers, max(1, runs // 5))
        detail_times += t
    _report("GET /api/cases/{id}/ — head (handler)", detail_times, queries, 30)
    sup = {"HTTP_AUTHORIZATION": f"Token {_token(users['supervisor'])}"}
    t, queries, _r = _timed(client, f"/api/cases/{ids[0]}/", sup, runs)
    _report("GET /api/cases/{id}/ — supervisor", t, queries, 30)


if __name__ == "__main__":
    worker(sys.argv[1:])

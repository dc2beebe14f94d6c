"""Transitions per second through `services.perform` versus the same writes in raw SQL.

Each database runs in its own child process (settings are read once, at django.setup):
SQLite on a fresh temporary file (the embedded default: WAL, IMMEDIATE), and PostgreSQL on
DATABASE_URL when it points to PostgreSQL, else postgres://postgres@127.0.0.1:5432/dtj_bench
(created when missing; skipped when no server answers).

The service runs a realistic mix on cases in mediation: fail → reopen → reassign, each
with the permission check, the form's conditions, the FSM method, the optimistic state
check, CaseAccess upkeep and the CaseEvent insert under the advisory lock, and the push
scheduled on commit. The raw run does the same row writes by hand: per transition one
transaction with an UPDATE of the case row and an INSERT of each event row (two for
reassign, as the service writes case.assigned too). A plain ORM run (filter().update() +
create()) sits in between for scale.

Options: --n=<transitions per run, default 900>, --rounds=<default 3, best round kept>,
--profile (pyinstrument over one service round, if installed), --only=sqlite|postgres.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/dtj_bench"


def _opt(args, name, default):
    for a in args:
        if a.startswith(f"--{name}="):
            return type(default)(a.split("=", 1)[1])
        if a == f"--{name}" and isinstance(default, bool):
            return True
    return default


def _pg_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = DEFAULT_PG
    try:
        import psycopg
    except ImportError:
        return None
    base, _, name = url.rpartition("/")
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        print(f"   postgresql: not reachable ({exc.__class__.__name__}), skipped")
        return None
    return url


def run(args) -> None:
    only = _opt(args, "only", "")
    targets = []
    with tempfile.TemporaryDirectory(prefix="dtj-bench-") as tmp:
        if only in ("", "sqlite"):
            targets.append(("sqlite", f"sqlite:///{tmp}/bench.sqlite3"))
        if only in ("", "postgres"):
            url = _pg_url()
            if url:
                targets.append(("postgresql", url))
        results = {}
        for label, url in targets:
            env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
            env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="config.settings")
            env.update(MEDIA_ROOT=f"{tmp}/media", PYTHONPATH=str(REPO))
            # Production settings: DEBUG would record every query and skew the figures.
            env.update(DEBUG="false", SECRET_KEY="bench-only-secret", LOG_LEVEL="ERROR")
            proc = subprocess.run(
                [sys.executable, "-m", "bench.transitions", "--worker", *args],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
            )
            if proc.returncode != 0:
                print(f"   {label}: worker failed\n{proc.stderr[-4000:]}")
                continue
            lines = proc.stdout.strip().splitlines()
            for line in lines[:-1]:
                print(f"   {line}")
            results[label] = json.loads(lines[-1])
    for label, r in results.items():
        print(
            f"   {label:<10} service {r['service']:6.0f} tx/s"
            f" (without in-transaction hooks {r['core']:6.0f})   raw SQL {r['raw']:6.0f} tx/s"
            f"   plain ORM {r['orm']:6.0f} tx/s   raw/service = {r['raw'] / r['service']:.2f}x"
            f" (without hooks {r['raw'] / r['core']:.2f}x)"
        )
    if "postgresql" in results:
        ratio = results["postgresql"]["raw"] / results["postgresql"]["service"]
        verdict = "within" if ratio <= 3 else "NOT within"
        print(f"   target: service within 3x of raw SQL on PostgreSQL: {verdict} ({ratio:.2f}x)")


# -- the child process --------------------------------------------------------------------


def _worker(args) -> None:
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from mediation.actions import services
    from mediation.law.choices import State
    from mediation.models import Case, CaseEvent
    from mediation.ops.demo import build_accounts, build_organizations
    from tests.conftest import case_body

    n = _opt(args, "n", 900)
    rounds = _opt(args, "rounds", 3)
    # The documents an event produces (a termination notice at each `fail`) are written
    # after the commit and timed by `make bench BENCH_ARGS=pdf`; here the transaction's
    # own cost is compared with raw SQL, as before documents became records.
    from mediation.documents import records

    records.after_event = lambda *a, **kw: None
    print("(documents produced after commit are left out here: see bench pdf)")
    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        # a clean slate each run (TRUNCATE: the append-only trigger refuses DELETE)
        call_command("flush", interactive=False, verbosity=0)
    orgs = build_organizations()
    users = build_accounts(orgs)
    home = orgs["红寺堡镇人民调解委员会"]
    head, mediator, mediator2 = users["head"], users["mediator"], users["mediator2"]

    def mediating_case():
        case = services.register_case(users["intake"], case_body(home))
        services.perform(case, "accept", head, {"mediator": mediator.pk})
        return services.perform(case, "begin", mediator, {"consent": True})

    pool = 30
    service_cases = [mediating_case() for _ in range(pool)]
    raw_cases = [mediating_case() for _ in range(pool)]
    orm_cases = [mediating_case() for _ in range(pool)]
    fail = {"reason": "no_agreement", "routes": "可向人民法院起诉"}
    # both sides consent: mediation again is voluntary (PML arts 3, 17)
    reopen = {"note": "双方同意再次调解", "consent": True}

    assigned = {c.pk: c.mediator_id for c in service_cases}

    def service_round(count):
        # who is assigned is tracked here, as the raw round does, so both loops do the same
        # work besides the transitions themselves
        done = 0
        while done < count:
            for case in service_cases:
                actor = mediator if assigned[case.pk] == mediator.pk else mediator2
                other = mediator2 if actor == mediator else mediator
                assigned[case.pk] = other.pk
                services.perform(case.pk, "fail", actor, fail)
                services.perform(case.pk, "reopen", head, reopen)
                services.perform(
                    case.pk, "reassign", head, {"mediator": other.pk, "reason": "回避"}
                )
                done += 3
                if done >= count:
                    break
        return done

    steps = [
        # (transition, from, to, case updates, event count)
        ("fail", State.MEDIATING, State.FAILED, 1),
        ("reopen", State.FAILED, State.MEDIATING, 1),
        ("reassign", State.MEDIATING, State.MEDIATING, 2),
    ]
    payload_case = {"id": 0, "number": "", "network": "people", "state": "", "org": home.pk}

    def raw_round(count):
        done = 0
        cur_mediator = {c.pk: c.mediator_id for c in raw_cases}
        while done < count:
            for case in raw_cases:
                for name, source, target, events in steps:
                    now = timezone.now()
                    if name == "reassign":
                        new = mediator2.pk if cur_mediator[case.pk] == mediator.pk else mediator.pk
                        cur_mediator[case.pk] = new
                    payload = json.dumps(
                        {
                            "case": {**payload_case, "id": case.pk, "state": target},
                            "actor": {"id": head.pk, "name": "李文华"},
                            "data": {"transition": name, "from": source, "to": target},
                            "orgs": [home.pk],
                        },
                        ensure_ascii=False,
                    )
                    with transaction.atomic(), connection.cursor() as cur:
                        cur.execute(
                            "UPDATE mediation_case SET state = %s, mediator_id = %s,"
                            " due_at = %s, updated_at = %s WHERE id = %s AND state = %s",
                            [target, cur_mediator[case.pk], now, now, case.pk, source],
                        )
                        for _ in range(events):
                            cur.execute(
                                "INSERT INTO mediation_caseevent (case_id, type, at, actor_id,"
                                " payload) VALUES (%s, %s, %s, %s, %s)",
                                [case.pk, "case.transitioned", now, head.pk, payload],
                            )
                    done += 1
                if done >= count:
                    break
        return done

    def orm_round(count):
        done = 0
        while done < count:
            for case in orm_cases:
                for name, source, target, events in steps:
                    now = timezone.now()
                    with transaction.atomic():
                        Case.objects.filter(pk=case.pk, state=source).update(
                            state=target, updated_at=now, due_at=now + dt.timedelta(days=30)
                        )
                        for _ in range(events):
                            CaseEvent.objects.create(
                                case_id=case.pk,
                                type="case.transitioned",
                                at=now,
                                actor=head,
                                payload={"data": {"transition": name, "to": target}},
                            )
                    done += 1
                if done >= count:
                    break
        return done

    hooks = list(getattr(services, "_in_transaction_hooks", []))

    def core_round(count):
        # The same service without the hooks other apps hang inside every transition (the
        # workflows keep their flows in step there): what the foundation itself costs.
        services._in_transaction_hooks.clear()
        try:
            return service_round(count)
        finally:
            services._in_transaction_hooks.extend(hooks)

    if _opt(args, "profile", False):
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
        service_round(n)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    # Rounds interleave the variants so that a noisy neighbour hurts each alike; the best
    # round of each is kept.
    variants = {"raw": raw_round, "service": service_round, "orm": orm_round}
    if hooks:
        variants["core"] = core_round
    best = dict.fromkeys(variants, 0.0)
    for _ in range(rounds):
        for key, fn in variants.items():
            started = time.perf_counter()
            done = fn(n)
            best[key] = max(best[key], done / (time.perf_counter() - started))
    best.setdefault("core", best["service"])
    print(f"{connection.vendor}: {n} transitions x {rounds} rounds (best kept)")
    print(json.dumps(best))


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker([a for a in sys.argv[1:] if a != "--worker"])
    else:
        run(sys.argv[1:])

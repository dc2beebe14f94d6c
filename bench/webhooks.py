"""Webhook delivery while transitions run (issue 31): `make bench BENCH_ARGS=webhooks`.

On PostgreSQL (the local server's `dtj_webhooks`, rebuilt each run). A receiver runs in its
own process (http.server, as an outside system would); it checks that the ids arrive in
increasing order. Phases, each --transitions=N reassignments (default 3,000) on a few
mediating cases, one after another, timing each (perform, one transaction, one event):

  without: no webhook;
  with:    a webhook endpoint whose cursor is set back so that it has a backlog of
           --events=N minus this phase's events to deliver (default 10,000 in all), and
           `manage.py deliver_webhooks` beside (the deployment's datiaojie-webhooks.service,
           at its own low CPU priority, WEBHOOK_NICE) delivering all of them while the
           transitions run.

The receiver stands in for the court's platform, another machine: on this host it runs at
the lowest CPU priority so that the bench measures what our deliverer costs, not what a
receiver sharing our two cores costs (at full priority it adds about 0.3× on two cores).

Reported: p50/p99 transition latency in each phase (target: with within 10 % of without)
and the delivery throughput (events/s) until the receiver has every event.

Options: --transitions=N (3000), --events=N (10000), --deliverer=process|thread (thread:
the embedded setup's delivery thread inside this process, mediation.live.webhooks; it
shares the interpreter lock with the transitions and is not held to the target).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import PG_ADMIN_URL, fresh_pg_database

REPO = Path(__file__).resolve().parent.parent
DB = "dtj_webhooks"


def _opt(args, name, default):
    for a in args:
        if a.startswith(f"--{name}="):
            return type(default)(a.split("=", 1)[1])
    return default


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB,
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONPATH=str(REPO),
        DEBUG="false",
        SECRET_KEY="bench-only-secret",
        LOG_LEVEL="ERROR",
        LOG_REQUESTS="false",
        WEBHOOK_POLL_SECONDS="0",
    )
    return env


def run(args) -> None:
    failure = fresh_pg_database(DB)
    if failure:
        print(f"   postgresql: not reachable ({failure.split(':')[0]}), skipped")
        return
    proc = subprocess.run(
        [sys.executable, "-m", "bench.webhooks", "--worker", *args],
        cwd=REPO,
        env=_env(),
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
    ratio = r["with_p99"] / r["without_p99"]
    print(
        f"   transitions without webhooks: p50 {r['without_p50'] * 1000:.1f} ms,"
        f" p99 {r['without_p99'] * 1000:.1f} ms ({r['transitions']} each)"
    )
    print(
        f"   with {r['delivered']:,} deliveries running ({r['deliverer']}): p50"
        f" {r['with_p50'] * 1000:.1f} ms, p99 {r['with_p99'] * 1000:.1f} ms → {ratio:.2f}×"
        + (
            f" (target ≤ 1.10: {'met' if ratio <= 1.10 else 'NOT met'})"
            if r["deliverer"] == "process"
            else " (the embedded thread: the target is the deployment's deliverer's)"
        )
    )
    print(
        f"   delivery: {r['delivered']:,} events in {r['delivery_seconds']:.1f} s ="
        f" {r['delivered'] / r['delivery_seconds']:.0f}/s; receiver saw them in order:"
        f" {r['in_order']}, each once: {r['once']}"
    )


def _receiver() -> None:
    """Own process: print the URL, count POSTs, report on stdin's end."""
    sys.path.insert(0, str(REPO))
    from tests.webhook_receiver import Receiver

    with Receiver() as rec:
        print(rec.url, flush=True)
        sys.stdin.read()
        ids = rec.ids()
    print(
        json.dumps(
            {"n": len(ids), "in_order": ids == sorted(ids), "once": len(set(ids)) == len(ids)}
        ),
        flush=True,
    )


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def _worker(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    from mediation.actions import services
    from mediation.actions.webhooks import create_webhook
    from mediation.documents import records
    from mediation.live import webhooks
    from mediation.models import CaseEvent, Webhook
    from mediation.ops.demo import build_accounts, build_organizations
    from tests.conftest import case_body

    n = _opt(args, "transitions", 3000)
    total = _opt(args, "events", 10_000)
    deliverer = _opt(args, "deliverer", "process")
    records.after_event = lambda *a, **kw: None  # documents are bench pdf's
    call_command("migrate", verbosity=0)
    orgs = build_organizations()
    users = build_accounts(orgs)
    home = orgs["红寺堡镇人民调解委员会"]
    head, mediator, mediator2 = users["head"], users["mediator"], users["mediator2"]
    cases = []
    for _ in range(8):
        case = services.register_case(users["intake"], case_body(home))
        services.perform(case, "accept", head, {"mediator": mediator.pk})
        cases.append(services.perform(case, "begin", mediator, {"consent": True}).pk)
    current = dict.fromkeys(cases, mediator.pk)

    def transitions(count: int) -> list[float]:
        waits = []
        for i in range(count):
            pk = cases[i % len(cases)]
            other = mediator2 if current[pk] == mediator.pk else mediator
            t = time.perf_counter()
            services.perform(pk, "reassign", head, {"mediator": other.pk, "reason": "回避"})
            waits.append(time.perf_counter() - t)
            current[pk] = other.pk
            time.sleep(0.002)  # a server's pace, not a tight loop
        return waits

    transitions(200)  # warm-up
    before = CaseEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    without = transitions(n)
    per_transition = (CaseEvent.objects.filter(id__gt=before).count()) / n

    # the backlog: the outbox's last events, so that with this phase's it makes `total`
    backlog = max(0, total - round(per_transition * n))
    backlog_from = CaseEvent.objects.order_by("-id").values_list("id", flat=True)[
        max(0, backlog - 1)
    ]
    receiver = subprocess.Popen(
        # another machine in truth: lowest priority here (see above)
        ["nice", "-n", "19", sys.executable, "-m", "bench.webhooks", "--receiver"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    url = receiver.stdout.readline().strip()
    hook = create_webhook(users["supervisor"], url, ["*"], "bench-secret-0000000001")
    Webhook.objects.filter(pk=hook.pk).update(cursor=backlog_from - 1)
    stop = threading.Event()
    t0 = time.perf_counter()
    side = None
    if deliverer == "process":
        side = subprocess.Popen(
            [sys.executable, "manage.py", "deliver_webhooks"], cwd=REPO, env=os.environ.copy()
        )
    else:

        def deliver() -> None:
            worker = webhooks.Worker()
            try:
                while not stop.is_set():
                    if not worker.run_once():
                        time.sleep(0.05)
            finally:
                worker.sender.close()
                connections.close_all()

        thread = threading.Thread(target=deliver, daemon=True)
        thread.start()
    with_hooks = transitions(n)
    last = CaseEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    while Webhook.objects.filter(pk=hook.pk).values_list("cursor", flat=True)[0] < last:
        time.sleep(0.05)
    delivery_seconds = time.perf_counter() - t0
    stop.set()
    if side is not None:
        side.terminate()
        side.wait()
    out, _err = receiver.communicate("")
    seen = json.loads(out.strip().splitlines()[-1])
    connection.close()
    print(
        json.dumps(
            {
                "transitions": n,
                "deliverer": deliverer,
                "without_p50": statistics.median(without),
                "without_p99": _p99(without),
                "with_p50": statistics.median(with_hooks),
                "with_p99": _p99(with_hooks),
                "delivered": seen["n"],
                "in_order": seen["in_order"],
                "once": seen["once"],
                "delivery_seconds": delivery_seconds,
            }
        )
    )


if __name__ == "__main__":
    if "--worker" in sys.argv:
        _worker([a for a in sys.argv[1:] if a != "--worker"])
    elif "--receiver" in sys.argv:
        _receiver()

"""Live updates at 1,000 sockets (issue 4): `python -m bench ws [--sockets=N] [--events=K]`.

For each deployment — a bare `websockets` broadcast server (the floor), daphne on the
embedded default, daphne on Redis with the transitions posted to the same process, then
to a second daphne process (pub/sub layer, then the core layer) — one lean client
process opens N sockets (all in one organisation's group, answering pings); then K
transitions are made over HTTP one at a time (latency) and K more from four concurrent
posters (throughput). Latency runs from the transition's commit (stamped by the
committing server, mediation.live) to the event's arrival at the last socket.

Every daphne process delivers by reading the outbox (mediation.live): a commit in the
sockets' own process wakes its relay directly; a commit in another process reaches it as
a Redis wake-up, so the "other process" rows measure the Redis path.

Everything runs on this machine (127.0.0.1): a temporary SQLite file database, the
Redis at REDIS_URL (default redis://127.0.0.1:6379/0; skipped when it does not answer).
"""

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _arg(args, name, default):
    for a in args:
        if a.startswith(f"--{name}="):
            return int(a.split("=", 1)[1])
    return default


def _raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536) if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


# -- setup (runs in a child process against the bench database) --------------------------


def _setup(n_cases: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from config import tokens
    from mediation import services
    from mediation.demo import build_accounts, build_organizations

    call_command("migrate", verbosity=0)
    orgs = build_organizations()
    users = build_accounts(orgs)
    home = orgs["红寺堡镇人民调解委员会"]
    body = {
        "org": home.pk, "channel": "walk_in", "category": "neighbour",
        "summary": "双方因院墙排水问题发生争执。", "region": "红寺堡镇",
        "parties": [
            {"role": "applicant", "kind": "person", "name": "马建国"},
            {"role": "respondent", "kind": "person", "name": "杨学军"},
        ],
    }  # fmt: skip
    cases = []
    for _ in range(n_cases):
        case = services.register_case(users["intake"], body)
        services.perform(case, "accept", users["head"], {"mediator": users["mediator"].pk})
        cases.append(case.pk)
    tok = lambda u: tokens.issue(users[u])  # noqa: E731
    return {"cases": cases, "actor": tok("mediator"), "listener": tok("mediator2")}


# -- the lean client process ---------------------------------------------------------------


async def _client(url: str, n: int, token: str | None, out_path: str):
    from websockets.asyncio.client import connect

    arrivals: dict[int, list] = {}  # event id -> [count, first, last]
    socks = []

    async def one():
        ws = await connect(url, open_timeout=60, max_size=None, compression=None)
        if token is not None:
            await ws.send(json.dumps({"action": "auth", "token": token}))
        first = json.loads(await ws.recv())
        assert first.get("type") == "ready", first
        socks.append(ws)

    for start in range(0, n, 100):
        await asyncio.gather(*(one() for _ in range(start, min(n, start + 100))))

    async def reader(ws):
        try:
            async for raw in ws:
                now = time.time()
                eid = json.loads(raw).get("id")
                if eid is None:
                    continue
                a = arrivals.get(eid)
                if a is None:
                    arrivals[eid] = [1, now, now]
                else:
                    a[0] += 1
                    a[2] = now
        except Exception:
            pass

    tasks = [asyncio.create_task(reader(ws)) for ws in socks]
    print("READY", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for t in tasks:
        t.cancel()
    Path(out_path).write_text(json.dumps({str(k): v for k, v in arrivals.items()}))
    print("DONE", flush=True)
    os._exit(0)  # skip closing 1,000 sockets politely


# -- the bare websockets broadcast server --------------------------------------------------


async def _bare(port: int, stamp_path: str):
    from websockets.asyncio.server import broadcast, serve

    clients = set()

    async def handler(ws):
        await ws.recv()  # the "auth" message, accepted as is
        await ws.send(json.dumps({"type": "ready", "user": 0}))
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    next_id = 0
    stamps = open(stamp_path, "a")

    def publish():
        nonlocal next_id
        next_id += 1
        text = json.dumps({"id": next_id, "type": "case.transitioned", "data": {}})
        stamps.write(f"{next_id} {time.time():.6f}\n")
        stamps.flush()
        broadcast(clients, text)

    async def control():
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            _mode, k, pause = line.split()
            for _ in range(int(k)):
                publish()
                await asyncio.sleep(float(pause))

    async with serve(handler, "127.0.0.1", port, compression=None, max_size=None):
        print("LISTENING", flush=True)
        await control()


# -- orchestration -------------------------------------------------------------------------


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port, proc, timeout=30):
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not listen")


def _rss_mib(pid) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class Clients:
    def __init__(self, url, n, token, workdir):
        self.out = os.path.join(workdir, f"arrivals-{time.monotonic_ns()}.json")
        call = f"w._client({url!r}, {n}, {token!r}, {self.out!r})"
        code = f"import asyncio, bench.ws as w; asyncio.run({call})"
        self.proc = subprocess.Popen(
            [PY, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        line = self.proc.stdout.readline()
        if line.strip() != "READY":
            _stop(self.proc)
            raise RuntimeError(f"clients failed to connect: {line!r}")

    def finish(self) -> dict:
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        self.proc.stdout.readline()
        self.proc.wait(timeout=30)
        return {int(k): v for k, v in json.loads(Path(self.out).read_text()).items()}


def _stamps(path) -> dict[int, float]:
    out = {}
    if os.path.exists(path):
        for line in Path(path).read_text().split("\n"):
            if line.strip():
                k, v = line.split()
                out[int(k)] = float(v)
    return out


def _figures(stamps, arrivals, ids, n):
    lat = [(arrivals[i][2] - stamps[i]) * 1000 for i in ids if i in arrivals and i in stamps]
    delivered = sum(arrivals[i][0] for i in ids if i in arrivals)
    lat.sort()
    return {
        "median": statistics.median(lat) if lat else float("nan"),
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"),
        "delivered": delivered,
        "expected": len(ids) * n,
    }


def _throughput(stamps, arrivals, ids):
    ids = [i for i in ids if i in arrivals and i in stamps]
    if not ids:
        return float("nan")
    start = min(stamps[i] for i in ids)
    end = max(arrivals[i][2] for i in ids)
    return sum(arrivals[i][0] for i in ids) / max(end - start, 1e-9)


def _wait_all(expected_ids, stamp_path, n, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(_stamps(stamp_path)) >= expected_ids:
            break
        time.sleep(0.05)
    time.sleep(1.5)  # let the fan-out of the last event finish


def run_bare(n, k, workdir):
    port = _free_port()
    stamp = os.path.join(workdir, "bare-stamps.txt")
    code = f"import asyncio, bench.ws as w; asyncio.run(w._bare({port}, {stamp!r}))"
    proc = subprocess.Popen([PY, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, text=True)
    try:
        _wait_port(port, proc)
        clients = Clients(f"ws://127.0.0.1:{port}/", n, "x", workdir)
        rss = _rss_mib(proc.pid)
        proc.stdin.write(f"paced {k} 0.1\n")
        proc.stdin.flush()
        _wait_all(k, stamp, n, seconds=k * 0.2 + 10)
        proc.stdin.write(f"burst {k} 0\n")
        proc.stdin.flush()
        _wait_all(2 * k, stamp, n, seconds=30)
        arrivals = clients.finish()
        stamps = _stamps(stamp)
        ids = sorted(stamps)
        res = _figures(stamps, arrivals, ids[:k], n)
        res["throughput"] = _throughput(stamps, arrivals, ids[k:])
        res["rss"] = rss
        return res
    finally:
        _stop(proc)


def _post(base, path, token, body):
    req = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status


def _daphne(port, env):
    cmd = [PY, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(port)]
    return subprocess.Popen([*cmd, "config.asgi:application"], cwd=ROOT, env=env)


def run_daphne(label, n, k, workdir, extra_env, *, other_process=False):
    db = os.path.join(workdir, f"{label}.sqlite3")
    stamp = os.path.join(workdir, f"{label}-stamps.txt")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "ERROR",
        **extra_env,
    }
    env.pop("LIVE_COMMIT_LOG", None)
    code = f"import json, bench.ws as w; print(json.dumps(w._setup({2 * k})))"
    setup = subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    world = json.loads(setup.stdout.strip().splitlines()[-1])
    port = _free_port()
    env["LIVE_COMMIT_LOG"] = stamp
    proc = _daphne(port, env)
    writer = None
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_port(port, proc)
        if other_process:  # transitions go to a second process; sockets stay on the first
            writer_port = _free_port()
            writer = _daphne(writer_port, env)
            _wait_port(writer_port, writer)
            base = f"http://127.0.0.1:{writer_port}"
        clients = Clients(f"ws://127.0.0.1:{port}/ws/events/", n, world["listener"], workdir)
        time.sleep(1.0)
        rss = _rss_mib(proc.pid)
        cases = world["cases"]
        for case in cases[:k]:  # paced: one transition, then a pause
            _post(base, f"/api/cases/{case}/transitions/begin/", world["actor"], {"consent": True})
            time.sleep(0.1)
        _wait_all(k, stamp, n, seconds=10)
        rest = cases[k:]

        def poster(chunk):
            for case in chunk:
                _post(
                    base, f"/api/cases/{case}/transitions/begin/", world["actor"], {"consent": True}
                )

        threads = [threading.Thread(target=poster, args=(rest[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        _wait_all(2 * k, stamp, n, seconds=30)
        arrivals = clients.finish()
        stamps = _stamps(stamp)
        ids = sorted(stamps)
        res = _figures(stamps, arrivals, ids[:k], n)
        res["throughput"] = _throughput(stamps, arrivals, ids[k:])
        res["burst_delivered"] = sum(arrivals.get(i, [0])[0] for i in ids[k:])
        res["rss"] = rss
        return res
    finally:
        _stop(writer)
        _stop(proc)


def _redis_up(url) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


def run(args):
    n = _arg(args, "sockets", 1000)
    k = _arg(args, "events", 40)
    _raise_nofile()
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    print(f"{n} sockets in one organisation's group, {k} paced + {k} burst events")
    print("(shared 2-core machine: figures are noisy while other work runs)")
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        results["bare websockets"] = run_bare(n, k, workdir)
        embedded = {"REDIS_URL": ""}
        results["embedded"] = run_daphne("embedded", n, k, workdir, embedded)
        if _redis_up(redis_url):
            runs = [("pubsub", False), ("pubsub", True), ("core", True)]
            for backend, other in runs:
                env = {
                    "REDIS_URL": redis_url,
                    "CHANNEL_LAYER_BACKEND": backend,
                    "CHANNEL_LAYER_PREFIX": f"dtj_bench_{os.getpid()}",
                }
                name = f"Redis {backend}, {'other' if other else 'same'} process"
                label = f"{backend}-{'other' if other else 'same'}"
                results[name] = run_daphne(label, n, k, workdir, env, other_process=other)
        else:
            print(f"Redis at {redis_url} does not answer: Redis runs skipped")
    bare = results["bare websockets"]
    print(
        f"{'deployment':<28} {'median ms':>9} {'p99 ms':>8} {'×bare med':>9} {'×bare p99':>9} "
        f"{'deliv/s':>9} {'delivered':>11} {'RSS MiB':>8}"
    )
    for name, r in results.items():
        print(
            f"{name:<28} {r['median']:9.1f} {r['p99']:8.1f} {r['median'] / bare['median']:9.1f} "
            f"{r['p99'] / bare['p99']:9.1f} {r['throughput']:9.0f} "
            f"{r['delivered']:>5}/{r['expected']:<5} {r['rss']:8.1f}"
        )
    targets = {"embedded": 20, "Redis pubsub, same process": 8, "Redis pubsub, other process": 8}
    for name, limit in targets.items():
        if name in results:
            ratio = results[name]["median"] / bare["median"]
            ok = "met" if ratio <= limit and results[name]["rss"] < 300 else "MISSED"
            print(f"target {name}: median ≤{limit}× bare, RSS <300 MiB — {ok} ({ratio:.1f}×)")
    return results


if __name__ == "__main__":
    run(sys.argv[1:])

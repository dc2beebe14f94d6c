"""Live fan-out (issues 4 and 19): `python -m bench ws [options]`.

Deployments, each measured against the bare floor in the same run:

* `bare 1000` / `bare 5000`: the lean bare server, the floor the targets are measured
  against: `websockets` on uvloop for the handshakes, each event framed once and the same
  bytes written to every transport;
* `websockets 1000`: the same server sending with the library's `broadcast()` (it frames
  per connection), for reference;
* `embedded`: one daphne on the in-memory layer, transitions posted to that same process;
* `Redis, other process`: sockets on one daphne, transitions posted to a second daphne
  (the event reaches the sockets' process as a Redis wake-up);
* `Redis, 4 daphne`: 5,000 sockets spread over four daphne processes, transitions posted
  to a fifth.

Per deployment: the sockets connect (all in one organisation's group), K transitions are
made over HTTP one at a time (latency: from the commit, stamped by the committing server in
mediation.live.relay, to the event's arrival at the last socket), then K more from four concurrent
posters (throughput, and the burst exercises batching). Reported besides: deliveries per
second, CPU time of the socket-holding daphne processes per delivery (for `embedded` it
includes handling the HTTP transitions), and RSS per idle socket.

The client is lean so that it is not what is measured: raw sockets on uvloop, its own
minimal WebSocket framing, the event id read from the head of each message (`{"id":N,`)
instead of parsing the JSON, the sockets spread over several client processes. If the bare
server's median at 1,000 sockets is above 10 ms, the summary says whether the client is
the bottleneck: the bare server logs when its last write returned, and a client that reads
the last frame more than 2 ms after that is lagging. On this machine (a Firecracker VM) a
loopback TCP send costs about 8 µs of kernel time with nobody reading and 11 µs with a
reader waiting, so 1,000 sockets take 11 ms of the server's writes alone.

Options: --sockets=1000 --big=5000 --events=40 --clients=4 (client processes)
--repeat=1 (whole runs, each with the load average) --only=bare,embedded,redis,multi.
Everything runs on 127.0.0.1: temporary SQLite files, and Redis at REDIS_URL (default
redis://127.0.0.1:6379/0; the Redis rows are skipped when it does not answer).
"""

import asyncio
import base64
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
CLK_TCK = os.sysconf("SC_CLK_TCK")

BARE_LIMIT_MS = 10.0  # above this the client may be the bottleneck (issue 19) ...
CLIENT_LAG_MS = 2.0  # ... unless it reads the last frame this soon after the last write
TARGETS = {  # deployment: (its bare run, median ≤ ×bare, p99 ≤ ×bare or None)
    "embedded": ("bare 1000", 3.0, 6.0),
    "Redis, other process": ("bare 1000", 3.0, 6.0),
    "Redis, 4 daphne": ("bare 5000", 5.0, None),
}


def _opt(args, name, default):
    for a in args:
        if a.startswith(f"--{name}="):
            return type(default)(a.split("=", 1)[1])
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
    from mediation.actions import services
    from mediation.ops.demo import build_accounts, build_organizations

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

ID_HEAD = b'{"id":'


class LeanSocket:
    """One client socket as an asyncio protocol: handshake, a zero-key masked `auth`
    frame, then frames parsed by their header only. A text frame starting `{"id":` is an
    event (its id read up to the first comma); the first other text frame is `ready`."""

    def __init__(self, host: str, path: str, token: str, arrivals: dict, loop):
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n"
        ).encode()
        self.auth = _client_frame(1, json.dumps({"action": "auth", "token": token}).encode())
        self.arrivals = arrivals
        self.ready = loop.create_future()
        self.buf = b""
        self.upgraded = False
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        now = time.time()
        buf = self.buf + data if self.buf else data
        pos = 0
        if not self.upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.buf = buf
                return
            if b" 101 " not in buf[:end]:
                self._fail(f"handshake refused: {buf[:end]!r}")
                return
            self.upgraded = True
            self.transport.write(self.auth)
            pos = end + 4
        size = len(buf)
        arrivals = self.arrivals
        while size - pos >= 2:
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            start = pos + head
            if size - start < length:
                break
            opcode = buf[pos] & 0x0F
            pos = start + length
            if opcode == 1:
                if buf.startswith(ID_HEAD, start):
                    eid = int(buf[start + 6 : buf.index(b",", start + 6)])
                    a = arrivals.get(eid)
                    if a is None:
                        arrivals[eid] = [1, now, now]
                    else:
                        a[0] += 1
                        a[2] = now
                elif not self.ready.done():
                    self.ready.set_result(True)
            elif opcode == 9:  # ping: answer, or daphne drops us after its ping timeout
                self.transport.write(_client_frame(10, buf[start:pos]))
            elif opcode == 8:
                self._fail("closed by the server")
        self.buf = buf[pos:]

    def _fail(self, why):
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(why))

    def connection_lost(self, exc):
        self._fail(f"connection lost: {exc!r}")

    def eof_received(self):
        return False

    def pause_writing(self):
        pass

    def resume_writing(self):
        pass


def _client_frame(opcode: int, payload: bytes) -> bytes:
    # Clients must mask; a zero key leaves the payload as it is.
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    else:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    return head + b"\0\0\0\0" + payload


async def _lean_clients(url: str, n: int, token: str, out_path: str):
    from urllib.parse import urlsplit

    u = urlsplit(url)
    loop = asyncio.get_running_loop()
    arrivals: dict[int, list] = {}
    for start in range(0, n, 50):
        socks = []
        for _ in range(start, min(n, start + 50)):
            sock = LeanSocket(u.netloc, u.path or "/", token, arrivals, loop)
            await loop.create_connection(lambda s=sock: s, u.hostname, u.port)
            socks.append(sock)
        await asyncio.wait_for(asyncio.gather(*(s.ready for s in socks)), 60)
    print("READY", flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)
    Path(out_path).write_text(json.dumps(arrivals))
    print("DONE", flush=True)
    os._exit(0)  # skip closing the sockets politely


def _client_main(url, n, token, out_path):
    import uvloop

    _raise_nofile()
    uvloop.run(_lean_clients(url, n, token, out_path))


class Clients:
    """n sockets over `procs` lean client processes; arrivals merged at the end."""

    def __init__(self, urls, n, token, workdir, procs):
        if isinstance(urls, str):
            urls = [urls]
        self.outs, self.procs = [], []
        per = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
        # One process at a time, 50 handshakes at a time: daphne closes a socket whose
        # handshake (token lookup included) takes longer than its connect timeout.
        for i, count in enumerate(per):
            url = urls[i % len(urls)]
            out = os.path.join(workdir, f"arrivals-{time.monotonic_ns()}-{i}.json")
            call = f"w._client_main({url!r}, {count}, {token!r}, {out!r})"
            proc = subprocess.Popen(
                [PY, "-c", f"import bench.ws as w; {call}"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            self.outs.append(out)
            self.procs.append(proc)
            line = proc.stdout.readline()
            if line.strip() != "READY":
                for p in self.procs:
                    _stop(p)
                raise RuntimeError(f"clients failed to connect: {line!r}")

    def finish(self) -> dict:
        for proc in self.procs:
            proc.stdin.write("\n")
            proc.stdin.flush()
        merged: dict[int, list] = {}
        for proc, out in zip(self.procs, self.outs, strict=True):
            proc.stdout.readline()
            proc.wait(timeout=30)
            for k, (count, first, last) in json.loads(Path(out).read_text()).items():
                m = merged.setdefault(int(k), [0, first, last])
                m[0] += count
                m[1] = min(m[1], first)
                m[2] = max(m[2], last)
        return merged


# -- the bare servers ---------------------------------------------------------------------


async def _bare(port: int, stamp_path: str, lean: bool = True):
    """A `websockets` server on uvloop. `lean` (the floor the targets are measured
    against): each event is framed once and the same bytes written to every transport, the
    least any server can do per socket. Otherwise the library's own `broadcast()`, which
    frames per connection. After each event the time its last write returned is logged as
    `sent <id> <time>`: what the clients add after that is their own lag."""
    from websockets.asyncio.server import broadcast, serve

    from mediation.live.fanout import frame  # the product's own server frame (FIN, text, unmasked)

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
        if lean:
            data = frame(text.encode())
            for ws in clients:
                ws.transport.write(data)
        else:
            broadcast(clients, text)
        stamps.write(f"sent {next_id} {time.time():.6f}\n")

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


def _wait_port(port, proc, timeout=60):
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


def _rss_kib(pid) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _cpu_seconds(pid) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def _stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _stamps(path) -> dict[int, float]:
    out = {}
    if os.path.exists(path):
        for line in Path(path).read_text().split("\n"):
            if line.strip() and not line.startswith(("relay", "sent")):
                k, v = line.split()
                out[int(k)] = float(v)
    return out


def _server_side(path, stamps, ids):
    """Medians over the paced events, from the relays' own timing (mediation.live.relay): commit
    → rows read and framed, and the fan-out itself (the slowest process's)."""
    fetch, fanout, cpu = {}, {}, {}
    for line in Path(path).read_text().split("\n"):
        if line.startswith("relay"):
            _, _pid, first, last, _woken, fetched, done, used = line.split()
            first, last = int(first), int(last)
            if first == last and first in stamps:
                fetch[first] = max(fetch.get(first, 0), float(fetched) - stamps[first])
                fanout[first] = max(fanout.get(first, 0), float(done) - float(fetched))
                cpu[first] = cpu.get(first, 0) + float(used)
    wanted = [i for i in ids if i in fanout]
    if not wanted:
        return float("nan"), float("nan"), float("nan")
    return tuple(statistics.median(d[i] for i in wanted) * 1000 for d in (fetch, fanout, cpu))


def _figures(stamps, arrivals, ids, n):
    lat = sorted((arrivals[i][2] - stamps[i]) * 1000 for i in ids if i in arrivals)
    return {
        "median": statistics.median(lat) if lat else float("nan"),
        "p99": lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan"),
        "delivered": sum(arrivals[i][0] for i in ids if i in arrivals),
        "expected": len(ids) * n,
    }


def _throughput(stamps, arrivals, ids):
    ids = [i for i in ids if i in arrivals and i in stamps]
    if not ids:
        return float("nan")
    start = min(stamps[i] for i in ids)
    end = max(arrivals[i][2] for i in ids)
    return sum(arrivals[i][0] for i in ids) / max(end - start, 1e-9)


def _wait_all(expected_ids, stamp_path, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if len(_stamps(stamp_path)) >= expected_ids:
            break
        time.sleep(0.05)
    time.sleep(1.5)  # let the fan-out of the last event finish


def _result(stamps, arrivals, k, n):
    ids = sorted(stamps)
    res = _figures(stamps, arrivals, ids[:k], n)
    burst = _figures(stamps, arrivals, ids[k:], n)
    res["throughput"] = _throughput(stamps, arrivals, ids[k:])
    res["delivered"] += burst["delivered"]
    res["expected"] += burst["expected"]
    return res


def _sent(path) -> dict[int, float]:
    out = {}
    for line in Path(path).read_text().split("\n"):
        if line.startswith("sent"):
            _, k, v = line.split()
            out[int(k)] = float(v)
    return out


def run_bare(n, k, workdir, procs, lean=True):
    port = _free_port()
    stamp = os.path.join(workdir, f"bare-{n}-{int(lean)}-stamps.txt")
    code = f"import uvloop, bench.ws as w; uvloop.run(w._bare({port}, {stamp!r}, {lean!r}))"
    proc = subprocess.Popen([PY, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, text=True)
    try:
        _wait_port(port, proc)
        rss0 = _rss_kib(proc.pid)
        clients = Clients(f"ws://127.0.0.1:{port}/", n, "x", workdir, procs)
        time.sleep(0.5)
        rss = _rss_kib(proc.pid)
        cpu0 = _cpu_seconds(proc.pid)
        proc.stdin.write(f"paced {k} 0.1\n")
        proc.stdin.flush()
        _wait_all(k, stamp, seconds=k * 0.2 + 10)
        proc.stdin.write(f"burst {k} 0\n")
        proc.stdin.flush()
        _wait_all(2 * k, stamp, seconds=30)
        cpu = _cpu_seconds(proc.pid) - cpu0
        arrivals = clients.finish()
        res = _result(_stamps(stamp), arrivals, k, n)
        res["cpu_us"] = cpu * 1e6 / max(res["delivered"], 1)
        res["kib_per_socket"] = (rss - rss0) / n
        # The server's own part (event stamped → its last write returned) and what the
        # clients took after that, over the paced events.
        stamps, sent = _stamps(stamp), _sent(stamp)
        paced = [i for i in sorted(stamps)[:k] if i in sent and i in arrivals]
        res["send_ms"] = statistics.median((sent[i] - stamps[i]) * 1000 for i in paced)
        res["client_lag_ms"] = statistics.median((arrivals[i][2] - sent[i]) * 1000 for i in paced)
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


def _warm(port):
    # The hub starts on the first call: measure idle memory with it running.
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/static/js/live.js", timeout=10).read()
    except Exception:
        pass


def run_daphne(label, n, k, workdir, extra_env, procs, *, holders=1, writer=False):
    """`holders` daphne processes hold the sockets; transitions go to the first of them,
    or with `writer` to one more process that holds none."""
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
        # Not DEBUG, so one JSON line per request and event would go to our stdout.
        "LOG_REQUESTS": "false",
        **extra_env,
    }
    env.pop("LIVE_COMMIT_LOG", None)
    code = f"import json, bench.ws as w; print(json.dumps(w._setup({2 * k})))"
    setup = subprocess.run(
        [PY, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    world = json.loads(setup.stdout.strip().splitlines()[-1])
    env["LIVE_COMMIT_LOG"] = stamp
    servers = []
    try:
        for _ in range(holders + (1 if writer else 0)):
            port = _free_port()
            servers.append((port, _daphne(port, env)))
        for port, proc in servers:
            _wait_port(port, proc)
            _warm(port)
        holding = servers[:holders]
        base = f"http://127.0.0.1:{servers[-1 if writer else 0][0]}"
        time.sleep(1.0)
        rss0 = sum(_rss_kib(p.pid) for _, p in holding)
        urls = [f"ws://127.0.0.1:{port}/ws/events/" for port, _ in holding]
        clients = Clients(urls, n, world["listener"], workdir, max(procs, holders))
        time.sleep(1.0)
        rss = sum(_rss_kib(p.pid) for _, p in holding)
        cpu0 = sum(_cpu_seconds(p.pid) for _, p in holding)
        cases = world["cases"]
        for case in cases[:k]:  # paced: one transition, then a pause
            _post(base, f"/api/cases/{case}/transitions/begin/", world["actor"], {"consent": True})
            time.sleep(0.1)
        _wait_all(k, stamp, seconds=10)
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
        _wait_all(2 * k, stamp, seconds=30)
        cpu = sum(_cpu_seconds(p.pid) for _, p in holding) - cpu0
        arrivals = clients.finish()
        stamps = _stamps(stamp)
        res = _result(stamps, arrivals, k, n)
        res["cpu_us"] = cpu * 1e6 / max(res["delivered"], 1)
        res["kib_per_socket"] = (rss - rss0) / n
        paced = sorted(stamps)[:k]
        res["fetch_ms"], res["fanout_ms"], res["fanout_cpu_ms"] = _server_side(stamp, stamps, paced)
        return res
    finally:
        for _, proc in servers:
            _stop(proc)


def _redis_up(url) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return True
    except Exception:
        return False


def run_once(n, big, k, procs, only):
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    redis = _redis_up(redis_url)
    if not redis:
        print(f"Redis at {redis_url} does not answer: Redis runs skipped")
    layer = {
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_BACKEND": "pubsub",
        "CHANNEL_LAYER_PREFIX": f"dtj_bench_{os.getpid()}",
    }
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        if "bare" in only:
            results["bare 1000"] = run_bare(n, k, workdir, procs)
            results["websockets 1000"] = run_bare(n, k, workdir, procs, lean=False)
        if "embedded" in only:
            results["embedded"] = run_daphne("embedded", n, k, workdir, {"REDIS_URL": ""}, procs)
        if "redis" in only and redis:
            results["Redis, other process"] = run_daphne(
                "redis-other", n, k, workdir, layer, procs, writer=True
            )
        if "multi" in only:
            if "bare" in only:
                results["bare 5000"] = run_bare(big, k, workdir, procs)
            if redis:
                results["Redis, 4 daphne"] = run_daphne(
                    "redis-multi", big, k, workdir, layer, procs, holders=4, writer=True
                )
    return results


def report(results, n, big):
    print(
        f"{'deployment':<22} {'sockets':>7} {'median ms':>9} {'p99 ms':>8} {'×bare med':>9} "
        f"{'×bare p99':>9} {'deliv/s':>8} {'delivered':>15} {'CPU µs/deliv':>12} "
        f"{'KiB/socket':>10} {'read ms':>7} {'fan-out ms':>10} {'fan-out CPU ms':>14} "
        f"{'client lag ms':>13}"
    )
    verdicts = []
    nan = float("nan")
    for name, r in results.items():
        sockets = big if name in ("bare 5000", "Redis, 4 daphne") else n
        base = results.get(TARGETS.get(name, ("bare 1000" if "1000" in name else name,))[0]) or r
        print(
            f"{name:<22} {sockets:>7} {r['median']:9.1f} {r['p99']:8.1f} "
            f"{r['median'] / base['median']:9.1f} {r['p99'] / base['p99']:9.1f} "
            f"{r['throughput']:8.0f} {r['delivered']:>7}/{r['expected']:<7} "
            f"{r['cpu_us']:12.1f} {r['kib_per_socket']:10.1f} "
            f"{r.get('fetch_ms', nan):7.1f} {r.get('fanout_ms', r.get('send_ms', nan)):10.1f} "
            f"{r.get('fanout_cpu_ms', nan):14.1f} {r.get('client_lag_ms', nan):13.1f}"
        )
    print()
    print("targets:")
    bare = results.get("bare 1000")
    if bare is not None:
        verdicts.append(lean_client_check(bare, n))
    for name, (floor, med, p99) in TARGETS.items():
        r, b = results.get(name), results.get(floor)
        if r is None or b is None:
            continue
        ratio, ratio99 = r["median"] / b["median"], r["p99"] / b["p99"]
        ok = ratio <= med and (p99 is None or ratio99 <= p99) and r["delivered"] == r["expected"]
        verdicts.append(ok)
        want = f"median ≤ {med:g}× {floor}" + (f", p99 ≤ {p99:g}×" if p99 else "")
        got = f"{ratio:.1f}×" + (f" / p99 {ratio99:.1f}×" if p99 else "")
        lost = "" if r["delivered"] == r["expected"] else f", LOST {r['expected'] - r['delivered']}"
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {want}, every event delivered: {got}{lost}")
    return all(verdicts)


def lean_client_check(bare, n: int) -> bool:
    """Is the client out of the way? The bare server's median at 1,000 sockets is at most
    10 ms (issue 19); where the machine cannot go that low, the clients must read the last
    frame at most CLIENT_LAG_MS after the server's last write returned — then the server's
    own writes (the kernel's loopback TCP sends) are the floor, not the client."""
    ok = bare["median"] <= BARE_LIMIT_MS
    if ok:
        print(f"  PASS  bare {n} median ≤ {BARE_LIMIT_MS:.0f} ms: {bare['median']:.1f} ms")
        return True
    lag, send = bare["client_lag_ms"], bare["send_ms"]
    print(
        f"  NOT MET  bare {n} median ≤ {BARE_LIMIT_MS:.0f} ms: {bare['median']:.1f} ms; "
        f"the server's writes alone take {send:.1f} ms ({send * 1000 / n:.1f} µs a socket, "
        f"{bare['cpu_us']:.1f} µs of CPU)"
    )
    if lag <= CLIENT_LAG_MS:
        print(
            f"  PASS  the client is not the bottleneck: last frame read {lag:.1f} ms after the "
            f"server's last write (≤ {CLIENT_LAG_MS:g} ms); the floor is the kernel's loopback "
            "send on this machine"
        )
        return True
    print(
        f"  FAIL  the client lags {lag:.1f} ms behind the server's last write "
        f"(> {CLIENT_LAG_MS:g} ms): the client or the machine's load is the bottleneck"
    )
    return False


def run(args):
    n = _opt(args, "sockets", 1000)
    big = _opt(args, "big", 5000)
    k = _opt(args, "events", 40)
    procs = _opt(args, "clients", 4)
    repeat = _opt(args, "repeat", 1)
    only = set(_opt(args, "only", "bare,embedded,redis,multi").split(","))
    _raise_nofile()
    print(f"{n} sockets (and {big} on 4 daphne), one organisation's group;")
    print(f"{k} paced + {k} burst events; {procs} lean client processes (uvloop)")
    outcomes = []
    for i in range(repeat):
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n-- run {i + 1}/{repeat}, load average before: {load} ({os.cpu_count()} CPUs)")
        results = run_once(n, big, k, procs, only)
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"   load average after: {load}")
        outcomes.append(report(results, n, big))
    print(f"\nruns meeting every target: {sum(outcomes)}/{len(outcomes)}")
    return outcomes


if __name__ == "__main__":
    run(sys.argv[1:])

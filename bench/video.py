"""An online session's recording (issue 35): the upload of a 30-minute recording in chunks,
as the mediator's browser sends it (MediaRecorder timeslice 2 s).

In-process through Django's test Client (the API's whole path: authentication, the body
limit, hash check, sealing, the chunk row), on a temporary SQLite file and media directory.
--chunks=N (default 900: 30 minutes of 2-second chunks) of --kb=K KiB each (default 320:
about 1.3 Mbit/s, Chromium's VP8 at 640×480). Prints p50/p99/max per chunk (target: every
chunk ≤ 1 s, so no request thread is held longer than one chunk), the finish request
(≤ 1 s: it answers 202 at once) and the assembly in its background thread (join + seal
of the whole recording, once at the end of a session), timed until the room says ready."""

import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time

from bench.common import remove_sqlite

CHUNK_TARGET_MS = 1000.0


def _opt(args, name, default):
    return next((int(a.split("=", 1)[1]) for a in args if a.startswith(f"--{name}=")), default)


def run(args):
    fd, path = tempfile.mkstemp(prefix="dtj_bench_video_", suffix=".sqlite3")
    os.close(fd)
    defaults = {"DJANGO_SETTINGS_MODULE": "config.settings", "LOG_REQUESTS": "false"}
    env = {**defaults, **os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    env.pop("REDIS_URL", None)
    try:
        code = "import sys, bench.video as b; b.worker(sys.argv[1:])"
        subprocess.run([sys.executable, "-c", code, *args], env=env, check=True)
    finally:
        remove_sqlite(path)


def worker(args):
    import datetime as dt
    import shutil

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from mediation.actions import services, video
    from mediation.ops.demo import build_accounts, build_organizations
    from tests.conftest import case_body

    chunks, kb = _opt(args, "chunks", 900), _opt(args, "kb", 320)
    media = tempfile.mkdtemp(prefix="bench-video-")
    settings.MEDIA_ROOT = media
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = os.path.join(media, "sms.jsonl")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    try:
        call_command("migrate", verbosity=0)
        orgs = build_organizations()
        users = build_accounts(orgs)
        home = orgs["红寺堡镇人民调解委员会"]
        mediator = users["mediator"]
        case = services.register_case(users["intake"], case_body(home))
        services.perform(case, "accept", users["head"], {"mediator": mediator.pk})
        case = services.perform(case, "begin", mediator, {"consent": True})
        party = case.case_parties.first().party_id
        at = (timezone.now() + dt.timedelta(minutes=5)).isoformat()
        session = services.add_session(
            case, mediator, {"online": True, "scheduled_at": at, "invited": [party]}
        )
        me = video.staff_participant(mediator, session.pk, case.pk)
        video.join(me)
        video.consent(me)
        client = Client()
        client.force_login(mediator)
        base = f"/api/cases/{case.pk}/sessions/{session.pk}/recording/"
        body = os.urandom(kb * 1024)
        head = b"\x1a\x45\xdf\xa3" + body[4:]
        times, offset = [], 0
        for i in range(chunks):
            data = head if i == 0 else body
            sha = hashlib.sha256(data).hexdigest()
            started = time.perf_counter()
            r = client.post(
                base,
                data,
                content_type="application/octet-stream",
                HTTP_CONTENT_RANGE=f"bytes {offset}-{offset + len(data) - 1}/*",
                HTTP_X_CHUNK_SHA256=sha,
            )
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.content
            offset += len(data)
        started = time.perf_counter()
        r = client.post(base + "finish/")
        finish_ms = (time.perf_counter() - started) * 1000
        assert r.status_code == 202, r.content
        # the joining runs in its own thread: poll the room's JSON as the browser does
        room = f"/api/cases/{case.pk}/sessions/{session.pk}/video/"
        state = r.json()["state"]
        while state == "assembling":
            time.sleep(0.2)
            state = client.get(room).json()["recording"]["state"]
        assembly_s = time.perf_counter() - started
        assert state == "ready", state
        q = statistics.quantiles(times, n=100, method="inclusive")
        verdict = "PASS" if max(times) <= CHUNK_TARGET_MS else "FAIL"
        print(
            f"recording upload: {chunks} chunks × {kb} KiB ({offset / 2**20:.0f} MiB, "
            f"{chunks * 2 / 60:.0f} min at 2 s a chunk): per chunk p50 {q[49]:.1f} ms  "
            f"p99 {q[98]:.1f} ms  max {max(times):.1f} ms ≤ {CHUNK_TARGET_MS:.0f} ms: {verdict}",
            flush=True,
        )
        verdict = "PASS" if finish_ms <= CHUNK_TARGET_MS else "FAIL"
        print(
            f"finish request: {finish_ms:.1f} ms ≤ {CHUNK_TARGET_MS:.0f} ms: {verdict}; "
            f"assembly in the background (join + seal {offset / 2**20:.0f} MiB, once per "
            f"session): {assembly_s:.1f} s"
        )
    finally:
        shutil.rmtree(media, ignore_errors=True)

"""The deployment of deploy/ on loopback: Debian's nginx running the shipped site file
(TLS, static files, the upload limit, /ws/ upgraded) in front of two daphne processes with
the production environment (DEBUG off, JSON logs, multiprocess metrics, no in-server
sweep). A websocket held by one daphne process sees a transition made through the other;
`/metrics` answered by either process counts both; the logs carry no full ID or phone."""

import asyncio
import json
import os
import re
import ssl
import urllib.error
import urllib.request

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from websockets.asyncio.client import connect

from mediation.actions import services
from tests.conftest import APPLICANT, RESPONDENT, case_body
from tests.live.daphne import Daphne, database_url

from .stack import NGINX, Nginx, production_env

pytestmark = [
    # .ci/run installs Debian's nginx; a fresh machine's `make test` skips (as the PDF tests
    # do without poppler) instead of erroring at setup.
    pytest.mark.skipif(not os.access(NGINX, os.X_OK), reason="nginx is not installed"),
    pytest.mark.live,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("loop_cleanup"),
]

PASSWORD = "deploy-test-Pa55word"
TLS = ssl.create_default_context()
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


def request(url, *, method="GET", body=None, token=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    if token:
        hdrs["Authorization"] = f"Token {token}"
    req = urllib.request.Request(url, data=data, headers=hdrs, method=method)
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=TLS), _NoRedirect())
    try:
        with opener.open(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def stack(world, tmp_path, settings):
    # Real password hashes: the daphne processes run the production hasher list.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for user in (world.head, world.mediator, world.supervisor):
        user.set_password(PASSWORD)
        user.save()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = production_env({"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    url = database_url(connection.settings_dict)
    daphnes = []
    nginx = None
    try:
        for _ in range(2):
            daphnes.append(Daphne(url, env=env, args=["--access-log", "-"]).start())
        nginx = Nginx([d.port for d in daphnes]).start()
        yield nginx, daphnes
    finally:
        if nginx is not None:
            nginx.stop()
        for d in daphnes:
            d.stop()


def token(nginx, user) -> str:
    status, _h, body = request(
        nginx.url + "/api/auth/token/",
        method="POST",
        body={"username": user.username, "password": PASSWORD},
    )
    assert status == 200, body
    return json.loads(body)["token"]


def served_by(daphnes, pattern: str) -> list[int]:
    """Indexes of the daphne processes whose access log has a line matching `pattern`."""
    return [i for i, d in enumerate(daphnes) if re.search(pattern, d.output())]


async def open_authenticated(nginx, key):
    ws = await connect(nginx.ws, ssl=TLS)
    await ws.send(json.dumps({"action": "auth", "token": key}))
    ready = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert ready["type"] == "ready", ready
    return ws


async def next_event(ws, type_, timeout=15.0):
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message.get("type") == type_:
                return message


async def test_socket_on_one_daphne_sees_a_transition_made_through_the_other(stack, world):
    nginx, daphnes = stack
    # sync_to_async: its thread's connection is closed by loop_cleanup (PostgreSQL).
    case = await sync_to_async(services.register_case)(world.intake, case_body(world.home))
    get = lambda path, **kw: asyncio.to_thread(request, nginx.url + path, **kw)  # noqa: E731

    status, _h, body = await get("/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, _h, body = await get("/readyz")
    assert status == 200 and json.loads(body)["status"] == "ready", body

    # Static files come from disk through nginx (SERVE_STATIC=false: daphne would 404).
    status, headers, body = await get("/static/js/live.js")
    assert status == 200 and body == (nginx.static / "js" / "live.js").read_bytes()
    assert headers["Server"].startswith("nginx") and "max-age=604800" in headers["Cache-Control"]
    assert served_by(daphnes, r"GET /static/") == []

    # Plain HTTP is sent to HTTPS.
    status, headers, _b = await asyncio.to_thread(
        request, f"http://127.0.0.1:{nginx.http_port}/api/me/"
    )
    assert status == 301 and headers["Location"].startswith("https://")

    # The upload limit: 20 MB and its multipart margin pass nginx, more is refused there.
    big = b"0" * (22 * 1024 * 1024)
    status, headers, body = await get(f"/api/cases/{case.pk}/attachments/", method="POST", raw=big)
    assert status == 413 and b"nginx" in body
    # A 20 MB upload (multipart) passes nginx and reaches the application.
    fits = b"0" * (20 * 1024 * 1024 + 200 * 1024)
    upload = (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + fits + b"\r\n--x--\r\n"
    )
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    status, headers, body = await get(
        f"/api/cases/{case.pk}/attachments/", method="POST", raw=upload, headers=multipart
    )
    assert status != 413 or headers.get("Content-Type", "").startswith("application/json")
    assert served_by(daphnes, rf"POST /api/cases/{case.pk}/attachments/")
    # Any other body of that size is refused by daphne itself (1 MB for JSON), in JSON.
    status, headers, body = await get(f"/api/cases/{case.pk}/attachments/", method="POST", raw=fits)
    assert status == 413 and "请求体过大" in json.loads(body)["detail"]

    head_key = await asyncio.to_thread(token, nginx, world.head)
    mediator_key = await asyncio.to_thread(token, nginx, world.mediator)

    # Open sockets through nginx until each daphne process holds at least one.
    sockets, holders = [], {}
    for _ in range(8):
        ws = await open_authenticated(nginx, mediator_key)
        await asyncio.sleep(0.2)  # the access log line is written at the upgrade
        for i in served_by(daphnes, r"WSCONNECT /ws/events/"):
            if i not in holders:
                holders[i] = ws
        sockets.append(ws)
        if len(holders) == 2:
            break
    assert len(holders) == 2, "nginx put every socket on one daphne process"

    # The transition, through nginx; whichever process takes it, a socket on the other
    # one must see it.
    status, _h, body = await get(
        f"/api/cases/{case.pk}/transitions/accept/",
        method="POST",
        body={"mediator": world.mediator.pk},
        token=head_key,
    )
    assert status == 200, body
    (poster,) = served_by(daphnes, rf"POST /api/cases/{case.pk}/transitions/accept/")
    other = 1 - poster
    event = await next_event(holders[other], "case.transitioned")
    assert event["case"]["number"] == case.number and event["data"]["to"] == "accepted"
    event = await next_event(holders[poster], "case.transitioned")
    assert event["case"]["number"] == case.number

    # /metrics through nginx (allowed: the scrape comes from this machine) is answered by
    # one process and counts the sockets and the transition of both.
    status, _h, body = await get("/metrics")
    assert status == 200, body
    text = body.decode()
    assert re.search(rf"^dtj_open_sockets {len(sockets)}\.0$", text, re.M), text
    assert 'dtj_transitions_total{network="people",transition="accept"} 1.0' in text
    for ws in sockets:
        await ws.close()

    # Production logs: JSON lines with actor and case number; never a full ID or phone.
    outputs = [d.output() for d in daphnes]
    lines = [json.loads(x) for out in outputs for x in out.splitlines() if x.startswith("{")]
    assert any(x.get("transition") == "accept" and x.get("case") == case.number for x in lines), (
        outputs
    )
    assert any(
        x.get("path") == f"/api/cases/{case.pk}/transitions/accept/" and x.get("actor") == "head"
        for x in lines
    )
    for secret in (APPLICANT["id_number"], APPLICANT["phone"], RESPONDENT["id_number"]):
        assert all(secret not in out for out in outputs)
    assert "Traceback" not in "".join(outputs)

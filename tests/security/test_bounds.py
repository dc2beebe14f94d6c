"""Finding 5: 100 MB JSON bodies were parsed in full (daphne grew to 864 MB and kept it),
anonymously too; JSON nested 100,000 deep was an HTML 500. Now every body is bounded before
parsing (413 in JSON) and deep nesting is a 400 in JSON."""

import http.client
import json

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.live.daphne import Daphne, database_url

from .test_tokens import client_with, token_for

MB = 1024 * 1024


def assert_json_error(r, code):
    assert r.status_code == code, r.content[:300]
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["detail"] and "errors" in body
    return body


def test_big_json_body_is_413_in_json(world, settings):
    body = json.dumps({"username": "head", "password": "x" * (2 * MB)})
    r = APIClient().post("/api/auth/token/", body, content_type="application/json")
    assert "请求体过大" in assert_json_error(r, 413)["detail"]


def test_big_json_body_is_413_for_signed_in_callers_too(world):
    c = client_with(token_for(world.head))
    body = json.dumps({"summary": "长" * MB})
    assert_json_error(c.post("/api/cases/", body, content_type="application/json"), 413)


def test_body_under_the_limit_still_works(world):
    r = APIClient().post(
        "/api/auth/token/",
        json.dumps({"username": "head", "password": "x" * 1000}),
        content_type="application/json",
    )
    assert_json_error(r, 400)


@pytest.mark.parametrize("depth", [100_000, 40])
def test_deep_nesting_is_400_in_json(world, depth):
    body = "[" * depth + "]" * depth
    r = APIClient().post("/api/auth/token/", body, content_type="application/json")
    assert "嵌套" in assert_json_error(r, 400)["detail"]
    c = client_with(token_for(world.head))
    nested = '{"a":' * depth + "1" + "}" * depth
    r = c.post("/api/cases/", nested, content_type="application/json")
    assert_json_error(r, 400)


def test_shallow_nesting_is_fine(world):
    body = {"username": "head", "password": "p", "x": [[[[{"a": [1]}]]]]}
    r = APIClient().post("/api/auth/token/", body, format="json")
    assert r.status_code == 400 and "用户名或密码错误" in r.json()["detail"]


# -- through a real daphne: declared and streamed bodies, memory ------------------------


def _post(port, body_iter, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("POST", "/api/auth/token/", body=body_iter, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read()
    except (ConnectionResetError, BrokenPipeError):
        # The server may answer and close before the client finished sending.
        return None, None, b""
    finally:
        conn.close()


def _chunks(total, size=MB):
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_daphne_refuses_big_bodies_with_flat_memory(world):
    server = Daphne(database_url(connection.settings_dict)).start()
    try:
        # Warm up (imports, pool) so the baseline is the server at work.
        small = b'{"username":"head","password":"x"}'
        _post(server.port, small, {"Content-Type": "application/json"})
        base = server.rss_kib()
        big = {"Content-Type": "application/json", "Content-Length": str(100 * MB)}
        answers = [_post(server.port, _chunks(100 * MB), big)]
        # daphne queues one body's chunks before the application can refuse it (twisted
        # has spooled it to disk); what must not happen is growth with every request.
        first = server.rss_kib()
        for _ in range(3):
            answers.append(_post(server.port, _chunks(100 * MB), big))
        # Streamed (chunked, no length): counted as it arrives, stopped at the limit.
        answers.append(_post(server.port, _chunks(20 * MB), {"Content-Type": "application/json"}))
        after = server.rss_kib()
        print(
            f"daphne RSS: +{(first - base) // 1024} MiB after the first 100 MB body, "
            f"+{(after - first) // 1024} MiB over three more and a streamed one"
        )
    finally:
        out = server.stop()
    for status, ctype, body in answers:
        if status is not None:
            assert status == 413 and ctype == "application/json", (status, body[:200])
            assert "请求体过大" in json.loads(body)["detail"]
    assert any(a[0] == 413 for a in answers), out[-2000:]
    assert "Traceback" not in out, out[-3000:]
    assert first - base < 160 * 1024, f"one body: +{(first - base) // 1024} MiB"
    assert after - first < 32 * 1024, f"kept growing: +{(after - first) // 1024} MiB"


def test_daphne_guard_hooks_exist():
    # config/daphne_guard.py patches these daphne/twisted internals; an upgrade that
    # renames them must fail here, not silently stop bounding bodies.
    import inspect

    from daphne.http_protocol import WebRequest
    from twisted.web import http as twisted_http

    from config import daphne_guard

    assert issubclass(WebRequest, twisted_http.Request)
    for name in daphne_guard.HOOKS:
        assert callable(getattr(twisted_http.Request, name)), name
    assert list(inspect.signature(twisted_http.Request.gotLength).parameters) == [
        "self",
        "length",
    ]
    assert list(inspect.signature(twisted_http.Request.handleContentChunk).parameters) == [
        "self",
        "data",
    ]
    from daphne.server import Server

    assert list(inspect.signature(Server.log_action).parameters) == [
        "self",
        "protocol",
        "action",
        "details",
    ]
    assert daphne_guard.install() is True
    assert WebRequest.gotLength.__name__ == "guarded_got_length"


def test_daphne_guard_fails_at_start_when_daphne_internals_move(monkeypatch):
    # #30: the guard used to return quietly and the server ran unguarded.
    import sys

    from twisted.web import http as twisted_http

    from config import daphne_guard

    monkeypatch.delattr(twisted_http.Request, "handleContentChunk")
    with pytest.raises(daphne_guard.DaphneGuardError, match="handleContentChunk"):
        daphne_guard.install()
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "daphne.http_protocol", None)  # the module moved
    with pytest.raises(daphne_guard.DaphneGuardError, match="daphne"):
        daphne_guard.install()


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_daphne_leaves_form_bodies_to_the_application(world):
    """Schemathesis (issue 29): an empty multipart body (its closing boundary only) got a
    bare `400 Bad Request` from twisted, no JSON and no Content-Type, before the
    application saw it — twisted parsed every form body into `request.args`, which daphne
    never reads (and held each upload in memory once more)."""
    server = Daphne(database_url(connection.settings_dict)).start()
    boundary = "c637e12e2b1a998d80d1b087531af51c"
    answers = {}
    try:
        for path, body in (
            ("/api/party/code/", f"--{boundary}--\r\n".encode()),
            ("/api/auth/token/", b"--not-the-boundary\r\n\r\n"),
        ):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                conn.request(
                    "POST",
                    path,
                    body=body,
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
                )
                resp = conn.getresponse()
                answers[path] = (resp.status, resp.getheader("Content-Type"), resp.read())
            finally:
                conn.close()
    finally:
        out = server.stop()
    for path, (code, ctype, body) in answers.items():
        assert ctype == "application/json", (path, code, body[:200], out[-1500:])
        assert code in (400, 415), (path, code)
        assert json.loads(body)["detail"], path

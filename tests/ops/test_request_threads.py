"""config.threads: HTTP requests run their sync code on pooled threads (asgiref's
caller-owned executor), one thread per concurrent request, reused afterwards."""

import asyncio
import threading

import pytest
from asgiref.sync import sync_to_async

from config.threads import RequestThreads, reuse_request_threads

pytestmark = pytest.mark.asyncio


def _app(record, gate=None):
    """An ASGI app whose sync part (thread-sensitive, like Django's views) notes its
    thread and may wait for `gate`."""

    def work(name):
        record.append((name, threading.get_ident()))
        if gate is not None and name == "slow":
            gate.wait(5)

    async def app(scope, receive, send):
        await sync_to_async(work)(scope["path"].strip("/"))

    return app


async def _call(app, path, kind="http"):
    await app({"type": kind, "path": path}, None, None)


async def _started(record, name, seconds=5.0):
    for _ in range(int(seconds / 0.02)):
        if any(n == name for n, _thread in record):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{name} never ran")


async def _idle(pool, n, seconds=5.0):
    """Wait until `n` threads are back in the pool (each returns once its work drained,
    on its own thread: on a loaded machine that is not instant)."""
    for _ in range(int(seconds / 0.02)):
        if len(pool.idle) == n:
            return True
        await asyncio.sleep(0.02)
    return len(pool.idle) == n


async def test_sequential_requests_reuse_one_thread():
    record = []
    app = reuse_request_threads(_app(record))
    await _call(app, "/a")
    assert await _idle(app.pool, 1)
    await _call(app, "/b")
    assert [name for name, _ in record] == ["a", "b"]
    assert record[0][1] == record[1][1] != threading.get_ident()


async def test_concurrent_requests_get_a_thread_each():
    record, gate = [], threading.Event()
    app = reuse_request_threads(_app(record, gate))
    slow = asyncio.ensure_future(_call(app, "/slow"))
    await _started(record, "slow")
    # The slow request holds its thread; this one does not wait behind it.
    await asyncio.wait_for(_call(app, "/fast"), 2)
    assert not slow.done()
    gate.set()
    await slow
    threads = dict(record)
    assert threads["slow"] != threads["fast"]


async def test_a_thread_still_busy_is_not_handed_out():
    """A request cancelled while its sync code runs: its thread rejoins the pool only
    when that code has finished, so the next request does not queue behind it."""
    record, gate = [], threading.Event()
    pool = RequestThreads()
    app = reuse_request_threads(_app(record, gate), pool)
    slow = asyncio.ensure_future(_call(app, "/slow"))
    await _started(record, "slow")
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert len(pool.idle) == 0  # still running "slow"
    await asyncio.wait_for(_call(app, "/next"), 2)
    threads = dict(record)
    assert threads["next"] != threads["slow"]
    gate.set()
    assert await _idle(pool, 2)


async def test_idle_threads_are_bounded_and_other_scopes_pass_through():
    record = []
    pool = RequestThreads(max_idle=1)
    app = reuse_request_threads(_app(record), pool)
    await asyncio.gather(*(_call(app, f"/{i}") for i in range(4)))
    assert await _idle(pool, 1)
    await asyncio.sleep(0.1)  # the other three were shut down, not pooled
    assert len(pool.idle) == 1
    await _call(app, "/ws", kind="websocket")
    assert record[-1] == ("ws", record[-1][1]) and len(pool.idle) == 1


async def _get(app, path):
    """A GET through an ASGI application; the answer's messages."""
    sent, asked = [], asyncio.Event()

    async def receive():
        if not asked.is_set():
            asked.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect: Django cancels this when done

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize(("handler", "hops_back"), [("one_hop", 0), ("django", 1)])
async def test_middleware_and_view_run_in_one_hop(monkeypatch, handler, hops_back):
    """Django's own ASGI handler, with our sync-only middleware, goes back to the event
    loop inside every request (AsyncToSync around its async get_response) before the
    view's own hop to a thread; OneHopASGIHandler does not."""
    from asgiref.sync import AsyncToSync
    from django.core.handlers.asgi import ASGIHandler

    from config.threads import OneHopASGIHandler

    calls = []
    original = AsyncToSync.__call__

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AsyncToSync, "__call__", counting)
    app = reuse_request_threads(OneHopASGIHandler() if handler == "one_hop" else ASGIHandler())
    sent = await _get(app, "/healthz")
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    assert b'"ok"' in b"".join(m.get("body", b"") for m in sent[1:])
    assert len(calls) == hops_back


def _streamed(request):
    from django.http import StreamingHttpResponse

    return StreamingHttpResponse(iter([b"a" * 10, b"b" * 10]))


urlpatterns = []  # filled below: this module is the URLconf of the next test


# Django's own ASGI path says this of any sync iterator (documents and exports too).
@pytest.mark.filterwarnings("ignore:StreamingHttpResponse must consume synchronous iterators")
async def test_one_hop_sends_the_signals_on_the_request_thread_and_streams(settings):
    """OneHopASGIHandler runs request_started, the view and request_finished (which
    returns the database connection) on the request's thread, as WSGI does, with no hop
    in between; a streaming response is sent whole and closed after its last chunk."""
    from django.core import signals
    from django.urls import path

    from config.threads import OneHopASGIHandler

    urlpatterns[:] = [path("streamed/", _streamed)]
    settings.ROOT_URLCONF = __name__
    seen = []

    def started(**kwargs):
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs):
        seen.append(("finished", threading.get_ident()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        app = reuse_request_threads(OneHopASGIHandler())
        sent = await _get(app, "/streamed/")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"a" * 10 + b"b" * 10
    assert [name for name, _ in seen] == ["started", "finished"]
    assert seen[0][1] == seen[1][1] != threading.get_ident()


async def test_no_viewflow_middleware_on_the_request_path():
    """viewflow appends its site and Turbo middleware at start-up unless told not to
    (settings.VIEWFLOW): we serve neither its site pages nor Turbo forms."""
    from django.conf import settings

    assert [m for m in settings.MIDDLEWARE if m.startswith("viewflow.")] == []

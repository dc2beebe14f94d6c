"""Request threads: one hop onto a reused thread per HTTP request.

**One hop.** Under ASGI, Django builds the middleware chain around its async
`_get_response_async`. Our middleware, django-otp's, axes' and viewflow's are sync-only, so
every request went loop → thread (the middleware) → loop (`AsyncToSync` around
`_get_response_async`) → thread (`sync_to_async` around the view) and back. `OneHopASGIHandler`
builds the chain as under WSGI and enters it once, on the request's thread: middleware and
view run there in one go, as under gunicorn. Async views still work (Django's sync path
runs them with `async_to_sync`, as under WSGI).

**Reused threads.**
Django's ASGIHandler runs a request's sync code (middleware, the view) inside
`ThreadSensitiveContext()`. Given no executor, asgiref makes a new one-thread executor
for every request and, when the request ends, starts one more thread to join it: two
thread starts per request, about a tenth of a daphne process's time on a small API
request (py-spy, `make bench BENCH_ARGS="scale --only=http"`).

asgiref's public `ThreadSensitiveContext(executor=...)` lets the caller own the executor,
and only the outermost context counts, so Django's own context defers to the one opened
here. Each request still has a thread of its own while it runs (a long PDF or export does
not hold up the next request), and the thread then serves a later request. An executor
goes back to the pool only once everything submitted to it has run (a no-op submitted
last completes), so a request cancelled while its view still runs never queues the next
request behind it.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler

# Idle threads kept for later requests; more concurrent requests than this still get a
# thread each, and the extra threads end when their request does.
MAX_IDLE = 32


class RequestThreads:
    def __init__(self, max_idle: int = MAX_IDLE):
        self.idle: deque[ThreadPoolExecutor] = deque()
        self.max_idle = max_idle

    def acquire(self) -> ThreadPoolExecutor:
        try:
            return self.idle.pop()
        except IndexError:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def release(self, executor: ThreadPoolExecutor) -> None:
        def drained(_future) -> None:
            if len(self.idle) < self.max_idle:
                self.idle.append(executor)
            else:
                executor.shutdown(wait=False)

        executor.submit(_noop).add_done_callback(drained)


def _noop() -> None:
    pass


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGI handler with the WSGI-shaped middleware chain, entered once per
    request on the request's thread (thread-sensitive, so on the thread of
    `reuse_request_threads`)."""

    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)
        self._middleware_chain = sync_to_async(self._middleware_chain, thread_sensitive=True)


def reuse_request_threads(app, pool: RequestThreads | None = None):
    """Wrap the Django ASGI application (HTTP only) so its requests run on pooled threads."""
    pool = pool or RequestThreads()

    async def application(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        executor = pool.acquire()
        try:
            async with ThreadSensitiveContext(executor=executor):
                return await app(scope, receive, send)
        finally:
            pool.release(executor)

    application.pool = pool  # type: ignore[attr-defined]  # for tests
    return application

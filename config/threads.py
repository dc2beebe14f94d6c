"""Reusable request threads: one thread per concurrent HTTP request, not two new ones
per request.

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

from asgiref.sync import ThreadSensitiveContext

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

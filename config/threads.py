"""Request threads: one hop onto a reused thread per HTTP request.

**One hop.** Under ASGI, Django builds the middleware chain around its async
`_get_response_async`. Our middleware, django-otp's and axes' are sync-only, so
every request went loop → thread (the middleware) → loop (`AsyncToSync` around
`_get_response_async`) → thread (`sync_to_async` around the view) and back. Around that,
Django's `handle` sent `request_started` and `request_finished` with `Signal.asend` (a hop
to a thread each for their sync receivers), closed the response with one more, and ran
every request as two tasks, the second listening for a disconnect so that an async view
could be cancelled (a sync view runs on regardless). `OneHopASGIHandler` reads the body on
the loop, then does what Django's WSGI handler does, once, on the request's thread: the
started signal, the WSGI-shaped middleware chain and view, and for a response already in
memory its close (the finished signal, the connection back to the pool). Only the sending
is left to the loop. Async views still work (Django's sync path runs them with
`async_to_sync`, as under WSGI); a streaming response (a file, an export) is sent as
Django sends it and closed after its last chunk.

**Reused threads.**
Django's ASGIHandler runs a request's sync code (middleware, the view) inside
`ThreadSensitiveContext()`. Given no executor, asgiref makes a new one-thread executor
for every request and, when the request ends, starts one more thread to join it: two
thread starts per request, a real cost on a small API request.

asgiref's public `ThreadSensitiveContext(executor=...)` lets the caller own the executor,
and only the outermost context counts, so Django's own context defers to the one opened
here. Each request still has a thread of its own while it runs (a long PDF or export does
not hold up the next request), and the thread then serves a later request. An executor
goes back to the pool only once everything submitted to it has run, so a request
cancelled while its view still runs never queues the next request behind it: an idle
executor goes back at once, a busy one when a no-op submitted last completes.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Any, ParamSpec, TypeVar

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.urls import set_script_prefix

from config.asgi_types import ASGIApp, Receive, Scope, Send

P = ParamSpec("P")
T = TypeVar("T")

# Idle threads kept for later requests; more concurrent requests than this still get a
# thread each, and the extra threads end when their request does.
MAX_IDLE = 32


class RequestExecutor(ThreadPoolExecutor):
    """One request thread that knows whether work submitted to it is still running."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="request")
        self.running = 0
        self.count_lock = threading.Lock()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self.count_lock:
            self.running += 1
        return super().submit(self._counted, fn, args, kwargs)

    def _counted(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            with self.count_lock:
                self.running -= 1


class RequestThreads:
    def __init__(self, max_idle: int = MAX_IDLE) -> None:
        self.idle: deque[RequestExecutor] = deque()
        self.max_idle = max_idle

    def acquire(self) -> RequestExecutor:
        try:
            return self.idle.pop()
        except IndexError:
            return RequestExecutor()

    def release(self, executor: RequestExecutor) -> None:
        def drained(_future: Future[None] | None = None) -> None:
            if len(self.idle) < self.max_idle:
                self.idle.append(executor)
            else:
                executor.shutdown(wait=False)

        if not executor.running:
            # Nothing left on the thread (the request awaited all it started): the common
            # case, without a round trip through the thread.
            drained()
        else:
            executor.submit(_noop).add_done_callback(drained)


def _noop() -> None:
    pass


class OneHopASGIHandler(ASGIHandler):
    """Django's ASGI handler doing a request's sync work in one hop onto the request's
    thread (thread-sensitive, so the thread of `reuse_request_threads`), as under WSGI."""

    def load_middleware(self, is_async: bool = False) -> None:
        # ASGIHandler.__init__ asks for the async chain; ours is entered from a thread.
        super().load_middleware(is_async=False)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope: Scope, body_file: IO[bytes]) -> HttpResponseBase:
        """What WSGIHandler.__call__ does, for one ASGI request: on the request's thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]  # as Django's handlers set it
            if isinstance(response, FileResponse):
                # the server chunks the body; as Django's ASGI handler sets it
                response.block_size = self.chunk_size
        assert response is not None  # create_request answers when it cannot build a request
        if not response.streaming:
            # The body is in memory: close now, as WSGI servers do once it is written
            # (request_finished: the database connection goes back to the pool).
            response.close()
        return response


def reuse_request_threads(app: ASGIApp, pool: RequestThreads | None = None) -> ASGIApp:
    """Wrap the Django ASGI application (HTTP only) so its requests run on pooled threads."""
    pool = pool or RequestThreads()

    async def application(scope: Scope, receive: Receive, send: Send) -> Any:
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

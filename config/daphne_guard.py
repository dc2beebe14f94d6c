"""Refuse an oversized request body inside daphne, before it is buffered (DESIGN.md §9).

`BodyLimitMiddleware` (config/limits.py) refuses a big body in the ASGI application, but
under daphne that is too late for memory: twisted receives the whole body first (spooled
to a temporary file), and daphne's `WebRequest.process` then reads all of it into its
application queue in one go, so three 100 MB bodies grew the process by hundreds of MiB
that the allocator kept (issue 14, finding 5). This guard counts the body where twisted
hands it over and answers 413 in the API's JSON error shape, closing the connection, as
soon as the declared length or the bytes received pass the limit; nothing is queued.

It relies on three daphne/twisted internals, checked by tests/security/test_bounds.py
(`test_daphne_guard_hooks_exist`), which fails loudly if an upgrade renames them:
- `daphne.http_protocol.WebRequest` is twisted's `http.Request` subclass daphne serves;
- twisted calls `Request.gotLength(length)` once the headers are in (length or None);
- twisted calls `Request.handleContentChunk(data)` for every piece of body received, and
  `Request.process()` when the request is complete;
- daphne's server has `log_action(protocol, action, details)`, its access-log hook;
- twisted's Request takes `parsePOSTFormSubmission` (kept as `_parsePOSTFormSubmission`):
  the guard turns it off. Twisted otherwise parses every multipart or form body into
  `request.args` — which daphne never reads — holding an upload in memory once more, and
  answers a body it cannot parse with a bare 400 (no JSON, no Content-Type) before the
  application sees it (schemathesis, issue 29: an empty multipart to the party's sign-in).
Under any other ASGI server `install()` finds no daphne and does nothing; the ASGI
middleware still bounds the body there. With daphne installed but any of these internals
moved, `install()` raises at start (`DaphneGuardError`): serving unguarded would quietly
bring back the memory blow-up.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
from http import HTTPStatus

from config.limits import BodyTooLarge, limit_for

HOOKS = ("gotLength", "handleContentChunk", "process")
# After answering 413 the rest of the body is read and dropped, never stored, so that a
# client which sends its whole body before reading (as most do) still sees the answer:
# up to the declared length, or this many times the limit for a streamed body, and never
# more than DISCARD_MAX; past that the connection is cut.
DISCARD_FACTOR = 8
DISCARD_MAX = 1024 * 1024 * 1024


def _response(limit: int) -> bytes:
    body = json.dumps(
        {"detail": str(BodyTooLarge(limit).detail), "errors": {}}, ensure_ascii=False
    ).encode()
    head = (
        "HTTP/1.1 413 Request Entity Too Large\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode("latin1")
    return head + body


def reason_phrases() -> int:
    """Twisted writes "429 Unknown Status" for a status its table lacks (429, 422, 428, 431,
    451); daphne passes no phrase of its own. Fill the table from the standard library's
    (RFC 9110 / 6585 phrases), so a 429 says "Too Many Requests" (#31). How many were added."""
    try:
        # lazy: twisted comes with daphne, which is optional
        from twisted.web import http as twisted_http
    except ImportError:
        return 0
    added = 0
    for code in HTTPStatus:
        if code.value not in twisted_http.RESPONSES:
            twisted_http.RESPONSES[code.value] = code.phrase.encode("ascii")
            added += 1
    return added


class DaphneGuardError(RuntimeError):
    """daphne is installed but the internals the guard patches have moved."""


# name -> the parameters twisted's Request method must take
SIGNATURES = {
    "gotLength": ["self", "length"],
    "handleContentChunk": ["self", "data"],
    "process": ["self"],
}


def _params(func: object) -> list[str]:
    try:
        return list(inspect.signature(func).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return []


def check_hooks() -> None:
    """Raise DaphneGuardError unless every internal the guard relies on is where it was."""
    try:
        # lazy: daphne and twisted are optional (only present when serving under daphne)
        from daphne.http_protocol import WebRequest
        from daphne.server import Server
        from twisted.web import http as twisted_http
    except ImportError as exc:
        raise DaphneGuardError(f"daphne is installed but {exc} (config/daphne_guard.py)") from exc
    problems = []
    if not issubclass(WebRequest, twisted_http.Request):
        problems.append("daphne.http_protocol.WebRequest is no longer a twisted Request")
    for name, params in SIGNATURES.items():
        hook = getattr(twisted_http.Request, name, None)
        if not callable(hook) or _params(hook) != params:
            problems.append(f"twisted Request.{name}({', '.join(params[1:])}) has moved")
    if "parsePOSTFormSubmission" not in _params(twisted_http.Request.__init__):
        problems.append("twisted Request(parsePOSTFormSubmission=) has moved")
    if _params(getattr(Server, "log_action", None)) != ["self", "protocol", "action", "details"]:
        problems.append("daphne Server.log_action(protocol, action, details) has moved")
    if problems:
        raise DaphneGuardError("the request-body guard cannot be installed: " + "; ".join(problems))


def install() -> bool:
    if importlib.util.find_spec("daphne") is None:
        # Under another ASGI server there is nothing to guard (the middleware still is).
        return False
    check_hooks()
    # lazy: daphne is optional; check_hooks() has just imported it.
    from daphne.http_protocol import WebRequest

    reason_phrases()
    if getattr(WebRequest, "_body_guard", False):
        return True
    got_length = WebRequest.gotLength
    content_chunk = WebRequest.handleContentChunk
    process = WebRequest.process

    def refuse(request: WebRequest) -> None:
        request._body_refused = True
        answer = _response(request._body_limit)
        request._body_answer_size = len(answer)
        request.channel.transport.write(answer)

    def close(request: WebRequest) -> None:
        # What was written is flushed before the socket closes.
        request.channel.transport.loseConnection()

    def guarded_got_length(self: WebRequest, length: int | None) -> None:
        # The application parses the body (see above): twisted must not.
        self._parsePOSTFormSubmission = False
        ctype = self.requestHeaders.getRawHeaders(b"content-type") or [b""]
        self._body_limit = limit_for(ctype[0].decode("latin1"))
        self._body_seen = 0
        self._body_refused = False
        self._body_discard = min(
            DISCARD_MAX, length if length is not None else DISCARD_FACTOR * self._body_limit
        )
        if length is not None and length > self._body_limit:
            got_length(self, 0)  # twisted still expects a content file
            refuse(self)
            return
        got_length(self, length)

    def guarded_content_chunk(self: WebRequest, data: bytes) -> None:
        self._body_seen = getattr(self, "_body_seen", 0) + len(data)
        limit = getattr(self, "_body_limit", None)
        if getattr(self, "_body_refused", False):
            if self._body_seen > self._body_discard:
                close(self)
            return  # dropped, never stored
        if limit is not None and self._body_seen > limit:
            refuse(self)
            return
        content_chunk(self, data)

    def guarded_process(self: WebRequest) -> object:
        if getattr(self, "_body_refused", False):
            # Answered already; nothing reaches the application. The refusal goes into
            # daphne's access log like any answered request (operators count 413s there).
            self.server.log_action(
                "http",
                "complete",
                {
                    "path": self.uri.decode("ascii", "replace"),
                    "status": 413,
                    "method": self.method.decode("ascii", "replace"),
                    "client": None,
                    "time_taken": 0,
                    "size": self._body_answer_size,
                },
            )
            close(self)
            return None
        return process(self)

    WebRequest.gotLength = guarded_got_length
    WebRequest.handleContentChunk = guarded_content_chunk
    WebRequest.process = guarded_process
    WebRequest._body_guard = True
    return True

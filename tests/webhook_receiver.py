"""A real local HTTP receiver for the webhook tests and the bench: http.server in a thread,
recording every request and answering from a script (status codes, delays)."""

from __future__ import annotations

import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.script: deque[tuple[int, float]] = deque()  # (status, delay) per request
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # the answer in one write (a separate body write waits for a delayed ACK)
            wbufsize = 65536
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status, delay = receiver.script.popleft() if receiver.script else (200, 0)
                if delay:
                    time.sleep(delay)
                if status < 300:
                    with receiver.lock:
                        receiver.received.append({"headers": dict(self.headers), "body": body})
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[int]:
        with self.lock:
            return [int(r["headers"]["X-Datiaojie-Event-Id"]) for r in self.received]

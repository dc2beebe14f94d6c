"""A real daphne process on the test database, for the `live` tests and the benchmark."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict) -> str:
    """The URL of the database this process is using (the test database under pytest)."""
    engine, name = settings_dict["ENGINE"], settings_dict["NAME"]
    if engine.endswith("sqlite3"):
        if not name or str(name).startswith("file:") or name == ":memory:":
            raise RuntimeError("daphne needs a file database, not an in-memory one")
        return f"sqlite:///{name}"
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{name}"


class Daphne:
    def __init__(
        self,
        db_url: str,
        *,
        env: dict | None = None,
        port: int | None = None,
        args=(),
        launcher=None,
    ):
        self.port = port or free_port()
        self.args = list(args)  # more daphne options, e.g. ["--access-log", "-"]
        # Python code run instead of `-m daphne` (it sees daphne's arguments in sys.argv).
        self.launcher = launcher
        self.env = {
            **os.environ,
            "DATABASE_URL": db_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LIVE_RELAY_INTERVAL": "0.2",
            # these tests count the events they cause: no sweep of the server's own
            "DEADLINE_SWEEP_SECONDS": "0",
            "PYTHONUNBUFFERED": "1",
            # every test client comes from 127.0.0.1; sockets that never resume go live soon
            "SOCKETS_PER_ADDRESS": "100000",
            "SOCKETS_PER_USER": "100000",
            "SOCKET_RESUME_WAIT_SECONDS": "0.05",
            **(env or {}),
        }
        self.proc = None
        self.log = None

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/events/"

    def start(self, timeout: float = 30.0) -> "Daphne":
        # A file, not a pipe: a pipe nobody reads fills up and blocks the server.
        self.log = tempfile.TemporaryFile()
        run = ["-c", self.launcher] if self.launcher else ["-m", "daphne"]
        cmd = [sys.executable, *run, "-v", "0", "-b", "127.0.0.1", "-p", str(self.port)]
        cmd += [*self.args, "config.asgi:application"]
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # A suite started in the background (`cmd &`, CI) passes SIGINT on ignored, and
            # Twisted then leaves Ctrl-C alone; the server is run as from a terminal.
            restore_signals=True,
            preexec_fn=_interruptible,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.output()
                raise RuntimeError(f"daphne exited with {self.proc.returncode}:\n{out}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not listen on {self.port} within {timeout} s")

    def stop(self) -> str:
        """Stop the process (always) and return what it printed."""
        if self.proc is None:
            return ""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        out = self.output()
        self.log.close()
        self.proc = None
        return out

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def rss_kib(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)

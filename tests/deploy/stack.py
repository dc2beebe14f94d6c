"""The deployed stack on loopback for tests and the benchmark: Debian's nginx running the
shipped site file (deploy/nginx/datiaojie.conf, with ports, certificate and paths put in)
under a temporary prefix, in front of N daphne processes."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests.live.daphne import ROOT, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "datiaojie.conf"
MAIN = ROOT / "deploy" / "nginx" / "nginx.conf"


def self_signed(dest: Path) -> tuple[Path, Path]:
    cert, key = dest / "cert.pem", dest / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def render_main(site: Path, d: Path, workers: int) -> str:
    """The shipped main file (deploy/nginx/nginx.conf) in a temporary prefix: its limits
    and log levels as shipped; paths, user and workers of this machine."""
    text = MAIN.read_text()
    # As root nginx would hand its workers to `nobody`; keep them as this user.
    user = "user root;" if os.geteuid() == 0 else ""
    replacements = [
        ("user www-data;", user),
        ("worker_processes auto;", f"worker_processes {workers};"),
        ("pid /run/nginx.pid;", f"pid {d}/nginx.pid;"),
        ("/var/log/nginx/error.log", f"{d}/error.log"),
        ("/var/log/nginx/access.log", f"{d}/access.log"),
        ("include /etc/nginx/modules-enabled/*.conf;\n", ""),
        ("include /etc/nginx/conf.d/*.conf;\n", ""),
        (
            "include /etc/nginx/sites-enabled/*;",
            f"client_body_temp_path {d}/body;\n    proxy_temp_path {d}/proxy;\n"
            f"    fastcgi_temp_path {d}/fastcgi;\n    uwsgi_temp_path {d}/uwsgi;\n"
            f"    scgi_temp_path {d}/scgi;\n    include {site};",
        ),
    ]
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def render_site(upstreams: list[int], http_port: int, https_port: int, cert, key, static) -> str:
    """The shipped site with this machine's ports and paths; nothing else changed."""
    text = SITE.read_text()
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams)
    text, n = re.subn(r"(    server 127\.0\.0\.1:\d+;\n)+", servers, text, count=1)
    assert n == 1, "upstream block not found"
    replacements = [
        ("    listen [::]:80;\n", ""),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("/etc/datiaojie/tls/fullchain.pem", str(cert)),
        ("/etc/datiaojie/tls/privkey.pem", str(key)),
        ("/srv/datiaojie/staticfiles/", f"{static}/"),
        ("shared:datiaojie:10m", "shared:datiaojie_test:1m"),
        ("/var/log/nginx/datiaojie.access.log", f"{cert.parent}/site-access.log"),
        ("/var/log/nginx/datiaojie.error.log", f"{cert.parent}/site-error.log"),
    ]
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


class Nginx:
    """Debian's nginx as the current user, on free loopback ports, in a temporary prefix."""

    def __init__(self, upstreams: list[int], static: Path = ROOT / "static", workers: int = 1):
        self.upstreams = upstreams
        self.static = static
        self.workers = workers
        self.http_port = free_port()
        self.https_port = free_port()
        self.dir = None
        self.proc = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def ws(self) -> str:
        return f"wss://127.0.0.1:{self.https_port}/ws/events/"

    def start(self, timeout: float = 15.0) -> Nginx:
        self.dir = Path(tempfile.mkdtemp(prefix="dtj-nginx-"))
        cert, key = self_signed(self.dir)
        site = self.dir / "site.conf"
        site.write_text(
            render_site(self.upstreams, self.http_port, self.https_port, cert, key, self.static)
        )
        d = self.dir
        (d / "nginx.conf").write_text(render_main(site, d, self.workers))
        check = subprocess.run(
            [NGINX, "-t", "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")],
            capture_output=True,
            text=True,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
        base = [NGINX, "-p", str(d), "-c", str(d / "nginx.conf"), "-e", str(d / "error.log")]
        self.proc = subprocess.Popen(
            [*base, "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.https_port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("nginx did not listen")

    def error_log(self) -> str:
        path = self.dir / "error.log"
        return path.read_text() if path.exists() else ""

    def logs(self) -> str:
        """Every log nginx wrote in its prefix (main and site, access and error)."""
        return "".join(p.read_text(errors="replace") for p in sorted(self.dir.glob("*.log")))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish, then exit
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


def production_env(extra: dict | None = None) -> dict:
    """The settings of deploy/datiaojie.env.example that matter on loopback."""
    return {
        "DEBUG": "false",
        "SECRET_KEY": "test-only-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost,tiaojie.example.gov.cn",
        "CSRF_TRUSTED_ORIGINS": "https://127.0.0.1",
        "SERVE_STATIC": "false",
        "TRUSTED_PROXY_COUNT": "1",
        "DEADLINE_SWEEP_SECONDS": "0",
        "LOG_FORMAT": "json",
        "LOG_REQUESTS": "true",
        **(extra or {}),
    }

"""`make run`: serve the product on daphne and say where, once it answers: the address
and the demo accounts (DESIGN.md §9). Thin: the server is daphne itself, in a child
process; this command waits for it to answer, prints, and forwards Ctrl-C."""

import http.client
import ipaddress
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from mediation.documents import backlog
from mediation.law.choices import Role
from mediation.ops import demo_parties
from mediation.ops.demo import ACCOUNTS


def wait_until_up(
    host: str, port: int, path: str, proc: subprocess.Popen[bytes], timeout: float = 60.0
) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        conn = http.client.HTTPConnection(host, port, timeout=2)
        try:
            conn.request("GET", path)
            conn.getresponse().read()
            return True
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    return False


def shown_host(host: str) -> str:
    """The address to print: a wildcard bind is reached on loopback from this machine."""
    try:
        if ipaddress.ip_address(host).is_unspecified:
            return "127.0.0.1"
    except ValueError:
        pass
    return host


def ready_text(url: str) -> str:
    lines = [
        "",
        f"大调解已启动：{url}",
        f"案件进度查询：{url}/track/    网上申请调解：{url}/apply/",
        f"当事人登录：{url}/party/    演示当事人手机：{'、'.join(demo_parties.PHONES)}"
        "（验证码写入 media/sms.jsonl）",
        f"演示账号（密码：{settings.DEMO_PASSWORD}）：",
    ]
    for username, org, role, name in ACCOUNTS:
        lines.append(f"  {username:<15}{name}  {org} · {Role(role).label}")
    lines.append("按 Ctrl-C 停止。")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "启动服务（daphne），就绪后打印访问地址和演示账号"

    def render_backlog(self) -> threading.Thread | None:
        """The demo documents seed_demo left for later, rendered here in the background
        now that the server answers (a page asking for one first renders it itself)."""
        total = len(backlog.pending())
        if not total:
            return None
        self.stdout.write(f"正在后台生成演示案件文书（{total} 项）……")
        self.stdout.flush()

        def progress(done: int, total: int) -> None:
            line = "演示案件文书已全部生成" if done == total else f"演示案件文书：{done}/{total}"
            self.stdout.write(line)
            self.stdout.flush()

        def work() -> None:
            try:
                backlog.render(progress)
            finally:
                connections.close_all()  # this thread's own

        worker = threading.Thread(target=work, name="demo-documents", daemon=True)
        worker.start()
        return worker

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--seed-demo",
            action="store_true",
            help="seed_demo while daphne starts (make run): the two overlap on two cores",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        cmd = [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            host,
            "-p",
            str(port),
            "config.asgi:application",
        ]
        proc = subprocess.Popen(cmd)
        signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
        shown = shown_host(host)
        url = f"http://{shown}:{port}"
        try:
            if options["seed_demo"]:
                # The address is printed only after the demo exists, so nobody signs in first.
                call_command("seed_demo", stdout=self.stdout)
            if not wait_until_up(shown, port, "/login/", proc):
                proc.terminate()
                raise CommandError("服务未能启动，请查看上面的日志")
            self.stdout.write(ready_text(url))
            self.stdout.flush()
            self.render_backlog()
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(timeout=10)
        except Exception:  # the seed failed: no daphne left behind
            proc.terminate()
            raise

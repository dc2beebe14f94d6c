"""`make run`: serve the product on daphne and say where, once it answers: the address
and the demo accounts (DESIGN.md §9). Thin: the server is daphne itself, in a child
process; this command waits for it to answer, prints, and forwards Ctrl-C."""

import http.client
import ipaddress
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

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

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

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
            if not wait_until_up(shown, port, "/login/", proc):
                proc.terminate()
                raise CommandError("服务未能启动，请查看上面的日志")
            self.stdout.write(ready_text(url))
            self.stdout.flush()
            proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            proc.wait(timeout=10)

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config import separation


class Command(BaseCommand):
    help = "安装完成后停用超级用户（三员分立）：须系统、安全、审计管理员均已有人担任并绑定动态口令"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="即使有管理员角色无人担任也停用（不建议）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        gaps = separation.unsealed_gaps()
        if gaps and not options["force"]:
            raise CommandError(
                "refusing to seal: no active holder with a second factor for " + ", ".join(gaps)
            )
        sealed = separation.seal_superusers()
        self.stdout.write(f"sealed {len(sealed)} superuser(s): {' '.join(sealed) or '-'}")

from typing import Any

from django.core.management.base import BaseCommand

from mediation.law.deadlines import sweep


class Command(BaseCommand):
    help = "发出期限将至/已超期事件（幂等，可由 cron 或 systemd timer 每隔几分钟运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        counts = sweep()
        self.stdout.write(
            f"checked={counts['checked']} approaching={counts['approaching']} "
            f"overdue={counts['overdue']}"
        )

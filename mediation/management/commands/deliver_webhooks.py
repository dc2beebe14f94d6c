import os
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from mediation.live.webhooks import Worker


class Command(BaseCommand):
    help = "投递 Webhook（按事件顺序，失败按退避重试 24 小时）；--once 投递完当前积压即退出"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="投递完当前积压后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = Worker()
        if options["once"]:
            self.stdout.write(f"attempts={worker.run_until_idle()}")
            return
        if settings.WEBHOOK_NICE > 0:
            # The service is background work: the cores go to the processes serving
            # requests first.
            os.nice(settings.WEBHOOK_NICE)
        interval = float(settings.WEBHOOK_POLL_SECONDS or 1.0)
        try:
            while True:
                if not worker.run_once():
                    close_old_connections()
                    time.sleep(interval)
        except KeyboardInterrupt:
            worker.stopping.set()
        finally:
            worker.sender.close()

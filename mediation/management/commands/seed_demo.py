from typing import Any

from django.core.management.base import BaseCommand

from mediation.ops.demo import seed


class Command(BaseCommand):
    help = "Create the 红寺堡区 demo organisations, accounts and cases (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed()
        self.stdout.write(
            f"organizations: {result['organizations']}, cases created: {result['cases_created']}"
        )

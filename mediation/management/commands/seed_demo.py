from typing import Any

from django.core.management.base import BaseCommand

from mediation.documents import backlog
from mediation.ops.demo import seed


class Command(BaseCommand):
    help = "Create the 红寺堡区 demo organisations, accounts and cases (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The documents are rendered by `serve` once it answers (`make run`), or on demand.
        result = seed(self.stdout.write, defer_documents=True)
        self.stdout.write(
            f"organizations: {result['organizations']}, cases created: {result['cases_created']}"
        )
        if pending := len(backlog.pending()):
            self.stdout.write(f"documents pending: {pending}")

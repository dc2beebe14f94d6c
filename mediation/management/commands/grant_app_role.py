from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from config.db_roles import grant_app_role


class Command(BaseCommand):
    help = "授予应用数据库角色数据权限；审计表 mediation_caseevent 仅 SELECT、INSERT（PostgreSQL）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role")

    def handle(self, *args: Any, **options: Any) -> None:
        role = options["role"]
        grant_app_role(role)
        self.stdout.write(f"granted: {role} (mediation_caseevent: SELECT, INSERT)")

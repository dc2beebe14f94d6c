from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mediation.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "检查并解密 `manage.py backup` 写出的加密备份（密钥 BACKUP_KEY）到新目录 --to："
        "数据库文件（供 pg_restore，或 SQLite 复制到位）与 media/ 目录"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup", help="一个备份目录（datiaojie-YYYYmmdd-HHMMSS）")
        parser.add_argument("--to", required=True, help="解密输出的新目录（权限 0700）")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            database, media = restore(options["backup"], options["to"])
        except (BackupError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        files = sum(1 for p in Path(media).rglob("*") if p.is_file())
        self.stdout.write(f"{database} {media} media={files}")

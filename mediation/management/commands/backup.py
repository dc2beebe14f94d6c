import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from mediation.ops.backup import BackupError, backup, counts, verify_media


class Command(BaseCommand):
    help = (
        "备份数据库（SQLite 在线备份接口 / PostgreSQL pg_dump）与媒体文件到 DIR 下的新目录；"
        "--verify 对照备份清单检查当前（恢复后的）数据库与 MEDIA_ROOT"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="备份存放目录（或 --verify 时的一个备份目录）")
        parser.add_argument("--verify", action="store_true", help="检查恢复结果")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            self.verify(Path(options["dir"]))
            return
        try:
            target = backup(options["dir"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = json.loads((target / "manifest.json").read_text())
        rows = " ".join(f"{k.split('_', 1)[1]}={v}" for k, v in manifest["rows"].items())
        self.stdout.write(f"{target} {rows} media={len(manifest['media'])}")

    def verify(self, path: Path) -> None:
        manifest = json.loads((path / "manifest.json").read_text())
        with connection.cursor() as cur:
            now = counts(cur)
        problems = [
            f"{table}: backup {n}, database {now.get(table)}"
            for table, n in manifest["rows"].items()
            if now.get(table) != n
        ]
        problems += verify_media(manifest, Path(settings.MEDIA_ROOT))
        for p in problems:
            self.stdout.write(p)
        if problems:
            raise CommandError(f"{len(problems)} difference(s) from the backup")
        self.stdout.write(
            f"ok rows={sum(manifest['rows'].values())} media={len(manifest['media'])}"
        )

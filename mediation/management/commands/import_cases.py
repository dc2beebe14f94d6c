import sys
import time
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mediation.ops.importer import ImportFileError, import_file, write_workbook


class Progress:
    """A console progress bar on stderr, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width, self.last = stream, width, 0.0
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        filled = int(self.width * done / total) if total else self.width
        rate = done / max(now - self.started, 1e-6)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} 行 {rate:,.0f} 行/秒"
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "从XLSX导入历史案件（每行一件，列见 docs/import.md）；--dry-run 只校验不写入"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="XLSX文件")
        parser.add_argument(
            "--template", action="store_true", help="把空白模板（只有列名）写到 FILE"
        )
        parser.add_argument("--dry-run", action="store_true", help="只校验并报告，不写入")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["template"]:
            write_workbook(options["file"])
            self.stdout.write(f"模板已写入 {options['file']}")
            return
        progress = None if options["no_progress"] else Progress(sys.stderr)
        try:
            report = import_file(options["file"], dry_run=options["dry_run"], progress=progress)
        except (ImportFileError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        for e in report.errors:
            self.stdout.write(f"第{e.row}行\t{e.column}\t{e.reason}")
        if report.dry_run:
            summary = f"would_skip={report.skipped} （试运行，未写入）"
        else:
            summary = f"skipped={report.skipped} imported={report.imported}"
        self.stdout.write(
            f"rows={report.rows} valid={report.valid} bad={report.bad_rows} {summary}"
        )
        if report.errors:
            raise CommandError(f"{report.bad_rows}行有误，见上方列表（行、列、原因）")

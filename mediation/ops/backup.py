"""`manage.py backup DIR`: a consistent copy of the database and the media files.

SQLite (the embedded default): the sqlite3 online backup API copies the live database page
by page under its own read lock, so the server keeps running; copying the file instead
could catch a half-written WAL. PostgreSQL: `pg_dump --format=custom` (one consistent
snapshot), restored with `pg_restore` (docs/deploy.md). The media files (stored case files
and, with them, uploaded attachments) go into `media.tar.gz`. `manifest.json` records what
the backup holds — row counts and every media file with its size and SHA-256 — so that a
restore can be checked against it (`manage.py backup --verify DIR/<backup>`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.utils import timezone

if TYPE_CHECKING:
    import datetime as dt

    from django.db.backends.utils import CursorWrapper

COUNTED = [
    "mediation_case",
    "mediation_caseevent",
    "mediation_party",
    "mediation_handoff",
    "mediation_document",
    "mediation_attachment",
]


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def media_files(root: Path) -> dict[str, dict]:
    out = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file():
                rel = path.relative_to(root).as_posix()
                out[rel] = {"size": path.stat().st_size, "sha256": _sha256(path)}
    return out


def counts(cursor: CursorWrapper) -> dict[str, int]:
    out = {}
    for table in COUNTED:
        # Table names come from the constant COUNTED above, never from input.
        name = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COUNT(*) FROM {name}")  # nosec B608
        out[table] = cursor.fetchone()[0]
    return out


def pg_env_and_args(db: dict) -> tuple[dict, list[str]]:
    """libpq connection arguments for the configured database (password by environment,
    never on the command line where `ps` shows it)."""
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["-U", str(db["USER"])]
    return env, args


def backup(dest: str | Path, *, now: dt.datetime | None = None) -> Path:
    now = now or timezone.now()
    target = Path(dest) / f"datiaojie-{timezone.localtime(now):%Y%m%d-%H%M%S}"
    target.mkdir(parents=True, exist_ok=False)
    db = connection.settings_dict
    connection.ensure_connection()
    with connection.cursor() as cur:
        rows = counts(cur)
    if connection.vendor == "sqlite":
        database = "db.sqlite3"
        out = sqlite3.connect(target / database)
        try:
            with out:
                connection.connection.backup(out)
        finally:
            out.close()
    elif connection.vendor == "postgresql":
        database = "db.dump"
        env, args = pg_env_and_args(db)
        cmd = ["pg_dump", "--format=custom", "--no-owner", *args, "-f", str(target / database)]
        result = subprocess.run([*cmd, db["NAME"]], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            shutil.rmtree(target, ignore_errors=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    else:
        raise BackupError(f"no backup method for {connection.vendor}")
    root = Path(settings.MEDIA_ROOT)
    files = media_files(root)
    with tarfile.open(target / "media.tar.gz", "w:gz") as tar:
        for rel in files:
            tar.add(root / rel, arcname=rel)
    manifest = {
        "created_at": now.isoformat(),
        "vendor": connection.vendor,
        "database": database,
        "rows": rows,
        "media": files,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return target


def verify_media(manifest: dict, root: Path) -> list[str]:
    """Media files of the manifest missing or different under `root` (a restored MEDIA_ROOT)."""
    problems = []
    for rel, info in manifest["media"].items():
        path = root / rel
        if not path.is_file():
            problems.append(f"missing {rel}")
        elif _sha256(path) != info["sha256"]:
            problems.append(f"differs {rel}")
    return problems

"""`manage.py backup DIR`: a consistent copy of the database and the media files.

SQLite (the embedded default): the sqlite3 online backup API copies the live database page
by page under its own read lock, so the server keeps running; copying the file instead
could catch a half-written WAL. PostgreSQL: `pg_dump --format=custom` (one consistent
snapshot), restored with `pg_restore` (docs/deploy.md). The media files (stored case files
and, with them, uploaded attachments) go into `media.tar.gz`. `manifest.json` records what
the backup holds — row counts and every media file with its size and SHA-256 — so that a
restore can be checked against it (`manage.py backup --verify DIR/<backup>`).

Both the database and the media archive are sealed (SM4-CTR + HMAC-SM3, BACKUP_KEY from
settings; mediation.models.crypto) as they are written — pg_dump streams through the cipher,
the SQLite copy and the archive are sealed and their clear temporaries removed — and every
file of a backup is mode 0600 in a 0700 directory. `manage.py restore` checks and decrypts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.utils import timezone

from mediation.models import crypto

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
SEALED = ".sm4"
PURPOSE = "backup"


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


@contextmanager
def _private_umask() -> Iterator[None]:
    """Files and directories created meanwhile are the owner's only (0600 / 0700)."""
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def _seal_file(clear: Path, sealed: Path) -> None:
    with open(clear, "rb") as src, open(sealed, "xb") as dst:
        crypto.seal_stream(src, dst, settings.BACKUP_KEY, PURPOSE)
    clear.unlink()


def backup(dest: str | Path, *, now: dt.datetime | None = None) -> Path:
    with _private_umask():
        target = _backup(Path(dest), now or timezone.now())
    for path in [target, *target.iterdir()]:
        os.chmod(path, 0o700 if path.is_dir() else 0o600)  # whatever the umask was before
    return target


def _backup(dest: Path, now: dt.datetime) -> Path:
    target = dest / f"datiaojie-{timezone.localtime(now):%Y%m%d-%H%M%S}"
    target.mkdir(parents=True, exist_ok=False)
    try:
        return _write(target, now)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise


def _write(target: Path, now: dt.datetime) -> Path:
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
        _seal_file(target / database, target / (database + SEALED))
    elif connection.vendor == "postgresql":
        database = "db.dump"
        env, args = pg_env_and_args(db)
        cmd = ["pg_dump", "--format=custom", "--no-owner", *args, db["NAME"]]
        # The dump streams through the cipher: no clear copy ever reaches the disk.
        # (stderr to a file: a pipe could fill while we read stdout, and both would wait)
        with (
            open(target / (database + SEALED), "xb") as dst,
            tempfile.TemporaryFile() as errors,
            subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=errors) as proc,
        ):
            assert proc.stdout is not None
            crypto.seal_stream(proc.stdout, dst, settings.BACKUP_KEY, PURPOSE)
            proc.wait()
            errors.seek(0)
            stderr = errors.read().decode(errors="replace")
        if proc.returncode != 0:
            raise BackupError(f"pg_dump failed: {stderr.strip()}")
    else:
        raise BackupError(f"no backup method for {connection.vendor}")
    root = Path(settings.MEDIA_ROOT)
    files = media_files(root)
    with tarfile.open(target / "media.tar.gz", "w:gz") as tar:
        for rel in files:
            tar.add(root / rel, arcname=rel)
    _seal_file(target / "media.tar.gz", target / ("media.tar.gz" + SEALED))
    manifest = {
        "created_at": now.isoformat(),
        "vendor": connection.vendor,
        "database": database,
        "sealed": SEALED,
        "rows": rows,
        "media": files,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return target


def restore(backup_dir: str | Path, to: str | Path) -> tuple[Path, Path]:
    """Check and decrypt a backup into `to` (a new 0700 directory): the database file
    (for pg_restore, or to copy into place on SQLite) and the media tree unpacked under
    `to/media`. Raises BackupError for a wrong key or a damaged file; nothing is left then."""
    source, out = Path(backup_dir), Path(to)
    manifest = json.loads((source / "manifest.json").read_text())
    database = manifest["database"]
    with _private_umask():
        out.mkdir(parents=True, exist_ok=False)
        try:
            for name in (database, "media.tar.gz"):
                with open(source / (name + SEALED), "rb") as src, open(out / name, "xb") as dst:
                    crypto.unseal_stream(src, dst, settings.BACKUP_KEY, PURPOSE)
            media = out / "media"
            media.mkdir()
            with tarfile.open(out / "media.tar.gz") as tar:
                tar.extractall(media, filter="data")
            (out / "media.tar.gz").unlink()
        except crypto.DecryptionError as exc:
            shutil.rmtree(out, ignore_errors=True)
            raise BackupError(f"{source}: {exc} (BACKUP_KEY)") from None
        except BaseException:
            shutil.rmtree(out, ignore_errors=True)
            raise
    return out / database, media


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

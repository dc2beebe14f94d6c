"""Backup and restore (issue 15): `manage.py backup` takes the database (SQLite online
backup API / pg_dump) and the media files; the backup is restored into a fresh database
and a fresh media directory as docs/deploy.md says, and every case, event, stored document,
case file PDF and uploaded attachment is found there (`manage.py backup --verify` on the
restored system agrees)."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from mediation.models import Attachment, Case, CaseEvent, Document

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def populate(world):
    # Transactional tests: every action commits and its on-commit hooks (the archive's
    # case file PDF) run, and the backup (another connection, or pg_dump) sees the rows.
    from tests.documents.test_records import client_for, pdf_bytes, upload

    mediating = None
    for state in ("registered", "mediating", "failed", "archived", "archived"):
        case = world.make_case(state)
        mediating = case if state == "mediating" else mediating
    r = upload(client_for(world.mediator), mediating, "evidence", "evidence.pdf", pdf_bytes())
    assert r.status_code == 201, r.content
    archived = list(Case.objects.filter(state="archived").exclude(case_file=""))
    assert len(archived) == 2
    stored = {d.file.name for d in Document.objects.all()}
    stored |= {a.file.name for a in Attachment.objects.all()}
    assert any(name.startswith("attachments/") for name in stored)
    return {
        "cases": set(Case.objects.values_list("number", flat=True)),
        "events": set(CaseEvent.objects.values_list("id", "type")),
        "files": {c.number: c.case_file.name for c in archived},
        "stored": stored,
    }


def decrypt(backup: Path, dest: Path) -> tuple[Path, Path]:
    """`manage.py restore` (the documented first step): the clear database and media."""
    call_command("restore", str(backup), "--to", str(dest), stdout=open(os.devnull, "w"))
    manifest = json.loads((backup / "manifest.json").read_text())
    return dest / manifest["database"], dest / "media"


def verify_with_manage_py(backup: Path, database_url: str, media_root: Path) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root)}
    env.pop("REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "backup", "--verify", str(backup)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def check_restored(cur, before, media_root: Path, placeholder="?"):
    cur.execute("SELECT number FROM mediation_case")
    assert {r[0] for r in cur.fetchall()} == before["cases"]
    cur.execute("SELECT id, type FROM mediation_caseevent")
    assert set(cur.fetchall()) == before["events"]
    cur.execute("SELECT number, case_file FROM mediation_case WHERE case_file <> ''")
    files = dict(cur.fetchall())
    assert files == before["files"]
    cur.execute("SELECT file FROM mediation_document UNION SELECT file FROM mediation_attachment")
    assert {r[0] for r in cur.fetchall()} == before["stored"]
    for name in [*files.values(), *before["stored"]]:
        data = (media_root / name).read_bytes()
        assert data == (Path(connection_media()) / name).read_bytes(), name


def connection_media():
    from django.conf import settings

    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_sqlite_backup_restores_every_case_event_and_file(world, media, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite online backup")
    before = populate(world)
    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    (backup,) = (tmp_path / "backups").iterdir()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["rows"]["mediation_case"] == 5
    # every stored file: case files, the documents store and attachments
    media_root = Path(connection_media())
    stored = {str(p.relative_to(media_root)) for p in media_root.rglob("*") if p.is_file()}
    assert set(before["files"].values()) | before["stored"] <= stored
    assert set(manifest["media"]) == stored

    # Restore: the database file is the backup (copied into place with the server stopped).
    restored, restored_media = decrypt(backup, tmp_path / "restored")
    db = sqlite3.connect(restored)
    try:
        check_restored(db.cursor(), before, restored_media)
    finally:
        db.close()
    out = verify_with_manage_py(backup, f"sqlite:///{restored}", restored_media)
    assert out.startswith("ok rows=")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_dump_restores_into_a_fresh_database(world, media, tmp_path):
    import psycopg

    from mediation.ops.backup import pg_env_and_args

    before = populate(world)
    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    (backup,) = (tmp_path / "backups").iterdir()
    settings_dict = connection.settings_dict
    fresh = f"{settings_dict['NAME']}_restore"
    env, args = pg_env_and_args(settings_dict)
    run = lambda *cmd: subprocess.run(cmd, env=env, check=True, capture_output=True)  # noqa: E731
    run("dropdb", "--if-exists", *args, fresh)
    run("createdb", *args, fresh)
    dump, restored_media = decrypt(backup, tmp_path / "restored")
    try:
        # The documented restore: pg_restore into an empty database.
        run(
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            *args,
            "-d",
            fresh,
            str(dump),
        )
        host, port = settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432
        user = settings_dict.get("USER") or "postgres"
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{password}" if password else user
        url = f"postgres://{auth}@{host}:{port}/{fresh}"
        with psycopg.connect(url) as db:
            check_restored(db.cursor(), before, restored_media)
            # The append-only trigger came back with the data.
            with pytest.raises(psycopg.errors.RaiseException):
                db.execute("UPDATE mediation_caseevent SET type = 'x'")
        out = verify_with_manage_py(backup, url, restored_media)
        assert out.startswith("ok rows=")
    finally:
        run("dropdb", "--if-exists", *args, fresh)


@pytest.mark.django_db(transaction=True)
def test_backup_is_encrypted_private_and_needs_its_key(world, media, tmp_path, settings):
    """Issue #30: the dump held 46 full ID numbers in a world-readable file."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite online backup (PostgreSQL: the test above restores it)")
    from tests.conftest import APPLICANT

    populate(world)
    os.umask(0o022)  # a usual umask: the backup must not depend on it
    call_command("backup", str(tmp_path / "backups"), stdout=open(os.devnull, "w"))
    (backup,) = (tmp_path / "backups").iterdir()
    assert backup.stat().st_mode & 0o777 == 0o700
    names = sorted(p.name for p in backup.iterdir())
    assert names == ["db.sqlite3.sm4", "manifest.json", "media.tar.gz.sm4"]
    for path in backup.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path
        data = path.read_bytes()
        assert APPLICANT["id_number"].encode() not in data
        assert b"SQLite format" not in data and not data.startswith(b"\x1f\x8b")
    # Another key: refused, and no partial clear output is left behind.
    settings.BACKUP_KEY = "ab" * 32
    with pytest.raises(CommandError, match="integrity"):
        call_command("restore", str(backup), "--to", str(tmp_path / "wrong"))
    assert not (tmp_path / "wrong").exists()

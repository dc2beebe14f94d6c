"""What several benches share: the PostgreSQL server they create their database on, a fresh
database there, and the removal of a SQLite file with its journal."""

import os

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def fresh_pg_database(name: str) -> str | None:
    """Drop and create `name`; None when PostgreSQL is not reachable, else the reason."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # no driver, no server, no rights: the bench skips this backend
        return f"{exc.__class__.__name__}: {exc}"
    return None


def remove_sqlite(path: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)

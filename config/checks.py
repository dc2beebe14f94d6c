"""Deployment checks for the security settings that Django's own --deploy checks miss."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError, connection

from config.db_roles import AUDIT_TABLE


@register(Tags.security, deploy=True)
def pii_key_is_not_the_default(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    if settings.PII_KEY == settings.DEV_PII_KEY:
        return [
            Error(
                "PII_KEY is the public development key: personal data would be encrypted "
                "with a key everyone knows.",
                hint="Set PII_KEY to 64 random hex digits (python -c 'import secrets; "
                "print(secrets.token_hex(32))') and keep it with the backups.",
                id="datiaojie.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def app_role_cannot_alter_the_audit(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """等保 2.0 level 3: an audit trail the application's own database role cannot alter.
    The owner of a table may disable its append-only trigger, so the role the application
    connects as must neither own the audit table nor be a superuser (docs/deploy.md §3)."""
    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT t.tableowner = current_user, r.rolsuper, current_user "
                "FROM pg_tables t, pg_roles r "
                "WHERE t.schemaname = current_schema() AND t.tablename = %s "
                "AND r.rolname = current_user",
                [AUDIT_TABLE],
            )
            row = cur.fetchone()
    except DatabaseError:
        return []  # not migrated or not reachable: other checks and `migrate` say so
    if row is None or not (row[0] or row[1]):
        return []
    why = "owns the audit table" if row[0] else "is a superuser"
    return [
        Warning(
            f"The application's database role {row[2]!r} {why} ({AUDIT_TABLE}): it could "
            "disable the append-only trigger and alter the audit trail.",
            hint="Run migrations as the owner role and the application as DB_APP_ROLE "
            "(docs/deploy.md §3).",
            id="datiaojie.W002",
        )
    ]

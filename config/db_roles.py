"""Two PostgreSQL roles (等保 2.0 level 3: an audit trail the application cannot alter).

The owner role runs the migrations and owns every table. The application's role
(DB_APP_ROLE; daphne and cron connect as it) gets data rights only, and on the audit table
`mediation_caseevent` only SELECT and INSERT: it cannot UPDATE, DELETE or TRUNCATE events,
and, not being the owner, cannot ALTER the table or disable its append-only trigger.

`grant_app_role` runs after every `migrate` when DB_APP_ROLE is set (post_migrate), and by
hand as `manage.py grant_app_role ROLE`. It never creates or drops roles: the DBA creates
the application role once (docs/deployment.md).
"""

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db import connection as default_connection
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "mediation_caseevent"
# Tables the application may only read and append to: the case trail and the admin log.
APPEND_ONLY = (AUDIT_TABLE, "django_admin_log")


def grant_app_role(role: str, connection: BaseDatabaseWrapper | None = None) -> None:
    connection = connection or default_connection
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    r = qn(role)
    with connection.cursor() as cur:
        cur.execute("SELECT current_user")
        owner = qn(cur.fetchone()[0])
        for sql in (
            f"GRANT USAGE ON SCHEMA public TO {r}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
            # Tables later migrations create get the same data rights.
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {r}",
        ):
            cur.execute(sql)
        # The audit trails: read and append, nothing else.
        for table in APPEND_ONLY:
            cur.execute(f"REVOKE ALL ON {qn(table)} FROM {r}")
            cur.execute(f"GRANT SELECT, INSERT ON {qn(table)} TO {r}")


def on_post_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    if settings.DB_APP_ROLE:
        grant_app_role(settings.DB_APP_ROLE, connections[using])

"""Make CaseEvent and AuditEvent append-only in PostgreSQL too, not only in the ORM.

Row UPDATE and DELETE are refused by a trigger. TRUNCATE is left to privileges (the
application's role should not hold it; see docs/deployment.md): test databases are
emptied with TRUNCATE between transactional tests. SQLite has no such trigger.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLES = ("mediation_caseevent", "mediation_auditevent")

UP = """
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
DOWN = """
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""


def up(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(UP.format(table=table), params=None)


def down(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(DOWN.format(table=table), params=None)


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_squashed_initial")]
    replaces = [
        ("mediation", "0002_caseevent_append_only_trigger"),
    ]
    operations = [migrations.RunPython(up, down)]

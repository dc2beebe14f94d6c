"""Make CaseEvent append-only in PostgreSQL too, not only in the ORM.

Row UPDATE and DELETE are refused by a trigger. TRUNCATE is left to privileges (the
application's role should not hold it; see docs/deployment.md): test databases are
emptied with TRUNCATE between transactional tests.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION mediation_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'mediation_caseevent is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER mediation_caseevent_no_update_delete
    BEFORE UPDATE OR DELETE ON mediation_caseevent
    FOR EACH ROW EXECUTE FUNCTION mediation_caseevent_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS mediation_caseevent_no_update_delete ON mediation_caseevent;
DROP FUNCTION IF EXISTS mediation_caseevent_append_only();
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_initial")]
    operations = [migrations.RunPython(up, down)]

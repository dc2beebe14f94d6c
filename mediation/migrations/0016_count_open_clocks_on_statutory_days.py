"""Open cases keep their whole clock (due_clock) and are counted again on the statutory
holidays of years the official calendar package does not know (a due date that fell on
2027-01-01 or 除夕 moves to the next working day); each change is a `case.updated` event."""

from django.db import migrations


def forwards(apps, schema_editor):
    from mediation.clock_migration import recompute_open_cases

    recompute_open_cases(
        apps.get_model("mediation", "Case"),
        apps.get_model("mediation", "CaseEvent"),
        apps.get_model("mediation", "CaseAccess"),
        apps.get_model("mediation", "Handoff"),
        reason="statutory_holidays",
    )


class Migration(migrations.Migration):
    dependencies = [("mediation", "0015_case_due_clock")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

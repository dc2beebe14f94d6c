"""Open cases move onto the legal clocks; each change is a `case.updated` event."""

from django.db import migrations


def forwards(apps, schema_editor):
    from mediation.clock_migration import recompute_open_cases

    recompute_open_cases(
        apps.get_model("mediation", "Case"),
        apps.get_model("mediation", "CaseEvent"),
        apps.get_model("mediation", "CaseAccess"),
        apps.get_model("mediation", "Handoff"),
    )


class Migration(migrations.Migration):
    dependencies = [("mediation", "0004_seed_time_limits")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

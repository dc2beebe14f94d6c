"""Seed TimeLimit with the law's values (DESIGN.md §3 "Legal clocks")."""

from django.db import migrations

from mediation.limits import SEEDED


def seed(apps, schema_editor):
    TimeLimit = apps.get_model("mediation", "TimeLimit")
    for network, category, stage, count, unit, start, extension, basis in SEEDED:
        TimeLimit.objects.update_or_create(
            network=network,
            category=category,
            stage=stage,
            defaults={
                "count": count,
                "unit": unit,
                "start": start,
                "extension": extension,
                "basis": basis,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("mediation", "TimeLimit").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("mediation", "0003_timelimit_holiday_case_clock")]

    operations = [migrations.RunPython(seed, unseed)]

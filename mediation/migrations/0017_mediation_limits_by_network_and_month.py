"""The mediation time limits by network (issue 27): people's mediation is "一般在一个月内"
(《人民调解工作若干规定》第三十三条, a calendar month, not 30 days under 第三十四条);
court (特邀调解) and lawyer mediation carry their own basis instead of the people's rule.
Only the seeded row is changed: a limit the administrator edited stays as it is."""

from django.db import migrations, models

# The rows as seeded, fixed here (not read from mediation.limits, which may change later).
PEOPLE_MEDIATION_BASIS = (
    "人民调解委员会调解纠纷，一般在一个月内调结（《人民调解工作若干规定》第三十三条）"
)
JUDICIAL_MEDIATION_BASIS = (
    "人民法院特邀调解的期限为30日，当事人同意延长的除外"
    "（《最高人民法院关于人民法院特邀调解的规定》，法释〔2016〕14号）"
)
LAWYER_MEDIATION_BASIS = (
    "律师调解参照特邀调解的期限，一般30日内调结，当事人同意延长的除外"
    "（《最高人民法院 司法部关于开展律师调解试点工作的意见》，司发通〔2017〕105号）"
)

OLD_PEOPLE_BASIS = (
    "人民调解委员会调解纠纷，一般在受理后30日（一个月）内调结（《人民调解工作若干规定》第三十四条）"
)


def forwards(apps, schema_editor):
    TimeLimit = apps.get_model("mediation", "TimeLimit")
    TimeLimit.objects.filter(
        network="", category="", stage="mediation", basis=OLD_PEOPLE_BASIS
    ).update(count=1, unit="month", basis=PEOPLE_MEDIATION_BASIS)
    for network, basis in (("judicial", JUDICIAL_MEDIATION_BASIS), ("lawyer", LAWYER_MEDIATION_BASIS)):
        TimeLimit.objects.get_or_create(
            network=network,
            category="",
            stage="mediation",
            defaults={
                "count": 30,
                "unit": "calendar",
                "start": "acceptance",
                "extension": 0,
                "basis": basis,
            },
        )


def backwards(apps, schema_editor):
    TimeLimit = apps.get_model("mediation", "TimeLimit")
    TimeLimit.objects.filter(
        network="", category="", stage="mediation", basis=PEOPLE_MEDIATION_BASIS
    ).update(count=30, unit="calendar", basis=OLD_PEOPLE_BASIS)
    TimeLimit.objects.filter(
        network__in=["judicial", "lawyer"], category="", stage="mediation"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("mediation", "0016_count_open_clocks_on_statutory_days")]

    operations = [
        migrations.AlterField(
            model_name="timelimit",
            name="unit",
            field=models.CharField(
                choices=[("calendar", "日"), ("working", "工作日"), ("month", "个月")],
                default="calendar",
                max_length=8,
                verbose_name="单位",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]

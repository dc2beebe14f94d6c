"""System checks (`manage.py check`): a year whose official calendar nobody entered."""

from django.core.checks import Warning, register
from django.db import DatabaseError


@register()
def official_calendar(app_configs=None, **kwargs):
    from mediation.law import clocks

    try:
        warnings = clocks.calendar_warnings()
    except DatabaseError:  # not migrated yet: nothing runs on a clock
        return []
    return [
        Warning(
            text,
            hint="Add the State Council's holiday arrangement as Holiday rows in the admin, "
            "or upgrade chinesecalendar.",
            id="mediation.W001",
        )
        for text in warnings
    ]

"""System checks (`manage.py check`): a year whose official calendar nobody entered."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError

from mediation.law import clocks


@register()
def official_calendar(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
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

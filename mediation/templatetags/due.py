"""`{{ when|due_note }}`: the estimate's words beside a due date counted in a year whose
holiday arrangement is not published (DESIGN §12.1), so every user who sees it is told."""

import datetime as dt

from django import template

from mediation.law import clocks

register = template.Library()


@register.filter
def due_note(due: dt.datetime | None) -> str:
    return clocks.unconfirmed_note(due) if isinstance(due, dt.datetime) else ""

"""`{% due_note when %}`: the estimate's words beside a due date counted in a year whose
holiday arrangement is not published (DESIGN §12.1), so every user who sees it is told."""

import datetime as dt

from django import template
from django.utils.html import format_html

from mediation.law import clocks

register = template.Library()


@register.simple_tag
def due_note(due: dt.datetime | None) -> str:
    note = clocks.unconfirmed_note(due) if isinstance(due, dt.datetime) else ""
    return format_html(' <small class="due-note">{}</small>', note) if note else ""

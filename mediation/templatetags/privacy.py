"""`{{ text|private:full }}`: free text (facts, claims, session records, notes) shown in
full to whoever handles the case, and with ID and phone numbers masked to everyone else
who may see the case (a supervisor, an organisation that handled it before), DESIGN §9."""

from django import template

from mediation.law.identity import mask_free_text

register = template.Library()


@register.filter
def private(text: object, full: bool) -> object:
    if full or not isinstance(text, str):
        return text
    return mask_free_text(text)

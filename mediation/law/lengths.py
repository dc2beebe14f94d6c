"""Text lengths that fit their use (DESIGN.md §9): one table read by the models, the
service forms, the API serializers and the page forms, so a list or a PDF is never blown
up by input and every door answers with the same Chinese message."""

from typing import Any

from django.utils.translation import gettext_lazy as _

NAME = 50  # a person's or an organisation's name
SUMMARY = 5000  # the facts of the dispute
CLAIMS = 2000
REGION = 50
ADDRESS = 200
ETHNICITY = 20
REPRESENTATIVE = 50
PHONE = 30
PETITION_NUMBER = 64
NOTE = 2000

MESSAGES = {
    "max_length": _("最多%(limit_value)d个字（现有%(show_value)d个）"),
}


def error_messages(**extra: Any) -> dict[str, Any]:
    """error_messages= for a length-limited field (Django forms and DRF fields alike)."""
    return {**MESSAGES, **extra}

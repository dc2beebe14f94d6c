"""Archive hook: the case file is generated after the archive transition commits and
stored in `Case.case_file`."""

import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from .. import services

log = logging.getLogger(__name__)


def store_case_file(case) -> str:
    """Render the case file and store it; returns the storage name. The FSM field is
    protected, so the name is written with a queryset update, not a model save."""
    from ..models import Case
    from . import render

    case = Case.objects.select_related("org", "mediator").get(pk=case.pk)
    pdf = render("case_file", case)
    year = timezone.localtime(case.archived_at or timezone.now()).year
    name = default_storage.save(f"case_files/{year}/case-{case.pk}.pdf", ContentFile(pdf))
    Case.objects.filter(pk=case.pk).update(case_file=name)
    return name


@services.on_transition("archive")
def _on_archive(case):
    try:
        store_case_file(case)
    except Exception:  # the archive has committed; a failed PDF must not hide that
        log.exception("case file for case %s could not be generated", case.pk)

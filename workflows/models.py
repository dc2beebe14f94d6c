"""Process and task rows of the cross-agency flows (DESIGN.md §4).

viewflow keeps its own Process/Task tables; these multi-table subclasses add what the
domain needs to route and sweep a task: the case, the receiving organisation, the due
date and the decision taken. Only human tasks carry a `kind` (the task type of §6);
start, gateway and end rows leave it blank.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediation.models import Case, Handoff, Organization

# viewflow is untyped, so the stubs' plugin sees no model here: the fields say their types.


class CaseProcess(Process):
    case: models.ForeignKey[Case, Case] = models.ForeignKey(
        "mediation.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="processes",
    )
    # Every flow opens its handoff when it starts (null only in the column).
    handoff: models.OneToOneField[Handoff | None, Handoff] = models.OneToOneField(
        "mediation.Handoff",
        verbose_name=_("衔接"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="process",
    )

    class Meta:
        verbose_name = _("衔接流程")
        verbose_name_plural = _("衔接流程")


class CaseTask(Task):
    kind: models.CharField[str, str] = models.CharField(
        _("任务类型"), max_length=40, blank=True, db_index=True
    )
    case: models.ForeignKey[Case | None, Case | None] = models.ForeignKey(
        "mediation.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    org: models.ForeignKey[Organization | None, Organization | None] = models.ForeignKey(
        "mediation.Organization",
        verbose_name=_("承办组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    due_at: models.DateTimeField[dt.datetime | None, dt.datetime | None] = models.DateTimeField(
        _("期限"), null=True, blank=True
    )
    decision = models.JSONField(_("处理决定"), default=dict, blank=True)
    completed_by: models.ForeignKey[User | None, User | None] = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("衔接任务")
        verbose_name_plural = _("衔接任务")
        indexes = [models.Index(fields=["org", "kind"])]

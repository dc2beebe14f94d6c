"""Process and task rows of the cross-agency flows (DESIGN.md §4).

viewflow keeps its own Process/Task tables; these multi-table subclasses add what the
domain needs to route and sweep a task: the case, the receiving organisation, the due
date and the decision taken. Only human tasks carry a `kind` (the task type of §6);
start, gateway and end rows leave it blank.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process, Task


class CaseProcess(Process):
    case = models.ForeignKey(
        "mediation.Case",
        verbose_name=_("案件"),
        on_delete=models.PROTECT,
        related_name="processes",
    )
    handoff = models.OneToOneField(
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
    kind = models.CharField(_("任务类型"), max_length=40, blank=True, db_index=True)
    case = models.ForeignKey(
        "mediation.Case",
        verbose_name=_("案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    org = models.ForeignKey(
        "mediation.Organization",
        verbose_name=_("承办组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    decision = models.JSONField(_("处理决定"), default=dict, blank=True)
    completed_by = models.ForeignKey(
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

"""The audit trail and outbox (CaseEvent, DESIGN.md §5), and which alerts a user has read."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law.choices import EventType

from .append_only import AppendOnly
from .case import Case


class CaseEvent(AppendOnly):
    """Audit trail and outbox. Id order is commit order (see mediation.events)."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(_("事件"), max_length=32, choices=EventType.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("案件事件")
        verbose_name_plural = _("案件事件")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["case", "id"]),
            # the alerts banner on every page: recent events of the alert types
            models.Index(fields=["type", "at"], name="caseevent_type_at"),
        ]


class AlertRead(models.Model):
    """A user has read (acknowledged) one alert: a deadline or risk event stays in their
    banner and nav counter until then (DESIGN.md §3: a banner that stays until
    acknowledged, not a flash)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        verbose_name = _("提醒已读")
        verbose_name_plural = _("提醒已读")
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="alert_read_once"),
        ]

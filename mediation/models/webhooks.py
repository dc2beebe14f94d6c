"""Webhook endpoints and their deliveries (DESIGN.md §12.3): for systems that cannot hold a
socket. Delivery state lives here, in the database, so nothing is lost across restarts:
`cursor` is the last outbox id the endpoint is done with (delivered, given up, or not its
event), and a pending `WebhookDelivery` row is the one event it is retrying."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .crypto import EncryptedCharField
from .events import CaseEvent
from .organisations import Organization


class Webhook(models.Model):
    url = models.URLField(_("接收地址"), max_length=500)
    # event types, or ["*"] for every type
    events = models.JSONField(_("事件类型"), default=list)
    # SM4 at rest; the signing key, never shown again after creation
    secret = EncryptedCharField(_("签名密钥"), max_length=200)
    # None: the whole district (a supervisor's view); else what that organisation may see
    org = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("组织"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    cursor = models.BigIntegerField(default=0)
    # which worker delivers for this endpoint now (one at a time: order per endpoint)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("Webhook")
        verbose_name_plural = _("Webhook")
        ordering = ["id"]


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待重试")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("已放弃")


class WebhookDelivery(models.Model):
    id = models.BigAutoField(primary_key=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices)
    attempts = models.PositiveIntegerField(default=0)
    first_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event"], name="webhook_event_once"),
        ]
        indexes = [models.Index(fields=["webhook", "status"], name="webhook_delivery_status")]

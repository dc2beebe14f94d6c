"""The parties' own door (DESIGN.md §12.2): one-time sign-in codes, the sessions they open,
and the text messages the system sends (an outbox: a message the gateway did not take stays
queued and is retried, never lost)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .case import Case
from .crypto import EncryptedCharField


class PartyCode(models.Model):
    """A six-digit code asked for a phone number. A row is written for every request,
    whether or not the phone is on a case (only a known phone gets the message), so a wrong
    code, an expired one and a locked one answer alike for any number."""

    phone_digest = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("当事人验证码")
        verbose_name_plural = _("当事人验证码")
        ordering = ["-id"]


class PartySession(models.Model):
    """A signed-in phone: the key is kept only as its hash."""

    key_hash = models.CharField(max_length=64, unique=True)
    phone_digest = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("当事人登录")
        verbose_name_plural = _("当事人登录")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class SmsMessage(models.Model):
    phone = EncryptedCharField(_("手机号码"), max_length=30)
    text = models.CharField(_("内容"), max_length=70)
    purpose = models.CharField(max_length=16)  # code | notice
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="sms_messages"
    )
    status = models.CharField(max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_due")]


class SignedDocument(models.TextChoices):
    AGREEMENT = "agreement", _("调解协议书")
    CONFIRMATION_APPLICATION = "confirmation_application", _("司法确认申请书")


class SignMethod(models.TextChoices):
    ONLINE = "online", _("网上签署")
    PAPER = "paper", _("纸质签署")


class PartySignature(models.Model):
    """A party's confirmation of a document's text: online (the signature image as PNG, with
    the time, the address and the SHA-256 of the text read) or on paper (the scan recorded
    by the mediator). It holds only for the text it names: a corrected text has another
    hash, and the party is asked again."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="party_signatures")
    party = models.ForeignKey(
        "mediation.Party", on_delete=models.PROTECT, related_name="signatures"
    )
    document = models.CharField(max_length=32, choices=SignedDocument.choices)
    method = models.CharField(max_length=8, choices=SignMethod.choices)
    text_sha256 = models.CharField(max_length=64)
    image = models.FileField(max_length=200, blank=True)
    attachment = models.ForeignKey(
        "mediation.Attachment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    address = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("当事人签署")
        verbose_name_plural = _("当事人签署")
        ordering = ["id"]

"""Before and beside the dispute: screening rounds (排查) and what they found, and legal
consultations (法律咨询)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law.choices import Category, Channel, ConsultationTopic, RiskLevel

from .case import Case
from .crypto import EncryptedCharField, LookupDigestField
from .organisations import Organization


class ScreeningRound(models.Model):
    """One screening round of a committee (矛盾纠纷排查): where it looked and what it found."""

    org = models.ForeignKey(
        Organization, verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("排查开始日期"))
    period_end = models.DateField(_("排查结束日期"))
    places = models.TextField(_("排查地点"), max_length=2000)
    note = models.TextField(_("备注"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("矛盾纠纷排查")
        verbose_name_plural = _("矛盾纠纷排查")
        ordering = ["-period_end", "-id"]
        indexes = [models.Index(fields=["org", "period_end"])]


class ScreeningFinding(models.Model):
    """A dispute found in a round; registering it makes a `proactive` case and keeps the link."""

    round = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="found")
    position = models.PositiveSmallIntegerField(default=0)
    summary = models.TextField(_("纠纷简况"), max_length=5000)
    category = models.CharField(_("纠纷类型"), max_length=32, choices=Category.choices)
    risk = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices)
    # Optional registration-shaped parties, so a finding can become a case in one call.
    parties = models.JSONField(default=list, blank=True)
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="screening_finding"
    )

    class Meta:
        verbose_name = _("排查发现的纠纷")
        verbose_name_plural = _("排查发现的纠纷")
        ordering = ["round", "position", "id"]


class Consultation(models.Model):
    """A 12348 hotline or window consultation (法律咨询); may become a case."""

    org = models.ForeignKey(
        Organization, verbose_name=_("受理机构"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=32, choices=Channel.choices)
    topic = models.CharField(_("咨询类别"), max_length=32, choices=ConsultationTopic.choices)
    category = models.CharField(_("涉及纠纷类型"), max_length=32, choices=Category.choices)
    question = models.TextField(_("咨询问题"), max_length=5000)
    answer = models.TextField(_("解答内容"), max_length=5000)
    caller_name = models.CharField(_("来电（访）人"), max_length=50, blank=True)
    caller_phone = EncryptedCharField(_("联系电话"), max_length=30)
    caller_phone_digest = LookupDigestField(source="caller_phone", kind="phone")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="consultation"
    )

    class Meta:
        verbose_name = _("法律咨询")
        verbose_name_plural = _("法律咨询")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "created_at"])]

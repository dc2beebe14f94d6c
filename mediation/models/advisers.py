"""Village legal advisers (村（居）法律顾问, DESIGN §12.4): who they are, the villages each
serves, and the duty days and services they record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law.advisers import AdviserKind, AdviserServiceKind

from .organisations import Organization


class LegalAdviser(models.Model):
    # The account the adviser records services with from a phone (role legal_adviser);
    # an adviser may be registered before they have one.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_adviser",
    )
    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("类别"), max_length=20, choices=AdviserKind.choices)
    licence_number = models.CharField(_("执业证号"), max_length=30, blank=True)
    workplace = models.CharField(_("执业机构"), max_length=100, blank=True)
    # The organisation that arranges the adviser (a township's 司法所): its region bounds
    # the villages they may serve.
    org = models.ForeignKey(
        Organization, verbose_name=_("安排单位"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("村（居）法律顾问")
        verbose_name_plural = _("村（居）法律顾问")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AdviserVillage(models.Model):
    adviser = models.ForeignKey(LegalAdviser, on_delete=models.CASCADE, related_name="villages")
    village = models.ForeignKey(
        Organization,
        verbose_name=_("村（社区）"),
        on_delete=models.PROTECT,
        related_name="adviser_links",
    )
    since = models.DateField(_("服务起始日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("法律顾问服务村（社区）")
        verbose_name_plural = _("法律顾问服务村（社区）")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["adviser", "village"], name="adviser_village_unique")
        ]


class AdviserService(models.Model):
    """A duty day or a service, recorded by the adviser."""

    adviser = models.ForeignKey(LegalAdviser, on_delete=models.PROTECT, related_name="services")
    kind = models.CharField(_("服务类型"), max_length=20, choices=AdviserServiceKind.choices)
    on = models.DateField(_("日期"))
    village = models.ForeignKey(
        Organization, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    people = models.PositiveIntegerField(_("服务人次"), default=0)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("法律顾问服务记录")
        verbose_name_plural = _("法律顾问服务记录")
        ordering = ["-on", "-id"]
        indexes = [models.Index(fields=["on", "kind"], name="adviser_service_on_kind")]
        constraints = [
            # one duty day per adviser and date, so duty days count once
            models.UniqueConstraint(
                fields=["adviser", "on"],
                condition=models.Q(kind="duty"),
                name="adviser_duty_once_a_day",
            )
        ]

"""Organisations (the networks' committees, courts, bureaus and their parents) and who
works in each, with which role (DESIGN.md §1)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law.choices import KIND_NETWORK, ArbitrationScope, Network, OrgKind, Role


# viewflow ships no types: the plugin finds no manager for workflows' tasks (org.tasks).
class Organization(models.Model):  # type: ignore[django-manager-missing]
    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_code = models.CharField(
        _("简称代字"), max_length=8, unique=True, help_text=_("用于案号，如“红”")
    )
    kind = models.CharField(_("类型"), max_length=32, choices=OrgKind.choices)
    # Derived from kind on save; stored so that queues and statistics can filter on it.
    network = models.CharField(
        _("调解类型"), max_length=16, choices=Network.choices, blank=True, editable=False
    )
    subtype = models.CharField(
        _("细分"), max_length=32, blank=True, help_text=_("村/社区/乡镇/行业专业（医疗、交通…）")
    )
    region = models.CharField(_("所属乡镇（街道）"), max_length=50, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    # Courts only: the code of the court in its case numbers (（2026）宁0303民初7号, 民特 too),
    # as the Supreme People's Court assigns it; a tribunal numbers under its basic court's.
    court_code = models.CharField(
        _("法院代字"),
        max_length=16,
        blank=True,
        help_text=_("人民法院案号中的法院代字，如“宁0303”"),
    )
    # Arbitration commissions only: which disputes they hear (labour, land contract, commercial).
    scope = models.CharField(
        _("仲裁范围"), max_length=16, choices=ArbitrationScope.choices, blank=True
    )

    # Courts only: whether this court takes applications to confirm an administrative
    # organ's mediation agreement — each court's practice, not a rule of law.
    confirms_admin_agreements = models.BooleanField(
        _("受理行政调解协议的司法确认申请"), default=True
    )

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.network = KIND_NETWORK[OrgKind(self.kind)] if self.is_mediating else ""
        super().save(*args, **kwargs)

    @property
    def is_mediating(self) -> bool:
        return self.kind in KIND_NETWORK

    @property
    def basic_court(self) -> "Organization":
        """The court whose name, seal and numbers a tribunal (人民法庭) acts under: a
        tribunal is part of its basic court, not a court of its own (人民法院组织法 第二十六条)."""
        parent = self.parent
        if self.kind == OrgKind.COURT and parent is not None and parent.kind == OrgKind.COURT:
            return parent
        return self


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    org = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("成员与角色")
        verbose_name_plural = _("成员与角色")
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.org} ({self.get_role_display()})"


class OrganRemit(models.Model):
    """What an administrative organ of one kind (Organization.subtype) may mediate: the
    dispute categories within its statutory remit, editable by an administrator."""

    subtype = models.CharField(_("行政机关类别"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    categories = models.JSONField(_("可调解的纠纷类别"), default=list)
    basis = models.CharField(_("依据"), max_length=300)

    class Meta:
        verbose_name = _("行政调解职责范围")
        verbose_name_plural = _("行政调解职责范围")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

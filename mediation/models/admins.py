"""三员分立 (DESIGN §12.5): administrator role and second-factor changes wait for a second
administrator's confirmation, and a second factor is enrolled by its owner through a
one-time link (config.separation holds the rules)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AdminChange(models.Model):
    """A change to an account's administrator role or second factor, requested by the
    security administrator; it takes effect only when another administrator confirms."""

    class Kind(models.TextChoices):
        GRANT_ROLE = "grant_role", _("授予管理员角色")
        REVOKE_ROLE = "revoke_role", _("撤销管理员角色")
        RESET_FACTOR = "reset_factor", _("重新绑定动态口令")

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("已驳回")

    kind = models.CharField(_("变更"), max_length=20, choices=Kind.choices)
    target = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.PROTECT,
        related_name="admin_changes",
    )
    role = models.CharField(_("管理员角色"), max_length=20, blank=True)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("管理员变更")
        verbose_name_plural = _("管理员变更")


class FactorEnrolment(models.Model):
    """A one-time link with which an account's owner enrols their own TOTP device: the key
    is generated when the owner opens it, signed in as themselves, and shown only to them.
    Only the token's hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="factor_enrolments"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    change = models.ForeignKey(
        AdminChange, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("动态口令绑定链接")
        verbose_name_plural = _("动态口令绑定链接")

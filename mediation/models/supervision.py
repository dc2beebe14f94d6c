"""Supervision records of DESIGN.md §8: the mediator roster, complaints against mediators
or organisations, the negative list (不良执业信息) and the audit rows of actions that are
not about one case (exports, complaint handling).

Imported by mediation.models so that Django registers them with the app.
"""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from .append_only import AppendOnly
from .crypto import EncryptedCharField

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class EmploymentKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")


class MediatorKind(models.TextChoices):
    STAFF = "staff", _("专职调解员")
    PART_TIME = "part_time", _("兼职调解员")
    LEGAL_LITERATE = "legal_literate", _("法律明白人")
    RETIRED_JUDICIAL = "retired_judicial", _("退休法官、检察官")
    LAWYER = "lawyer", _("律师")
    VILLAGE_COUNSEL = "village_counsel", _("村（居）法律顾问")


class MediatorProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调解员"),
        on_delete=models.CASCADE,
        related_name="mediator_profile",
    )
    employment = models.CharField(
        _("专兼职"), max_length=16, choices=EmploymentKind.choices, default="part_time"
    )
    kind = models.CharField(
        _("调解员类别"), max_length=32, choices=MediatorKind.choices, default="part_time"
    )
    # Category codes kept as ",labor,medical," so one indexed-free LIKE finds a specialty
    # on SQLite and PostgreSQL alike (JSON containment is not available on SQLite).
    specialties = models.CharField(_("专长"), max_length=400, blank=True, default="")
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("调解员名册")
        verbose_name_plural = _("调解员名册")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def specialty_list(self) -> list[str]:
        return [s for s in self.specialties.split(",") if s]

    def set_specialties(self, codes: Iterable[str]) -> None:
        codes = [c for c in dict.fromkeys(codes) if c]
        self.specialties = "," + ",".join(codes) + "," if codes else ""


class ComplaintState(models.TextChoices):
    RECEIVED = "received", _("已收到")
    INVESTIGATING = "investigating", _("调查中")
    UPHELD = "upheld", _("投诉成立")
    DISMISSED = "dismissed", _("投诉不成立")


class Complaint(ConcurrentTransitionMixin, models.Model):
    """A complaint about a mediator or a mediation organisation. State changes only through
    mediation.supervision.complaints.perform (one transaction, one AuditEvent each)."""

    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("被投诉调解员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    org = models.ForeignKey(
        "mediation.Organization",
        verbose_name=_("被投诉组织"),
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    case = models.ForeignKey(
        "mediation.Case",
        verbose_name=_("相关案件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    complainant = models.CharField(_("投诉人"), max_length=50)
    contact = EncryptedCharField(_("联系方式"), max_length=30)  # SM4 at rest (DESIGN §9)
    facts = models.TextField(_("投诉事实"), max_length=4000)
    state = FSMField(
        _("状态"),
        max_length=16,
        choices=ComplaintState.choices,
        default=ComplaintState.RECEIVED,
        protected=True,
    )
    received_at = models.DateTimeField(_("收到时间"))
    due_at = models.DateTimeField(_("办理期限"))
    due_basis = models.CharField(_("期限依据"), max_length=200, blank=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    conclusion = models.TextField(_("处理结论"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "due_at"]), models.Index(fields=["mediator"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.complainant}"

    @transition(field=state, source=ComplaintState.RECEIVED, target=ComplaintState.INVESTIGATING)
    def investigate(self, *, at: dt.datetime, handler: "User") -> None:
        self.handler = handler

    @transition(field=state, source=ComplaintState.INVESTIGATING, target=ComplaintState.UPHELD)
    def uphold(self, *, at: dt.datetime, conclusion: str) -> None:
        self.conclusion = conclusion
        self.closed_at = at

    @transition(
        field=state,
        source=[ComplaintState.RECEIVED, ComplaintState.INVESTIGATING],
        target=ComplaintState.DISMISSED,
    )
    def dismiss(self, *, at: dt.datetime, conclusion: str) -> None:
        self.conclusion = conclusion
        self.closed_at = at


class NegativeListEntry(models.Model):
    """不良执业信息: who (a mediator and/or an organisation), what, when, until when."""

    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调解员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="negative_entries",
    )
    org = models.ForeignKey(
        "mediation.Organization",
        verbose_name=_("组织"),
        on_delete=models.PROTECT,
        related_name="negative_entries",
    )
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("来源投诉"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="negative_entries",
    )
    conduct = models.CharField(_("不良执业行为"), max_length=500)
    occurred_on = models.DateField(_("发生日期"))
    until = models.DateField(_("公示截止"))
    created_at = models.DateTimeField(_("记录时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("不良执业信息")
        verbose_name_plural = _("不良执业信息")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["mediator", "until"]), models.Index(fields=["until"])]

    def __str__(self) -> str:
        return self.conduct


class AuditEvent(AppendOnly):
    """Append-only audit of actions that concern no single case: exports (with their
    filters and row counts) and complaint handling. CaseEvent cannot hold them — its case
    is required and every row is pushed to the case's sockets."""

    id = models.BigAutoField(primary_key=True)
    type = models.CharField(_("事件"), max_length=40)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    payload = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")
        ordering = ["id"]
        indexes = [models.Index(fields=["type", "id"])]


class CaseStatMonth(models.Model):
    """Pre-aggregated figures of the cases registered in one month (Asia/Shanghai), one
    network and one township: `dim` "" holds the totals; "channel" and "category" rows
    hold one distribution key each. Kept current from the CaseEvent outbox by
    mediation.supervision.statcache so the district summary reads thousands of rows, not
    millions."""

    month = models.DateField()
    network = models.CharField(max_length=16)
    region = models.CharField(max_length=50)
    dim = models.CharField(max_length=16)
    key = models.CharField(max_length=32)
    n = models.IntegerField(default=0)
    agreed = models.IntegerField(default=0)
    ended = models.IntegerField(default=0)
    confirmation_requested = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)
    priority = models.IntegerField(default=0)
    amount_cases = models.IntegerField(default=0)
    amount_sum = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    closed = models.IntegerField(default=0)
    close_seconds = models.FloatField(default=0)
    followed_up = models.IntegerField(default=0)
    performed = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "network", "region"])]


class StatCursor(models.Model):
    """The last CaseEvent folded into CaseStatMonth; one row, locked while refreshing."""

    last_event = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)

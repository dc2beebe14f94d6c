"""Cross-agency handoffs (DESIGN.md §4) and the deadlines the sweep announces once each."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law.choices import HandoffKind, HandoffStatus

from .case import Case
from .organisations import Organization

# The handoffs whose external_number the partner issues and which identify one case.
NUMBERED_KINDS = (
    HandoffKind.PETITION,
    HandoffKind.COURT_REFERRAL,
    HandoffKind.CONFIRMATION,
    HandoffKind.POLICE,  # the station's 接处警 number
)


class Handoff(models.Model):
    """A cross-agency handoff (§4): the partner organisation, its number and deadline.

    The viewflow process in `workflows/` drives it; this row is the domain's view of it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handoffs")
    kind = models.CharField(_("类型"), max_length=32, choices=HandoffKind.choices)
    org = models.ForeignKey(
        Organization, verbose_name=_("对接机构"), on_delete=models.PROTECT, related_name="handoffs"
    )
    external_number = models.CharField(_("对方编号"), max_length=64, blank=True)
    due_at = models.DateTimeField(_("期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=HandoffStatus.choices, default=HandoffStatus.OPEN
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("结果"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("衔接")
        verbose_name_plural = _("衔接")
        ordering = ["id"]
        constraints = [
            # The partner's own number (信访件编号, 委派/委托编号, 民特 number, 接处警编号) names
            # one case per issuing organisation (DESIGN.md §12.3): retries never duplicate.
            models.UniqueConstraint(
                fields=["org", "kind", "external_number"],
                condition=models.Q(kind__in=NUMBERED_KINDS) & ~models.Q(external_number=""),
                name="handoff_number_once",
            )
        ]


class Deadline(models.Model):
    """One row per deadline that the sweep has announced; the unique key makes the
    sweep idempotent: an event is emitted only by the insert that wins."""

    key = models.CharField(max_length=120)
    kind = models.CharField(max_length=16)  # approaching | overdue
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    due_at = models.DateTimeField()
    emitted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "kind"], name="deadline_once")]

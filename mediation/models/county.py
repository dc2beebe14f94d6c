"""The county bureau's year (DESIGN §12.4): case subsidies (以案定补) — the yearly standard,
each case's grade, the ledger of what is owed per month, and each organisation's monthly
sheet with its approval — and mediator training with the yearly assessment (考评)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law.indicators import IndicatorMetric
from mediation.law.subsidies import SubsidyGrade, SubsidyMonthStatus
from mediation.law.training import MediatorAssessment

from .case import Case
from .organisations import Organization


def _money(label: str) -> models.DecimalField:
    return models.DecimalField(_(label), max_digits=10, decimal_places=2)


class SubsidyStandard(models.Model):
    """The county's subsidy per case grade for one year, and the extras a case earns."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    simple = _money("简易")
    general = _money("一般")
    difficult = _money("疑难")
    major = _money("重大")
    extra_written = _money("书面协议加发")
    extra_confirmation = _money("司法确认加发")
    extra_priority = _money("优先群体当事人加发")
    extra_cross_township = _money("跨乡镇纠纷加发")
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("以案定补标准")
        verbose_name_plural = _("以案定补标准")
        ordering = ["-year"]


class CaseSubsidy(models.Model):
    """A case's current grade, as the head set it (the ledger holds what it was paid)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="subsidy")
    grade = models.CharField(_("案件等级"), max_length=16, choices=SubsidyGrade.choices)
    proposed = models.CharField(_("建议等级"), max_length=16, choices=SubsidyGrade.choices)
    reason = models.CharField(_("调整理由"), max_length=500, blank=True)
    cross_township = models.BooleanField(_("跨乡镇纠纷"), default=False)
    amount = _money("补贴金额")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = _("案件补贴等级")
        verbose_name_plural = _("案件补贴等级")


class SubsidyLine(models.Model):
    """One entry of the ledger: a case's subsidy (or a change to it) counted in a month.
    Lines are never edited; a change writes a line with the difference, in the case's own
    month while that is still open, else in the month of the change."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="subsidy_lines")
    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("月份"))  # the first of the month
    grade = models.CharField(_("案件等级"), max_length=16, choices=SubsidyGrade.choices)
    base = _money("等级补贴")
    extras = _money("加发")
    amount = _money("金额")  # base + extras, less what earlier lines of the case paid
    adjustment = models.BooleanField(_("更正"), default=False)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("补贴明细")
        verbose_name_plural = _("补贴明细")
        ordering = ["month", "id"]
        indexes = [
            models.Index(fields=["month", "org"], name="subsidyline_month_org"),
            models.Index(fields=["case", "id"], name="subsidyline_case"),
        ]


class SubsidyMonth(models.Model):
    """An organisation's sheet for one month: submitted by its head, approved (then frozen)
    or returned by the supervisor."""

    org = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("月份"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=SubsidyMonthStatus.choices,
        default=SubsidyMonthStatus.OPEN,
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True)
    return_reason = models.CharField(_("退回理由"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("月度补贴表")
        verbose_name_plural = _("月度补贴表")
        constraints = [models.UniqueConstraint(fields=["org", "month"], name="subsidymonth_unique")]


class TrainingSession(models.Model):
    """A training the bureau (or a township office) held for mediators (《人民调解法》第十四条)."""

    topic = models.CharField(_("培训主题"), max_length=100)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    trainer = models.CharField(_("授课人"), max_length=50)
    held_on = models.DateField(_("培训日期"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("调解员培训")
        verbose_name_plural = _("调解员培训")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["held_on"], name="training_held_on")]


class TrainingAttendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendance"
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trainings_attended"
    )

    class Meta:
        verbose_name = _("培训出勤")
        verbose_name_plural = _("培训出勤")
        constraints = [
            models.UniqueConstraint(fields=["session", "mediator"], name="attendance_once")
        ]


class MediatorGrade(models.Model):
    """The supervisor's yearly assessment of a mediator (考评)."""

    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("考评等次"), max_length=32, choices=MediatorAssessment.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = _("调解员考评")
        verbose_name_plural = _("调解员考评")
        constraints = [
            models.UniqueConstraint(fields=["mediator", "year"], name="assessment_once_a_year")
        ]


class Indicator(models.Model):
    """One of the plan's targets for a year (附件2 指标) and the figure it is measured by."""

    year = models.PositiveSmallIntegerField(_("年度"))
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("指标"), max_length=100)
    metric = models.CharField(_("计算口径"), max_length=32, choices=IndicatorMetric.choices)
    target = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=8)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("规划指标")
        verbose_name_plural = _("规划指标")
        ordering = ["year", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="indicator_unique")]

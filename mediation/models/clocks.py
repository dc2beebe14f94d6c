"""The two tables behind the legal clocks (DESIGN.md §3 "Legal clocks"): `TimeLimit`,
every time limit with its legal basis, and `Holiday`, the administrator's corrections
to the official calendar. `mediation.law.clocks` reads both (cached per process)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.law.choices import Category, Network
from mediation.law.days import FIRST_YEAR, LAST_YEAR, statutory_rest_days
from mediation.law.limits import Stage, StartEvent, Unit


class TimeLimit(models.Model):
    network = models.CharField(
        _("调解类型"), max_length=16, choices=Network.choices, blank=True, help_text=_("空=不限")
    )
    category = models.CharField(
        _("纠纷类型"), max_length=32, choices=Category.choices, blank=True, help_text=_("空=不限")
    )
    stage = models.CharField(_("环节"), max_length=32, choices=Stage.choices)
    count = models.IntegerField(_("期限"))
    unit = models.CharField(_("单位"), max_length=8, choices=Unit.choices, default=Unit.CALENDAR)
    start = models.CharField(_("起算"), max_length=32, choices=StartEvent.choices)
    extension = models.PositiveIntegerField(
        _("可延长"), default=0, help_text=_("经批准可延长一次的最长期限（同一单位），0=不可延长")
    )
    basis = models.CharField(_("法律依据"), max_length=300)

    class Meta:
        verbose_name = _("法定期限")
        verbose_name_plural = _("法定期限")
        ordering = ["stage", "network", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "category", "stage"], name="time_limit_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.count}{self.get_unit_display()}"

    def clean(self) -> None:
        errors = {}
        if self.count is None or self.count <= 0:
            errors["count"] = _("期限须为正整数")
        if not (self.basis or "").strip():
            errors["basis"] = _("请填写法律依据（法律名称及条文）")
        if errors:
            raise ValidationError(errors)


class Holiday(models.Model):
    """One day whose status differs from (or is missing in) the official calendar the
    `chinese-calendar` package ships: a statutory rest day, or a weekend day worked in
    exchange (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(
        _("工作日"), help_text=_("勾选：该日上班（如调休的周末）；不勾选：该日休息（法定节假日）")
    )
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_working_day else '休息'}"

    def clean(self) -> None:
        if self.date is None or self.is_working_day is None:
            return
        if not FIRST_YEAR <= self.date.year <= LAST_YEAR:
            raise ValidationError(
                {"date": _("日期须在 %(a)d 年至 %(b)d 年之间") % {"a": FIRST_YEAR, "b": LAST_YEAR}}
            )
        # 《全国年节及纪念日放假办法》第二条: a statutory holiday is a rest day for everyone;
        # marking one a working day needs the arrangement that says so.
        if (
            self.is_working_day
            and not self.note
            and self.date in statutory_rest_days(self.date.year)
        ):
            raise ValidationError(
                {
                    "note": _(
                        "该日是《全国年节及纪念日放假办法》第二条规定的法定节假日，"
                        "登记为上班日须在说明中注明依据"
                    )
                }
            )
        weekend = self.date.weekday() >= 5
        # A row that only restates the default (a weekday marked working, a weekend day
        # marked rest, with nothing to say why) contradicts its own purpose.
        if self.is_working_day and not weekend and not self.note:
            raise ValidationError(
                {"is_working_day": _("工作日（周一至周五）默认上班，无需登记；如为调休上班请注明")}
            )
        if not self.is_working_day and weekend and not self.note:
            raise ValidationError(
                {"is_working_day": _("周末默认休息，无需登记；如为法定节假日请注明节日名称")}
            )

"""The plan's targets (红寺堡区公共法律服务体系建设实施方案 附件2 指标) as rows: which figure each
target is measured by, and how that figure is computed from the data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorMetric(models.TextChoices):
    SUCCESS_RATE = "success_rate", _("调解成功率")
    CONFIRMATION_RATE = "confirmation_rate", _("司法确认率")
    SCREENING_COVERAGE = "screening_coverage", _("矛盾纠纷排查覆盖率")
    CONSULTATIONS_ANSWERED = "consultations_answered", _("法律咨询解答量")
    CASES_MEDIATED = "cases_mediated", _("受理调解纠纷数")
    TRAINING_COVERAGE = "training_coverage", _("调解员培训覆盖率")
    ADVISER_COVERAGE = "adviser_coverage", _("村（居）法律顾问覆盖率")


# How each figure is computed, shown beside the target so nobody has to guess.
HOW = {
    IndicatorMetric.SUCCESS_RATE: _("当月登记、已结束的案件中达成协议（含司法确认）的比例"),
    IndicatorMetric.CONFIRMATION_RATE: _("当月登记、达成协议的案件中经司法确认的比例"),
    IndicatorMetric.SCREENING_COVERAGE: _("当月开展排查的人民调解委员会 ÷ 全部人民调解委员会"),
    IndicatorMetric.CONSULTATIONS_ANSWERED: _("12348 热线和窗口解答的法律咨询件数"),
    IndicatorMetric.CASES_MEDIATED: _("登记的纠纷案件数（不含不予受理）"),
    IndicatorMetric.TRAINING_COVERAGE: _("年初至当月参加过培训的调解员 ÷ 全部调解员"),
    IndicatorMetric.ADVISER_COVERAGE: _("当月末已配备法律顾问的村（社区） ÷ 全部村（社区）"),
}
UNITS = {
    IndicatorMetric.SUCCESS_RATE: "%",
    IndicatorMetric.CONFIRMATION_RATE: "%",
    IndicatorMetric.SCREENING_COVERAGE: "%",
    IndicatorMetric.CONSULTATIONS_ANSWERED: "件",
    IndicatorMetric.CASES_MEDIATED: "件",
    IndicatorMetric.TRAINING_COVERAGE: "%",
    IndicatorMetric.ADVISER_COVERAGE: "%",
}

"""Mediator training and the yearly assessment (调解员培训、考评).

《人民调解法》第十四条: the county justice bureau trains people's mediators regularly;
司法部等六部门《关于加强人民调解员队伍建设的意见》(2018) asks for a yearly assessment of each
mediator (考评) with the result used when assigning and rewarding.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

TRAINING_BASIS = _("《人民调解法》第十四条")
ASSESSMENT_BASIS = _("《关于加强人民调解员队伍建设的意见》")
MIN_HOURS = Decimal("0.5")
MAX_HOURS = Decimal("80")


class MediatorAssessment(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    COMPETENT = "competent", _("称职")
    BASIC = "basically_competent", _("基本称职")
    INCOMPETENT = "incompetent", _("不称职")

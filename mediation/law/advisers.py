"""Village legal advisers (村（居）法律顾问, DESIGN §12.4).

司法部《关于进一步加强和规范村（居）法律顾问工作的意见》(2018): every village and community has
a legal adviser (a lawyer or a 基层法律服务工作者) arranged by the justice office of its
township, who keeps duty days and gives consultations, takes part in mediation, reviews
contracts, gives 法治讲座 and 法治体检. The plan (红寺堡区公共法律服务体系建设实施方案) targets
100 % coverage.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

ADVISER_BASIS = _("司法部《关于进一步加强和规范村（居）法律顾问工作的意见》")
COVERAGE_TARGET = Decimal("100")
# A village's people's mediation committee stands for its village: every village and
# community has one (《人民调解法》第八条).
VILLAGE_SUBTYPES = ("village", "community")


class AdviserKind(models.TextChoices):
    LAWYER = "lawyer", _("律师")
    GRASSROOTS = "grassroots_worker", _("基层法律服务工作者")


class AdviserServiceKind(models.TextChoices):
    DUTY = "duty", _("值班")
    CONSULTATION = "consultation", _("法律咨询")
    MEDIATION = "mediation", _("参与调解")
    CONTRACT_REVIEW = "contract_review", _("合同审查")
    LECTURE = "lecture", _("法治讲座")
    CHECKUP = "checkup", _("法治体检")


def in_region(adviser_region: str, village_region: str) -> bool:
    """An adviser serves villages of the region of the organisation that arranges them
    (the township's 司法所, per ADVISER_BASIS)."""
    return bool(adviser_region) and adviser_region == village_region

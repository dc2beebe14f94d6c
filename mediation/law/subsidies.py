"""以案定补 (case subsidies): the grades a case is paid by and the rule that proposes one.

The basis: 《人民调解法》第六条 (county governments fund people's mediation) and
财政部、司法部《关于进一步加强人民调解工作经费保障的意见》(财行〔2007〕179号), which lists the
mediators' case subsidies (人民调解员补贴) among the costs the county pays; the amounts are the
county's own, set yearly in `SubsidyStandard`. The grade thresholds below are the county's
rule of thumb for a proposal; the head sets the grade and gives the reason when it differs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Category, Outcome, RiskLevel

BASIS = _("《人民调解法》第六条、财行〔2007〕179号")


class SubsidyGrade(models.TextChoices):
    SIMPLE = "simple", _("简易")
    GENERAL = "general", _("一般")
    DIFFICULT = "difficult", _("疑难")
    MAJOR = "major", _("重大")


class SubsidyMonthStatus(models.TextChoices):
    OPEN = "open", _("未报送")
    SUBMITTED = "submitted", _("已报送待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核（冻结）")


# Only a mediation that took place is paid (财行〔2007〕179号: 补贴 for cases mediated): a case
# declined or withdrawn earns nothing; one referred on after a failed mediation does.
PAID_OUTCOMES = frozenset(
    {
        Outcome.AGREED,
        Outcome.CONFIRMED,
        Outcome.CONFIRMATION_REJECTED,
        Outcome.FAILED,
        Outcome.REFERRED,
    }
)
# Categories the county counts as hard whatever the amount (land, medical, acquisition).
HARD_CATEGORIES = frozenset(
    {Category.LAND_ACQUISITION, Category.MEDICAL, Category.FOREST_LAND, Category.HOUSING_LAND}
)
MAJOR_AMOUNT = Decimal("500000")
HARD_AMOUNT = Decimal("100000")
GENERAL_AMOUNT = Decimal("10000")
GROUP_PARTIES = 10  # 群体性纠纷
MANY_PARTIES = 5


@dataclass(frozen=True)
class CaseFacts:
    category: str
    amount: Decimal | None
    parties: int
    sessions: int
    risk: str
    cross_township: bool


def propose_grade(facts: CaseFacts) -> str:
    """The grade the facts suggest: 重大 for a group dispute, a high risk or a large sum;
    疑难 for a hard category, many parties, three or more sessions, a cross-township
    dispute or a sizeable sum; 一般 for two sessions or a middling sum; else 简易."""
    amount = facts.amount or Decimal(0)
    if facts.parties >= GROUP_PARTIES or facts.risk == RiskLevel.HIGH or amount >= MAJOR_AMOUNT:
        return SubsidyGrade.MAJOR
    if (
        facts.category in HARD_CATEGORIES
        or facts.parties >= MANY_PARTIES
        or facts.sessions >= 3
        or facts.cross_township
        or amount >= HARD_AMOUNT
    ):
        return SubsidyGrade.DIFFICULT
    if facts.sessions >= 2 or amount >= GENERAL_AMOUNT:
        return SubsidyGrade.GENERAL
    return SubsidyGrade.SIMPLE

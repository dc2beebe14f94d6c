"""What the law asks of a party before they act or are helped: legal-aid eligibility
(《中华人民共和国法律援助法》) and an agent's authority (《民事诉讼法》第六十二条)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from mediation.law.choices import Category, RepresentativeKind, Tag
from mediation.models import Case, Party


def agent_may_apply_error(party: Party) -> str | None:
    """An agent applies for a party only with a recorded power of attorney (授权委托书)."""
    if party.rep_kind == RepresentativeKind.AGENT and not party.rep_authorization.strip():
        return _(
            "当事人“%(name)s”的委托代理人代为申请司法确认，须记录授权委托书"
            "（《民事诉讼法》第六十二条）"
        ) % {"name": party.name}
    return None


# Economic hardship shown (法律援助法 第三十一条): low income, a registered poor household.
HARDSHIP = frozenset({Tag.LOW_INCOME, Tag.POVERTY_HOUSEHOLD})
# Exempt from the review of hardship (第四十二条): (一) minors, the elderly and the disabled
# without a fixed source of living; (二) those under social assistance or special care
# (优抚对象: servicemen's families, veterans); (三) migrant workers claiming their pay or
# compensation for a work injury.
WITHOUT_LIVING = frozenset({Tag.MINOR, Tag.ELDERLY, Tag.DISABLED})
SPECIAL_CARE = frozenset({Tag.MILITARY_FAMILY, Tag.VETERAN})
WAGE_OR_INJURY = frozenset({Category.LABOR})


def legal_aid_ground(tags: Iterable[str] | None, category: str) -> str | None:
    """Why a party qualifies for a legal-aid referral under 法律援助法 arts 31 and 42, or
    None. Age or a disability alone is not enough: art 42 (一) asks that the person also
    has no fixed source of living."""
    have = set(tags or ())
    if have & HARDSHIP:
        return _("经济困难（《中华人民共和国法律援助法》第三十一条）")
    if have & WITHOUT_LIVING and Tag.NO_FIXED_INCOME in have:
        return _(
            "无固定生活来源的未成年人、老年人、残疾人（《中华人民共和国法律援助法》第四十二条第一项）"
        )
    if have & SPECIAL_CARE:
        return _("优抚对象（《中华人民共和国法律援助法》第四十二条第二项）")
    if Tag.MIGRANT_WORKER in have and category in WAGE_OR_INJURY:
        return _(
            "申请支付劳动报酬或者请求工伤事故人身损害赔偿的进城务工人员"
            "（《中华人民共和国法律援助法》第四十二条第三项）"
        )
    return None


def legal_aid_eligible(tags: Iterable[str] | None, category: str = "") -> bool:
    return legal_aid_ground(tags, category) is not None


def legal_aid_parties(case: Case) -> list[Party]:
    """The case's natural-person parties who qualify for legal aid."""
    return [
        cp.party
        for cp in case.case_parties.select_related("party")
        if cp.party.kind == "person" and legal_aid_eligible(cp.party.tags, case.category)
    ]

"""警调对接: what the law lets a police station hand to mediation (DESIGN.md §12.4).

A station that meets a civil dispute on a call-out (接处警) may tell the parties to apply to
a people's mediation committee before it takes the matter up itself (《人民调解法》第十八条);
the committee is the only receiver the law names, so a referral to a court, the petition
bureau or another station is refused. The station's own number for the call-out names one
case per station (DESIGN.md §12.3, like a petition or referral number).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mediation.law.choices import OrgKind

REFERRAL_LAW = "《中华人民共和国人民调解法》第十八条"
RECEIVING_KINDS = frozenset({OrgKind.PEOPLE_COMMITTEE})
INCIDENT_NUMBER = 64  # as a petition number (mediation.law.lengths.PETITION_NUMBER)
INCIDENT_LABEL = gettext_lazy("接处警编号")


def referral_target_error(kind: str) -> str | None:
    """None when an organisation of `kind` may receive a station's referral."""
    if kind in RECEIVING_KINDS:
        return None
    return _(
        "公安派出所只能将适宜通过人民调解方式解决的纠纷移交人民调解委员会，"
        "不能移交法院、信访部门、其他派出所或其他机构（%(law)s）"
    ) % {"law": REFERRAL_LAW}


def incident_number_error(number: str) -> str | None:
    if not number:
        return _("请填写接处警编号（同一派出所的编号只对应一个案件）")
    if "\x00" in number:  # PostgreSQL text cannot hold it: refused here, not a 500 there
        return _("接处警编号不能包含空字符")
    if len(number) > INCIDENT_NUMBER:
        return _("接处警编号不超过%(n)s个字") % {"n": INCIDENT_NUMBER}
    return None

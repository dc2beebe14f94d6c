"""What the law asks of a party before they act or are helped: legal-aid eligibility
(《中华人民共和国法律援助法》) and an agent's authority (《民事诉讼法》第六十二条)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from mediation.law.choices import LEGAL_AID_TAGS, RepresentativeKind
from mediation.models import Case, Party


def agent_may_apply_error(party: Party) -> str | None:
    """An agent applies for a party only with a recorded power of attorney (授权委托书)."""
    if party.rep_kind == RepresentativeKind.AGENT and not party.rep_authorization.strip():
        return _(
            "当事人“%(name)s”的委托代理人代为申请司法确认，须记录授权委托书"
            "（《民事诉讼法》第六十二条）"
        ) % {"name": party.name}
    return None


def legal_aid_eligible(tags: Iterable[str] | None) -> bool:
    """A party qualifies for a legal-aid referral: economic hardship (low income, 建档立卡户;
    法律援助法 art 31) or a group exempt from the hardship review (the elderly, the disabled,
    军人军属 and veterans; art 42)."""
    return bool(set(tags or ()) & LEGAL_AID_TAGS)


def legal_aid_parties(case: Case) -> list[Party]:
    """The case's natural-person parties who qualify for legal aid."""
    return [
        cp.party
        for cp in case.case_parties.select_related("party")
        if cp.party.kind == "person" and legal_aid_eligible(cp.party.tags)
    ]

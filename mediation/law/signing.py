"""The texts the parties confirm (DESIGN.md §12.2) and who has confirmed them: a party's
signature holds only for the SHA-256 of the text as it is now.

The joint application for judicial confirmation is the parties' own act (民事诉讼法第二百零五条;
《最高人民法院关于人民调解协议司法确认程序的若干规定》(法释〔2011〕5号) 第二条): each
applicant confirms it online, or the mediator records that every applicant signed the paper
application (`paper_signatures`)."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _

from mediation.law.choices import PartyRole
from mediation.models import Case, PartySignature, SignedDocument


def agreement_text(case: Case) -> tuple[str, str] | None:
    """The latest agreement's text and its SHA-256 (what a party reads and confirms)."""
    agreement = case.agreements.order_by("-id").first()
    if agreement is None:
        return None
    parts = [
        (_("纠纷主要事实、争议事项"), agreement.facts),
        (_("各方当事人的责任"), agreement.responsibilities),
        (_("协议内容"), agreement.terms),
        (_("履行方式"), agreement.performance_method),
        (_("履行期限"), agreement.performance_due.isoformat()),
    ]
    text = "\n".join(f"{label}：{value}" for label, value in parts if value)
    return text, hashlib.sha256(text.encode()).hexdigest()


def document_text(case: Case, document: str) -> tuple[str, str] | None:
    """The text a party confirms and its SHA-256; None when there is none yet. The joint
    application names the agreement's hash, so a corrected agreement voids both."""
    agreement = agreement_text(case)
    if agreement is None:
        return None
    if document == SignedDocument.AGREEMENT:
        return agreement
    applicants = "、".join(
        link.party.name
        for link in case.case_parties.select_related("party").order_by("position", "id")
        if link.role in (PartyRole.APPLICANT, PartyRole.RESPONDENT)
    )
    text = _(
        "申请人%(names)s经%(org)s主持调解，达成调解协议（协议文本SHA-256：%(sha)s）。"
        "依照《中华人民共和国民事诉讼法》第二百零五条，申请人共同申请人民法院确认该调解协议有效。"
    ) % {"names": applicants, "org": case.org.name, "sha": agreement[1]}
    return text, hashlib.sha256(text.encode()).hexdigest()


def valid_signatures(case: Case, document: str) -> dict[int, PartySignature]:
    """Party id → their signature of the document's current text (the latest one)."""
    current = document_text(case, document)
    if current is None:
        return {}
    out: dict[int, PartySignature] = {}
    for signature in case.party_signatures.filter(document=document, text_sha256=current[1]):
        out[signature.party_id] = signature
    return out


def application_methods(case: Case, applicants: list[int], paper: bool) -> dict[str, str]:
    """How each applicant applied: `online`, `paper` (their own scan recorded) or
    `paper_all` (the mediator's record that all signed the paper application); an
    applicant missing here has not applied."""
    signed = valid_signatures(case, SignedDocument.CONFIRMATION_APPLICATION)
    out: dict[str, str] = {}
    for pk in applicants:
        if pk in signed:
            out[str(pk)] = signed[pk].method
        elif paper:
            out[str(pk)] = "paper_all"
    return out

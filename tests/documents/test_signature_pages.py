"""A 人民调解协议书 that runs over a page carries its closing clauses — the effect, the
judicial confirmation, the copies — onto the signature page: a receiver never gets a page
of signatures under a single line of boilerplate (issue #28)."""

from mediation import documents
from mediation.actions import services
from mediation.law.choices import State
from tests.law.test_law import agreement

from .conftest import flat, page_count, pdftotext


def test_a_long_agreement_keeps_its_closing_clauses_with_the_signatures(world):
    case = world.make_case(State.MEDIATING)
    terms = "\n".join(
        f"{n}. 被申请人于协议生效后{n}日内向申请人支付第{n}期款项人民币五百元。"
        for n in range(1, 10)
    )
    case = services.perform(case, "reach_agreement", world.mediator, agreement(terms=terms))
    pdf = documents.render("agreement", case)
    pages = page_count(pdf)
    assert pages >= 2
    last = flat(pdftotext(pdf, pages), case.number)
    assert "（签名、盖章或按指印）" in last
    assert "具有法律约束力" in last and "申请司法确认" in last and "一式三份" in last

"""The 民事调解书's number and fee clause as a court clerk checks them (issue #28): one
民初 sequence per basic court and year, its tribunals numbering under it; the fee by
《诉讼费用交纳办法》, halved for mediation, and who bears it."""

import re
from decimal import Decimal

from django.utils import timezone

from mediation import documents
from mediation.law.choices import State
from mediation.law.court_fees import acceptance_fee, mediated_fee
from mediation.law.identity import display_name
from mediation.models import Membership

from .conftest import flat, pdftotext

NUMBER = re.compile(r"（(\d{4})）宁0303民初([1-9]\d*)号")


def _number(case) -> tuple[str, str]:
    text = flat(pdftotext(documents.render("mediation_statement", case)), case.number)
    found = NUMBER.findall(text)
    assert len(found) == 1, text
    return found[0]


def test_court_numbers_are_the_basic_courts_one_sequence(world):
    # The tribunal's first case and the court's first case both have serial 1 of their
    # own 诉前调 sequences; the 民初 numbers are the basic court's, 1 and 2, in the order
    # the agreements were reached, and stay so when rendered again.
    first = world.make_case(State.AGREED, org=world.tribunal)
    second = world.make_case(State.AGREED, org=world.court)
    assert first.number.endswith("第0001号") and second.number.endswith("第0001号")
    year = str(timezone.localtime(first.agreements.get().created_at).year)
    assert _number(first) == (year, "1")
    assert _number(second) == (year, "2")
    assert _number(first) == (year, "1")


def test_fee_clause_halves_the_schedule_and_names_who_bears_it(world):
    case = world.make_case(State.AGREED, org=world.court, amount="50000")
    text = flat(pdftotext(documents.render("mediation_statement", case)), case.number)
    assert "案件受理费1050元，减半收取计525元，由原告马建国负担" in text
    assert "《诉讼费用交纳办法》第十五条、第三十一条" in text


def test_a_labour_dispute_pays_ten_yuan_a_case(world):
    # 《诉讼费用交纳办法》第十三条第（四）项, whatever the amount claimed
    assert acceptance_fee(Decimal(80_000), labour=True) == Decimal(10)
    assert mediated_fee(Decimal(80_000), labour=True) == Decimal(5)
    case = world.make_case(State.AGREED, org=world.court, category="labor", amount="80000")
    text = flat(pdftotext(documents.render("mediation_statement", case)), case.number)
    assert "案件受理费10元，减半收取计5元" in text


def test_the_statement_names_the_parties_plaintiff_and_defendant_throughout(world):
    case = world.make_case(State.AGREED, org=world.court)
    text = flat(pdftotext(documents.render("mediation_statement", case)), case.number)
    assert "申请人" not in text  # the mediation's words, not the court's
    assert "被告修建院墙未留排水通道，应承担主要责任。" in text
    assert "被告于十日内改建排水沟并赔偿原告三千元。" in text


def test_the_statement_is_signed_by_a_judge_not_the_mediator(world):
    """民事诉讼法 第一百条: 审判人员、书记员署名 — a court's mediator who is not a judge
    (an invited mediator, a judge's assistant) does not sign the court's instrument."""
    case = world.make_case(State.AGREED, org=world.court)
    judge = Membership.objects.filter(org=world.court, role="judge").first().user
    assert not Membership.objects.filter(user=case.mediator, role="judge").exists()
    text = flat(pdftotext(documents.render("mediation_statement", case)), case.number)
    assert f"审判员{display_name(judge)}" in text.replace("　", "").replace(" ", "")
    assert f"审判员{display_name(case.mediator)}" not in text.replace("　", "").replace(" ", "")
    # a judge who mediated signs it
    Membership.objects.create(user=case.mediator, org=world.court, role="judge")
    text = flat(pdftotext(documents.render("mediation_statement", case)), case.number)
    assert f"审判员{display_name(case.mediator)}" in text.replace("　", "").replace(" ", "")

"""The 以案定补 grade proposal (mediation.law.subsidies): each threshold at its edge."""

from decimal import Decimal

import pytest

from mediation.law.subsidies import CaseFacts, propose_grade


def facts(**over):
    base = dict(
        category="neighbour",
        amount=Decimal("3000"),
        parties=2,
        sessions=1,
        risk="low",
        cross_township=False,
    )
    return CaseFacts(**{**base, **over})


@pytest.mark.parametrize(
    ("over", "grade"),
    [
        ({}, "simple"),
        ({"amount": None}, "simple"),
        ({"amount": Decimal("9999.99")}, "simple"),
        ({"amount": Decimal("10000")}, "general"),
        ({"sessions": 2}, "general"),
        ({"sessions": 3}, "difficult"),
        ({"amount": Decimal("100000")}, "difficult"),
        ({"parties": 5}, "difficult"),
        ({"category": "land_acquisition"}, "difficult"),
        ({"cross_township": True}, "difficult"),
        ({"parties": 10}, "major"),
        ({"risk": "high"}, "major"),
        ({"amount": Decimal("500000")}, "major"),
    ],
)
def test_proposed_grade(over, grade):
    assert propose_grade(facts(**over)) == grade

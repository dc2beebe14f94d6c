"""The Ministry's table in the units its form asks (issue #28): every count is of cases
（件） but 当事人人数, which counts persons （人）, and the agreements' amount in 万元 with
two decimals on every row."""

import re

from mediation.law.choices import State
from mediation.supervision.figures import Filters, columns, ministry_table
from tests.conftest import APPLICANT, RESPONDENT

THIRD = {
    "role": "third_party",
    "kind": "person",
    "name": "李秀兰",
    "gender": "female",
    "ethnicity": "汉族",
    "id_number": "640303199001010020",
    "phone": "13895300002",
    "address": "红寺堡镇弘德村",
}


def test_columns_say_their_units():
    units = {key: re.search(r"（(.+)）$", label).group(1) for key, label in columns()}
    assert units.pop("parties") == "人"
    assert units.pop("amount") == "万元"
    assert set(units.values()) == {"件"}


def test_parties_are_persons_the_rest_cases(world):
    world.make_case(
        State.AGREED, parties=[dict(APPLICANT), dict(RESPONDENT), dict(THIRD)], amount="8000"
    )
    world.make_case(State.ACCEPTED)
    world.make_case(State.REGISTERED)  # not accepted: neither a case nor its people count
    table = ministry_table(world.supervisor, Filters(None, None, "", ""))
    total, rows = table["total"], table["rows"]
    assert (total["accepted"], total["succeeded"], total["parties"]) == (2, 1, 5)
    neighbour = next(r for r in rows if r["key"] == "neighbour")
    assert (neighbour["accepted"], neighbour["parties"]) == (2, 5)
    for row in [*rows, total]:
        assert re.fullmatch(r"\d+\.\d\d", row["amount"]), row

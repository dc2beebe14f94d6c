"""A hand-counted district for the supervision figures: seven cases registered between
March and July 2026 in known states, amounts, townships and follow-ups (see DISTRICT)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mediation.actions import services
from mediation.law.choices import State
from tests.api.conftest import _clean_cache, _quiet_request_log, api  # noqa: F401
from tests.conftest import APPLICANT

SH = ZoneInfo("Asia/Shanghai")
PLAIN_APPLICANT = {
    **APPLICANT,
    "name": "周秀兰",
    "id_number": "640303198001010034",
    "phone": "13995300077",
    "tags": [],
}


def at(month, day, hour=9):
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


def _parties(priority: bool):
    from tests.conftest import RESPONDENT

    return [dict(APPLICANT if priority else PLAIN_APPLICANT), dict(RESPONDENT)]


@pytest.fixture
def district(world):
    """A: 03-05 neighbour, agreed, follow-ups (not performed, then performed), closed
          ten days later; 3000; priority.
    B: 03-10 labour, failed; no amount; not priority.
    C: 04-02 neighbour, confirmed; follow-up not performed; 5000; priority.
    D: 04-20 neighbour at 太阳山镇 (another committee), mediating, high risk, overdue; 1000.
    E: 05-01 traffic police (administrative), registered, overdue; no amount; priority.
    F: 06-15 withdrawn while registered; 200; not priority.
    G: 07-01 declined; no amount; priority."""
    w = world
    cases = {}
    a = w.make_case(State.AGREED, now=at(3, 5), amount="3000.00", parties=_parties(True))
    services.add_follow_up(a, w.mediator, {"date": "2026-03-08", "performed": False}, now=at(3, 8))
    paid = {"date": "2026-03-14", "performed": True, "early_reason": "已提前履行完毕"}
    services.add_follow_up(a, w.mediator, paid, now=at(3, 14))
    cases["A"] = services.perform(a, "close", w.mediator, {"note": "已履行"}, now=at(3, 15))
    cases["B"] = w.make_case(
        State.FAILED, now=at(3, 10), category="labor", amount="", parties=_parties(False)
    )
    c = w.make_case(State.CONFIRMED, now=at(4, 2), amount="5000.00", parties=_parties(True))
    services.add_follow_up(c, w.mediator, {"date": "2026-04-20", "performed": False}, now=at(4, 20))
    cases["C"] = c
    d = w.make_case(
        State.MEDIATING,
        org=w.other,
        now=at(4, 20),
        amount="1000.00",
        region="太阳山镇",
        parties=_parties(True),
    )
    cases["D"] = services.flag_risk(
        d,
        w.outsider,
        # a high flag records the police report (PML art 25)
        {
            "level": "high",
            "note": "双方扬言械斗",
            "reported_to": "太阳山派出所",
            "reported_at": at(4, 21, 8).isoformat(),
        },
        now=at(4, 21),
    )
    cases["E"] = w.make_case(
        State.REGISTERED, org=w.traffic_police, now=at(5, 1), amount="", parties=_parties(True)
    )
    cases["F"] = w.make_case(
        State.WITHDRAWN, now=at(6, 15), amount="200.00", parties=_parties(False)
    )
    cases["G"] = w.make_case(State.DECLINED, now=at(7, 1), amount="", parties=_parties(True))
    return cases

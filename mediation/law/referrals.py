"""Referral 移送 to arbitration, litigation or legal aid (DESIGN.md §4.4): whose clock runs
from when, and how far an award may be put off.

The mediating body only advises: the parties file, so an arbitration commission or a court
counts from the party's filing — labour arbitration decides acceptance within 5 days (LDMAL
art 29), rural land contract arbitration within 5 (农村土地承包经营纠纷调解仲裁法 art 24), a
court decides on filing within 7 (CPL art 126). An award is due 45 days (labour, LDMAL art 43)
or 60 days (land, art 48) after acceptance, with one extension of at most 15 or 30. A legal
aid centre decides within 7 days of the referral whether to grant aid (《中华人民共和国法律援助法》
第四十三条).
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.law import clocks
from mediation.law.choices import Category, ReferRoute
from mediation.law.clocks import Clock
from mediation.law.limits import Stage

# The routes whose receiving body's clock starts when the party files there.
FILED_ROUTES = (ReferRoute.ARBITRATION, ReferRoute.LITIGATION)

AWARD_EXTENSION_LAW: dict[str, str] = {
    Stage.LABOUR_ARBITRATION_AWARD: "《劳动争议调解仲裁法》第四十三条",
    Stage.LAND_ARBITRATION_AWARD: "《农村土地承包经营纠纷调解仲裁法》第四十八条",
}


def party_files(route: str) -> bool:
    return route in FILED_ROUTES


def is_legal_aid(route: str) -> bool:
    return route == ReferRoute.LEGAL_AID


def legal_aid_clock(referred_at: dt.datetime) -> Clock:
    """The 7 days of 法律援助法 art 43 run from the referral, not from the receipt."""
    return clocks.clock(Stage.LEGAL_AID_REVIEW, referred_at)


def legal_aid_fixed_clock(record: Mapping[str, Any]) -> Clock:
    """The legal aid clock as the handoff recorded it (`clock_json` of `legal_aid_clock`)."""
    start = dt.datetime.fromisoformat(record["start"])
    due = dt.datetime.fromisoformat(record["due"])
    return clocks.fixed_clock(Stage.LEGAL_AID_REVIEW, start, due, record["basis"], record["unit"])


def arbitration_stages(route: str, category: str) -> tuple[str, str] | None:
    """The statutory clocks (acceptance, award) of the commission the case went to: labour
    (LDMAL arts 29, 43) or rural land contract (农村土地承包经营纠纷调解仲裁法 arts 24, 48)."""
    if route != ReferRoute.ARBITRATION:
        return None
    if category == Category.LABOR:
        return Stage.LABOUR_ARBITRATION_ACCEPT, Stage.LABOUR_ARBITRATION_AWARD
    if category == Category.LAND_CONTRACT:
        return Stage.LAND_ARBITRATION_ACCEPT, Stage.LAND_ARBITRATION_AWARD
    return None


def filed_at(filed_on: dt.date) -> dt.datetime:
    """The party's filing day starts the clock; the day itself is not counted."""
    return timezone.make_aware(dt.datetime.combine(filed_on, dt.time(9)))


def filing_day_error(day: dt.date, referred_at: dt.datetime) -> str | None:
    """A filing is recorded for a day between the referral and today."""
    if day > timezone.localdate():
        return _("提交日期不能晚于今天")
    if day < timezone.localdate(referred_at):
        return _("提交日期不能早于移送日期")
    return None


def acknowledge_clock(route: str, category: str, filed: dt.datetime | None) -> Clock | None:
    """The receiving body's time to decide on acceptance, from the party's filing."""
    if filed is None:
        return None
    stages = arbitration_stages(route, category)
    if stages is not None:
        return clocks.clock(stages[0], filed)
    if route == ReferRoute.LITIGATION:
        return clocks.clock(Stage.LITIGATION_FILING, filed)
    return None


def award_clock(route: str, category: str, accepted_at: dt.datetime) -> Clock | None:
    """An arbitration commission's time for its award, from acceptance (none elsewhere)."""
    stages = arbitration_stages(route, category)
    return clocks.clock(stages[1], accepted_at) if stages is not None else None


def award_stage(award: Mapping[str, Any]) -> str:
    """The stage of a recorded award clock (records before land arbitration: labour)."""
    return str(award.get("stage") or Stage.LABOUR_ARBITRATION_AWARD)


def recorded_award_clock(award: Mapping[str, Any]) -> Clock:
    """The award clock as recorded: counted again when the calendar changes, else fixed."""
    counted = clocks.clock_from_json(award)
    if counted is not None:
        return counted
    return clocks.fixed_clock(
        award_stage(award),
        dt.datetime.fromisoformat(award["start"]),
        dt.datetime.fromisoformat(award["due"]),
        award["basis"],
        award["unit"],
    )


def award_extension_error(stage: str, days: int) -> str | None:
    """An award may be put off once by at most the statute's days."""
    limit = clocks.rule(stage).extension
    if days <= limit:
        return None
    law = AWARD_EXTENSION_LAW.get(stage, AWARD_EXTENSION_LAW[Stage.LABOUR_ARBITRATION_AWARD])
    return _("延长期限不得超过%(days)d日（%(law)s）") % {"days": limit, "law": law}


def extended_award(award: Mapping[str, Any], days: int) -> Clock:
    """The award clock put off by `days`: from the period's original end (a clock that kept
    its count), not the working day it may have rolled to."""
    current = clocks.clock_from_json(award) or dt.datetime.fromisoformat(award["due"])
    return clocks.extended(award_stage(award), current, days=days)

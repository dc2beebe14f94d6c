"""The legal rules the actions ask (mediation.law.case_rules), without a database."""

import datetime as dt

from django.utils import timezone

from mediation.law.case_rules import (
    case_number,
    derived_tags,
    guardian_error,
    police_report_errors,
    privacy_consent_error,
)
from mediation.law.choices import Network, PartyKind, RepresentativeKind, Tag


def test_case_number_names_the_network_once():
    assert case_number("红", Network.PEOPLE, 2026, 7) == "（2026）红人调字第0007号"
    # an organisation code already ending in the network's first character
    assert case_number("红律", Network.LAWYER, 2026, 12) == "（2026）红律调字第0012号"


def test_age_gives_the_elderly_and_minor_tags_to_persons_only():
    today = dt.date(2026, 12, 7)
    assert derived_tags(PartyKind.PERSON, dt.date(1966, 12, 7), [], today) == [Tag.ELDERLY]
    assert derived_tags(PartyKind.PERSON, dt.date(2008, 12, 8), [], today) == [Tag.MINOR]
    assert derived_tags(PartyKind.ORGANIZATION, dt.date(2008, 12, 8), [], today) == []


def test_a_minor_needs_a_guardian():
    minor = {"kind": PartyKind.PERSON, "name": "小王", "tags": [Tag.MINOR]}
    assert "监护人" in (guardian_error(minor) or "")
    guarded = {**minor, "representative": {"kind": RepresentativeKind.GUARDIAN}}
    assert guardian_error(guarded) is None


def test_only_a_literal_true_is_consent():
    assert privacy_consent_error(True) is None
    for given in (None, False, "true", 1):
        assert "个人信息保护法" in (privacy_consent_error(given) or "")


def test_a_high_risk_names_the_station_and_the_time():
    assert set(police_report_errors("", None)) == {"reported_to", "reported_at"}
    assert police_report_errors("红寺堡派出所", timezone.now()) == {}

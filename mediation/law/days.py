"""The calendar's fixed part, read from no table: the statutory rest days of
《全国年节及纪念日放假办法》 and the official arrangements the `chinese-calendar` package
publishes, plain date arithmetic (the end of a day, months later) and the labour arbitration
time bar, which counts in calendar months.

Below the models (`Holiday` validates its dates against it); `mediation.law.clocks`
adds the administrator's rows and the time limits on top.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from typing import Any

# chinese-calendar ships neither type hints nor a py.typed marker: its two date sets are
# read once below, as frozensets of dates.
import chinese_calendar  # type: ignore[import-untyped]
import holidays
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

# The package's own tables: statutory rest days and exchanged working days, by date.
PKG_REST: frozenset[dt.date] = frozenset(chinese_calendar.holidays)
PKG_WORK: frozenset[dt.date] = frozenset(chinese_calendar.workdays)
PACKAGE_YEARS = frozenset(d.year for d in PKG_REST)

# Dates the calendar can speak of: the statutory rules are computed for these years only.
FIRST_YEAR, LAST_YEAR = 2000, 2100


@functools.cache
def statutory_rest_days(year: int) -> frozenset[dt.date]:
    """The statutory holidays of `year` (《全国年节及纪念日放假办法》 第二条, 2024 revision from
    2025: 元旦 1 day, 春节 除夕 and 初一至初三, 清明 1, 劳动节 05-01/02, 端午 1, 中秋 1, 国庆
    10-01/03; the earlier rules for earlier years), lunar dates and the 清明 solar term
    computed by the `holidays` package. Only the days the law names: the State Council's
    bridges and exchanged weekends are announced each year and cannot be computed."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return frozenset()
    return frozenset(holidays.country_holidays("CN", years=year, observed=False))


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def local_iso(value: dt.date | dt.datetime | None) -> str | None:
    """A moment as the API speaks it: ISO 8601 in Asia/Shanghai (+08:00); a date as is."""
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    return value.isoformat() if value else None


_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$")


def local_stamps(value: Any) -> Any:
    """A JSON value with every ISO timestamp in it written in Asia/Shanghai: the records
    written in UTC before #31 read like every other time of the API."""
    if isinstance(value, dict):
        return {k: local_stamps(v) for k, v in value.items()}
    if isinstance(value, list):
        return [local_stamps(v) for v in value]
    if isinstance(value, str) and _STAMP.match(value) and not value.endswith("+08:00"):
        try:
            return local_iso(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def deadline(value: object) -> dt.datetime | None:
    """A deadline as a client writes it: a date means the END of that day (Asia/Shanghai),
    a time is kept (naive ones read as local); None when it is neither. Python's
    fromisoformat (and so Django's parsers) read "2026-12-31" as its midnight: not here."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        return end_of_day(value)
    else:
        text = str(value).strip()
        try:
            day = parse_date(text) if len(text) == 10 else None
            parsed = None if day else parse_datetime(text)
        except ValueError:  # well formed but no such day ("2026-02-30")
            return None
        if day is not None:
            return end_of_day(day)
        if parsed is None:
            return None
        moment = parsed
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def months_later(day: dt.date, n: int) -> dt.date:
    """The corresponding day n months after `day`; the month's last day where it has none
    (民法典 第二百零二条)."""
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


# -- the labour arbitration time bar ------------------------------------------------------

TIME_BAR_WARNING_DAYS = 30


def labour_time_bar(known_on: dt.date) -> dt.date:
    """The last day of the one-year labour arbitration time bar from the day the party knew
    or should have known of the infringement (《劳动争议调解仲裁法》第二十七条)."""
    return months_later(known_on, 12)


def labour_time_bar_warning(known_on: dt.date | None, today: dt.date) -> str:
    """The mediator's warning when a labour mediation fails within 30 days of the bar (or
    after it): the party must apply for arbitration now (the application to mediate
    interrupts the bar, art 27 para 2, but a party should not rely on proving it)."""
    if known_on is None:
        return ""
    ends = labour_time_bar(known_on)
    if (ends - today).days > TIME_BAR_WARNING_DAYS:
        return ""
    return _(
        "劳动争议申请仲裁的时效期间为一年（《劳动争议调解仲裁法》第二十七条），"
        "自当事人知道或者应当知道其权利被侵害之日（%(known)s）起算，至 %(ends)s 届满；"
        "请告知当事人尽快申请劳动人事争议仲裁，并说明申请调解使时效中断。"
    ) % {"known": known_on.isoformat(), "ends": ends.isoformat()}

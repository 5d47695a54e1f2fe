"""The installed jpholiday must know the national holidays of every year the program can schedule into.

Horizon, for cases opened through 2030 (DOMAIN.md §2, §3, §8, §9): acceptance by the end of 2031 at the
latest, a 405 plan date up to 24 months later (validity, longer when extended: allow a year more),
then a 36-month monitoring window, and rungs up to 30 days after the last session, moved forward over
closed days → into 2037. Early cases end sooner (claim within 12 months, fiscal-year end within
another 24, report 2 months later). So every year 2022–2037 is checked.

If this fails, the business calendar silently treats holidays as open days and sessions and e-mails
land on closed days: upgrade jpholiday (or pin one that knows the year).
"""

from __future__ import annotations

import datetime as dt

import jpholiday
import pytest

from casetrack.business_days import BusinessCalendar

YEARS = range(2022, 2038)
CAL = BusinessCalendar()

# 春分の日 as published by the National Astronomical Observatory of Japan (暦要項) for the years
# already announced, and for later years the standard approximation valid 1980–2099:
# day = int(20.8431 + 0.242194 × (y − 1980) − int((y − 1980) / 4)).
PUBLISHED_EQUINOX = {2022: 21, 2023: 21, 2024: 20, 2025: 20, 2026: 20, 2027: 21}


def _equinox_day(year: int) -> int:
    if year in PUBLISHED_EQUINOX:
        return PUBLISHED_EQUINOX[year]
    return int(20.8431 + 0.242194 * (year - 1980) - int((year - 1980) / 4))


def _second_monday_of_january(year: int) -> dt.date:
    first = dt.date(year, 1, 1)
    first_monday = first + dt.timedelta(days=(0 - first.weekday()) % 7)
    return first_monday + dt.timedelta(days=7)


@pytest.mark.parametrize("year", YEARS)
def test_jpholiday_knows_the_holidays_of_every_schedulable_year(year: int) -> None:
    expected = {
        dt.date(year, 1, 1): "元日",
        _second_monday_of_january(year): "成人の日",
        dt.date(year, 3, _equinox_day(year)): "春分の日",
    }
    for day, name in expected.items():
        got = jpholiday.is_holiday_name(day)
        assert got == name, (
            f"jpholiday {getattr(jpholiday, '__version__', '?')} does not know {name} {day} (got {got!r}): "
            f"the business calendar would treat it as an open day"
        )
        assert CAL.is_closed(day)


def test_the_computed_dates_match_known_years() -> None:
    """The helpers above, checked against printed calendars."""
    assert _second_monday_of_january(2026) == dt.date(2026, 1, 12)
    assert _second_monday_of_january(2027) == dt.date(2027, 1, 11)
    assert _second_monday_of_january(2029) == dt.date(2029, 1, 8)
    assert [_equinox_day(y) for y in (2028, 2029, 2030, 2031)] == [20, 20, 20, 21]
    # the formula agrees with the published days it is not used for
    assert all(
        int(20.8431 + 0.242194 * (y - 1980) - int((y - 1980) / 4)) == d for y, d in PUBLISHED_EQUINOX.items()
    )


def test_a_holiday_in_the_last_schedulable_year_is_closed_and_a_plain_weekday_is_open() -> None:
    last = max(YEARS)
    assert CAL.is_closed(dt.date(last, 1, 1))
    # 2037-01-14 is a Wednesday, no holiday
    assert dt.date(2037, 1, 14).weekday() == 2
    assert not CAL.is_closed(dt.date(2037, 1, 14))

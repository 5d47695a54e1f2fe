"""Why a day is closed (the calendar page shows every reason), and the years the calendar knows.
Hand-worked: 2027-01-01 is a Friday (元日, 年末年始), 2027-01-02 a Saturday in 年末年始, 2027-01-11 the
second Monday of January (成人の日), 2026-12-28 a Monday with no holiday."""

from __future__ import annotations

import datetime as dt

from casetrack.business_days import BusinessCalendar, covers

CLOSURE = dt.date(2026, 12, 16)  # a Wednesday
CAL = BusinessCalendar([CLOSURE])


def test_every_reason_is_given_the_holidays_name_first() -> None:
    assert CAL.reasons(dt.date(2027, 1, 1)) == ["元日", "年末年始"]
    assert CAL.reasons(dt.date(2027, 1, 2)) == ["年末年始", "土曜日"]
    assert CAL.reasons(dt.date(2027, 1, 3)) == ["年末年始", "日曜日"]
    assert CAL.reasons(dt.date(2027, 1, 11)) == ["成人の日"]
    assert CAL.reasons(CLOSURE) == ["協議会の休業日"]
    assert CAL.reasons(dt.date(2026, 12, 28)) == []
    assert BusinessCalendar().reasons(CLOSURE) == []


def test_a_day_has_a_reason_exactly_when_it_is_closed() -> None:
    day = dt.date(2026, 1, 1)
    while day.year < 2028:
        assert bool(CAL.reasons(day)) == CAL.is_closed(day), day
        day += dt.timedelta(days=1)


def test_the_years_the_calendar_knows() -> None:
    assert not covers(dt.date(1948, 12, 31)) and covers(dt.date(1949, 1, 1))
    assert covers(dt.date(3000, 12, 31)) and not covers(dt.date(3001, 1, 1))

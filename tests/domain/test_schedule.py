"""Monitoring schedules and closed days (DOMAIN.md §8), and the business calendar behind them.

Every expected date below was worked out by hand from DOMAIN.md §8; weekdays were checked against a
printed calendar (e.g. 2027-02-28 and 2029-04-15 are Sundays, 2028-04-15 a Saturday).
"""

from __future__ import annotations

import datetime as dt

import jpholiday
import pytest

from casetrack.business_days import BusinessCalendar
from casetrack.domain.schedule import (
    PlannedSession,
    early_sessions,
    fye_nominal,
    next_business_day,
    regular_sessions,
)

D = dt.date
CAL = BusinessCalendar()


def never_closed(day: dt.date) -> bool:
    return False


# --- early: the fiscal-year-end session ---------------------------------------------------------


@pytest.mark.parametrize(
    ("plan", "fye_month", "lag", "fye", "due"),
    [
        # DOMAIN.md §8: plan 2026-02-10, 決算月 March: +12 → 2027-02-10 → FYE 2027-03-31 → due 2027-05-31
        (D(2026, 2, 10), 3, 2, D(2027, 3, 31), D(2027, 5, 31)),
        # +12 months lands exactly on a fiscal-year end: that FYE counts ("on or after")
        (D(2026, 3, 31), 3, 2, D(2027, 3, 31), D(2027, 5, 31)),
        (D(2025, 2, 28), 2, 2, D(2026, 2, 28), D(2026, 4, 30)),
        (D(2024, 2, 29), 2, 2, D(2025, 2, 28), D(2025, 4, 30)),  # 2025-02-28 is the FYE, not before
        # +12 months is the day after a FYE: the next year's FYE
        (D(2026, 4, 1), 3, 2, D(2028, 3, 31), D(2028, 5, 31)),
        # +12 → 2024-02-28, but February 2024 ends on the 29th: still that FYE
        (D(2023, 2, 28), 2, 2, D(2024, 2, 29), D(2024, 4, 30)),
        # the 決算月 falls before the +12 month in the calendar year: next year's
        (D(2026, 8, 31), 3, 2, D(2028, 3, 31), D(2028, 5, 31)),
        # December FYE with a lag across the new year, into a leap February
        (D(2026, 12, 1), 12, 2, D(2027, 12, 31), D(2028, 2, 29)),
        # other lags (configurable): 0 = end of the FYE month itself, 3 = three months later
        (D(2026, 2, 10), 3, 0, D(2027, 3, 31), D(2027, 3, 31)),
        (D(2026, 2, 10), 3, 3, D(2027, 3, 31), D(2027, 6, 30)),
    ],
)
def test_fye_session_dates(plan: dt.date, fye_month: int, lag: int, fye: dt.date, due: dt.date) -> None:
    assert fye_nominal(plan, fye_month, lag) == (fye, due)


def test_early_schedule_with_interim_at_six_months() -> None:
    sessions = early_sessions(
        D(2026, 2, 10), 3, interim=True, interim_months=6, lag_months=2, is_closed=CAL.is_closed
    )
    assert sessions == [
        PlannedSession(1, "interim", D(2026, 8, 10), D(2026, 8, 10)),  # Monday; 山の日 is 08-11
        PlannedSession(2, "fye", D(2027, 5, 31), D(2027, 5, 31)),  # Monday
    ]


def test_early_schedule_without_interim_has_only_the_fye_session() -> None:
    sessions = early_sessions(
        D(2026, 2, 10), 3, interim=False, interim_months=6, lag_months=2, is_closed=CAL.is_closed
    )
    assert sessions == [PlannedSession(1, "fye", D(2027, 5, 31), D(2027, 5, 31))]


def test_early_interim_clamps_and_moves_off_a_sunday() -> None:
    # plan 2026-08-31 + 6 months = 2027-02-28 (clamped), a Sunday → Monday 2027-03-01;
    # FYE: +12 → 2027-08-31, March 2027 is before it → 2028-03-31 → due 2028-05-31 (Wednesday)
    sessions = early_sessions(
        D(2026, 8, 31), 3, interim=True, interim_months=6, lag_months=2, is_closed=CAL.is_closed
    )
    assert sessions == [
        PlannedSession(1, "interim", D(2027, 2, 28), D(2027, 3, 1)),
        PlannedSession(2, "fye", D(2028, 5, 31), D(2028, 5, 31)),
    ]


def test_early_sessions_are_numbered_in_date_order() -> None:
    # a long interim (configurable) that falls after the FYE due date comes second
    sessions = early_sessions(
        D(2026, 2, 10), 3, interim=True, interim_months=18, lag_months=2, is_closed=never_closed
    )
    assert [(s.seq, s.kind, s.nominal_due_on) for s in sessions] == [
        (1, "fye", D(2027, 5, 31)),
        (2, "interim", D(2027, 8, 10)),
    ]


# --- 405: regular sessions ----------------------------------------------------------------------


def test_405_example_six_sessions_every_six_months() -> None:
    sessions = regular_sessions(D(2026, 4, 15), 6, 36, is_closed=never_closed)
    assert [s.nominal_due_on for s in sessions] == [
        D(2026, 10, 15),
        D(2027, 4, 15),
        D(2027, 10, 15),
        D(2028, 4, 15),
        D(2028, 10, 15),
        D(2029, 4, 15),
    ]
    assert [s.seq for s in sessions] == [1, 2, 3, 4, 5, 6]
    assert {s.kind for s in sessions} == {"regular"}
    assert all(s.due_on == s.nominal_due_on for s in sessions)


def test_405_example_with_the_real_calendar_moves_weekend_sessions() -> None:
    sessions = regular_sessions(D(2026, 4, 15), 6, 36, is_closed=CAL.is_closed)
    assert [(s.nominal_due_on, s.due_on) for s in sessions] == [
        (D(2026, 10, 15), D(2026, 10, 15)),  # Thursday
        (D(2027, 4, 15), D(2027, 4, 15)),  # Thursday
        (D(2027, 10, 15), D(2027, 10, 15)),  # Friday
        (D(2028, 4, 15), D(2028, 4, 17)),  # Saturday → Monday
        (D(2028, 10, 15), D(2028, 10, 16)),  # Sunday → Monday (スポーツの日 2028 is 10-09)
        (D(2029, 4, 15), D(2029, 4, 16)),  # Sunday → Monday
    ]


@pytest.mark.parametrize(
    ("interval", "window", "count", "last"),
    [
        (12, 36, 3, D(2029, 4, 15)),
        (6, 36, 6, D(2029, 4, 15)),
        (5, 36, 7, D(2029, 3, 15)),  # 35 months; 40 would leave the window
        (7, 36, 5, D(2029, 3, 15)),
        (1, 36, 36, D(2029, 4, 15)),
        (6, 24, 4, D(2028, 4, 15)),  # a case with a shorter window
        (12, 11, 0, None),
    ],
)
def test_405_session_count_per_interval(interval: int, window: int, count: int, last: dt.date | None) -> None:
    sessions = regular_sessions(D(2026, 4, 15), interval, window, is_closed=never_closed)
    assert len(sessions) == count
    if last is not None:
        assert sessions[-1].nominal_due_on == last


def test_405_sessions_from_a_month_end_are_counted_from_the_anchor() -> None:
    sessions = regular_sessions(D(2026, 8, 31), 6, 36, is_closed=never_closed)
    assert [s.nominal_due_on for s in sessions] == [
        D(2027, 2, 28),
        D(2027, 8, 31),
        D(2028, 2, 29),
        D(2028, 8, 31),
        D(2029, 2, 28),
        D(2029, 8, 31),
    ]


@pytest.mark.parametrize("interval", [0, 13, -1, 24])
def test_405_interval_outside_1_to_12_is_refused(interval: int) -> None:
    with pytest.raises(ValueError, match="1–12"):
        regular_sessions(D(2026, 4, 15), interval, 36, is_closed=never_closed)


# --- next_business_day with an injected calendar ----------------------------------------------


def test_next_business_day_keeps_an_open_day() -> None:
    assert next_business_day(D(2026, 5, 7), lambda d: d == D(2026, 5, 6)) == D(2026, 5, 7)


def test_next_business_day_skips_every_closed_day() -> None:
    closed = {D(2026, 6, 1), D(2026, 6, 2), D(2026, 6, 3)}
    assert next_business_day(D(2026, 6, 1), closed.__contains__) == D(2026, 6, 4)


def test_next_business_day_uses_only_the_injected_calendar() -> None:
    # 2026-11-28 is a Saturday, but the injected calendar says it is open
    assert next_business_day(D(2026, 11, 28), never_closed) == D(2026, 11, 28)


def test_next_business_day_gives_up_loudly() -> None:
    with pytest.raises(ValueError):
        next_business_day(D(2026, 6, 1), lambda d: True)


# --- the business calendar --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (D(2026, 11, 28), "土曜日"),
        (D(2026, 11, 29), "日曜日"),
        (D(2027, 1, 11), "成人の日"),  # second Monday of January 2027
        (D(2026, 9, 21), "敬老の日"),
        (D(2026, 9, 22), "国民の休日"),  # between 敬老の日 and 秋分の日 (09-23)
        (D(2026, 9, 23), "秋分の日"),
        (D(2026, 2, 11), "建国記念の日"),
        (D(2025, 12, 29), "年末年始"),  # a Monday
        (D(2025, 12, 30), "年末年始"),
        (D(2025, 12, 31), "年末年始"),
        (D(2026, 1, 2), "年末年始"),  # a Friday
        (D(2026, 12, 29), "年末年始"),  # a Tuesday
    ],
)
def test_closed_days(day: dt.date, why: str) -> None:
    assert CAL.is_closed(day)
    assert why in (CAL.why_closed(day) or "")


def test_substitute_holiday_is_closed() -> None:
    # 2026-05-03 (憲法記念日) is a Sunday: 05-04 and 05-05 are holidays, so 05-06 is the 振替休日
    assert CAL.is_closed(D(2026, 5, 6))
    assert "振替休日" in (CAL.why_closed(D(2026, 5, 6)) or "")
    assert next_business_day(D(2026, 5, 2), CAL.is_closed) == D(2026, 5, 7)


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 11, 27),  # Friday
        D(2026, 5, 7),  # Thursday after Golden Week
        D(2025, 12, 26),  # the last Friday before 12-29
        D(2026, 12, 28),  # Monday
        D(2027, 1, 4),  # Monday, first open day of 2027
        D(2026, 1, 5),
        D(2027, 1, 12),  # the day after 成人の日
    ],
)
def test_plain_weekdays_are_open(day: dt.date) -> None:
    assert not CAL.is_closed(day)
    assert CAL.why_closed(day) is None


def test_new_year_closure_moves_a_due_date_into_january() -> None:
    assert next_business_day(D(2026, 12, 29), CAL.is_closed) == D(2027, 1, 4)


def test_configured_closure() -> None:
    calendar = BusinessCalendar(closures=[D(2026, 8, 12), D(2026, 8, 13)])
    assert calendar.is_closed(D(2026, 8, 12))
    assert calendar.why_closed(D(2026, 8, 13)) == "協議会の休業日"
    assert next_business_day(D(2026, 8, 12), calendar.is_closed) == D(2026, 8, 14)
    # the closure is the council's: another calendar does not close those days
    assert not CAL.is_closed(D(2026, 8, 12))


# --- jpholiday must know the years we schedule into --------------------------------------------

# Acceptances run to 2028-01-31 (bank track); a 405 case may claim until acceptance + 24 months and
# then monitor 36 months from the plan date, so due dates reach the early 2030s.
SCHEDULED_YEARS = range(2022, 2036)


def _equinoxes(year: int) -> tuple[int, int]:
    """Day of March / September of 春分の日 / 秋分の日 by the classic approximation (valid 1980–2099)."""
    leap = (year - 1980) // 4
    return int(20.8431 + 0.242194 * (year - 1980) - leap), int(23.2488 + 0.242194 * (year - 1980) - leap)


@pytest.mark.parametrize("year", SCHEDULED_YEARS)
def test_jpholiday_knows_the_holidays_of_every_scheduled_year(year: int) -> None:
    fixed = {
        D(year, 1, 1): "元日",
        D(year, 2, 11): "建国記念の日",
        D(year, 2, 23): "天皇誕生日",
        D(year, 4, 29): "昭和の日",
        D(year, 5, 3): "憲法記念日",
        D(year, 5, 5): "こどもの日",
        D(year, 11, 3): "文化の日",
        D(year, 11, 23): "勤労感謝の日",
    }
    for day, name in fixed.items():
        assert name in (jpholiday.is_holiday_name(day) or ""), f"jpholiday does not know {name} {day}"
    spring, autumn = _equinoxes(year)
    assert "春分の日" in (jpholiday.is_holiday_name(D(year, 3, spring)) or ""), f"春分の日 {year}"
    assert "秋分の日" in (jpholiday.is_holiday_name(D(year, 9, autumn)) or ""), f"秋分の日 {year}"
    # and the calendar closes them
    assert CAL.is_closed(D(year, 2, 11))
    assert CAL.is_closed(D(year, 3, spring))

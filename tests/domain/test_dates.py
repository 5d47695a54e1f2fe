"""Date arithmetic of DOMAIN.md §8/§9: "+N months" keeps the anchor's day, clamps to the month's
last day and is always counted from the anchor; dates are strict YYYY-MM-DD; fiscal years run
April–March."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrack.domain.dates import add_months, end_of_month, fiscal_year, parse_date

D = dt.date
DATES = st.dates(min_value=D(1900, 1, 1), max_value=D(2200, 12, 31))
MONTHS = st.integers(min_value=-600, max_value=600)


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


# --- add_months: examples worked by hand -------------------------------------------------------


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        # DOMAIN.md §8: 2026-08-31 + 6 months = 2027-02-28 (clamped, 2027 is not a leap year)
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2026, 2, 10), 12, D(2027, 2, 10)),
        (D(2026, 4, 15), 36, D(2029, 4, 15)),
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2026, 3, 31), 1, D(2026, 4, 30)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 5, 20), 0, D(2026, 5, 20)),
        # leap years
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 8, 30), 6, D(2024, 2, 29)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2099, 2, 28), 12, D(2100, 2, 28)),  # 2100 is not a leap year (century rule)
        (D(1999, 2, 28), 12, D(2000, 2, 28)),
        (D(1999, 8, 31), 6, D(2000, 2, 29)),  # 2000 is (divisible by 400)
        # negative months
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 1, 15), -1, D(2025, 12, 15)),
        (D(2026, 1, 31), -13, D(2024, 12, 31)),
        (D(2025, 3, 31), -13, D(2024, 2, 29)),
        (D(2027, 2, 28), -6, D(2026, 8, 28)),  # not back to the 31st: the anchor is 02-28
        (D(2026, 6, 30), -24, D(2024, 6, 30)),
    ],
)
def test_add_months_examples(anchor: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(anchor, months) == expected


def test_add_months_is_counted_from_the_anchor_not_chained() -> None:
    anchor = D(2026, 8, 31)
    chained = add_months(add_months(anchor, 6), 6)
    assert chained == D(2027, 8, 28)  # what chaining would give: the 28 sticks
    assert add_months(anchor, 12) == D(2027, 8, 31)  # what the rule says
    # the 405 monitoring sessions of a plan dated on the 31st keep the 31st where it exists
    sessions = [add_months(anchor, 6 * k) for k in range(1, 7)]
    assert sessions == [
        D(2027, 2, 28),
        D(2027, 8, 31),
        D(2028, 2, 29),
        D(2028, 8, 31),
        D(2029, 2, 28),
        D(2029, 8, 31),
    ]


# --- add_months: properties --------------------------------------------------------------------


@given(DATES, MONTHS)
def test_add_months_moves_exactly_that_many_calendar_months(anchor: dt.date, months: int) -> None:
    assert _month_index(add_months(anchor, months)) - _month_index(anchor) == months


@given(DATES, MONTHS)
def test_add_months_keeps_the_day_clamped_to_the_month_end(anchor: dt.date, months: int) -> None:
    result = add_months(anchor, months)
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(anchor.day, last)


@given(DATES, st.integers(min_value=-300, max_value=300), st.integers(min_value=-300, max_value=300))
def test_add_months_from_the_anchor_never_depends_on_an_intermediate_step(
    anchor: dt.date, m: int, n: int
) -> None:
    direct = add_months(anchor, m + n)
    chained = add_months(add_months(anchor, m), n)
    # chaining can only lose days (a clamp in the middle sticks), never gain them
    assert _month_index(direct) == _month_index(chained)
    assert chained.day <= direct.day
    last = calendar.monthrange(direct.year, direct.month)[1]
    assert direct.day == min(anchor.day, last)
    if anchor.day <= 28:  # no clamp anywhere: both ways agree
        assert chained == direct


@given(DATES.filter(lambda d: d.day <= 28), MONTHS)
def test_add_months_round_trips_when_no_clamp_happens(anchor: dt.date, months: int) -> None:
    assert add_months(add_months(anchor, months), -months) == anchor


# --- end_of_month -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 2, 10), D(2024, 2, 29)),
        (D(2025, 2, 1), D(2025, 2, 28)),
        (D(2100, 2, 1), D(2100, 2, 28)),
        (D(2000, 2, 1), D(2000, 2, 29)),
        (D(2027, 5, 31), D(2027, 5, 31)),
        (D(2026, 4, 1), D(2026, 4, 30)),
        (D(2026, 12, 3), D(2026, 12, 31)),
    ],
)
def test_end_of_month(day: dt.date, expected: dt.date) -> None:
    assert end_of_month(day) == expected


# --- parse_date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-02-28", D(2026, 2, 28)), ("2024-02-29", D(2024, 2, 29)), ("2027-01-11", D(2027, 1, 11))],
)
def test_parse_date_accepts_yyyy_mm_dd(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2026-13-01",  # no month 13
        "2026-00-10",
        "2026-01-32",
        "2025-02-29",  # not a leap year
        "2026-1-1",  # not zero-padded
        "2026-01-1",
        "",
        "abc",
        "2026/01/01",
        "20260101",
        " 2026-01-01",
        "2026-01-01 ",
        "２０２６-０１-０１",  # full-width digits
        "2026-01-01T00:00",
    ],
)
def test_parse_date_rejects_malformed_text(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_date(text)
    assert repr(text) in str(info.value)
    assert "YYYY-MM-DD" in str(info.value)


# date.fromisoformat on Python 3.11 also takes ISO week dates and compact dates
# ("2026-W01-1" -> 2025-12-29, "20260101xx" -> 2026-01-01); parse_date must not.
@pytest.mark.parametrize("text", ["2026-W01-1", "20260101xx", "20260101T1"])
def test_parse_date_rejects_other_iso_forms_of_ten_characters(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@given(DATES)
def test_parse_date_round_trips_isoformat(day: dt.date) -> None:
    assert parse_date(day.isoformat()) == day


# --- fiscal_year ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2027, 3, 31), 2026),  # the docstring's example: March belongs to the previous FY
        (D(2027, 4, 1), 2027),
        (D(2026, 4, 1), 2026),
        (D(2026, 3, 31), 2025),
        (D(2026, 1, 1), 2025),
        (D(2026, 12, 31), 2026),
    ],
)
def test_fiscal_year_runs_april_to_march(day: dt.date, expected: int) -> None:
    assert fiscal_year(day) == expected


@given(DATES.filter(lambda d: d.year < 2200))
def test_fiscal_year_starts_on_the_last_april_first(day: dt.date) -> None:
    fy = fiscal_year(day)
    assert D(fy, 4, 1) <= day < D(fy + 1, 4, 1)

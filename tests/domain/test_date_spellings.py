"""Dates as Japanese offices type them: every accepted spelling of a day reads as that day, and every
impossible one (a day that does not exist, an era date outside its era) is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrack.domain.dates import read_date

# (first day, kanji, letter): the eras a case date may fall in, written out by hand from the 元号 dates
REIWA, HEISEI = (dt.date(2019, 5, 1), "令和", "R"), (dt.date(1989, 1, 8), "平成", "H")
FULL_WIDTH = str.maketrans("0123456789-/.", "０１２３４５６７８９－／．")


def _era(day: dt.date) -> tuple[str, str, int]:
    start, kanji, letter = REIWA if day >= REIWA[0] else HEISEI
    return kanji, letter, day.year - start.year + 1


def spellings(day: dt.date) -> list[str]:
    y, m, d = day.year, day.month, day.day
    kanji, letter, n = _era(day)
    year = "元" if n == 1 else str(n)
    western = [
        f"{y:04d}-{m:02d}-{d:02d}",
        f"{y}/{m}/{d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{y}.{m}.{d}",
        f"{y}年{m}月{d}日",
    ]
    era = [
        f"{kanji}{year}年{m}月{d}日",
        f"{letter}{n}.{m}.{d}",
        f"{letter}{n:02d}.{m:02d}.{d:02d}",
        f"{letter.lower()}{n}/{m}/{d}",
    ]
    return [*western, *era, *(s.translate(FULL_WIDTH) for s in western), f" {western[0]} "]


@given(st.dates(min_value=dt.date(1989, 1, 8), max_value=dt.date(2099, 12, 31)))
def test_every_spelling_of_a_day_reads_as_that_day(day: dt.date) -> None:
    for text in spellings(day):
        assert read_date(text) == day, text


@given(st.integers(1990, 2099), st.integers(1, 12), st.integers(29, 31))
def test_a_day_that_does_not_exist_is_refused_in_every_spelling(year: int, month: int, day: int) -> None:
    try:
        dt.date(year, month, day)
        return  # it exists
    except ValueError:
        pass
    n = year - 2018 if year >= 2019 else year - 1988
    letter = "R" if year >= 2019 else "H"
    for text in (f"{year:04d}-{month:02d}-{day:02d}", f"{year}/{month}/{day}", f"{letter}{n}.{month}.{day}"):
        with pytest.raises(ValueError, match="does not exist"):
            read_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "平成31年5月1日",
        "令和元年4月30日",
        "R0.1.1",
        "2026-13-01",
        "2026-00-10",
        "٢٠٢٦-٠٦-٢٠",
        "2026-6",
        "R8.6",
        "20260620x",
        "令和八年六月二十日",
        "",
    ],
)
def test_impossible_or_unreadable_spellings_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        read_date(text)


def test_the_first_day_of_reiwa_and_the_last_of_heisei() -> None:
    assert read_date("令和元年5月1日") == dt.date(2019, 5, 1)
    assert read_date("H31.4.30") == dt.date(2019, 4, 30)
    assert read_date("R8.6.20") == read_date("令和8年6月20日") == dt.date(2026, 6, 20)

"""Date arithmetic used by the program rules (DOMAIN.md §8, §9)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata

from .wareki import ERAS

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` strictly; raise ValueError with a readable message otherwise."""
    try:
        if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except (ValueError, TypeError):
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


_WESTERN = re.compile(r"([0-9]{4})(?:[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})|年([0-9]{1,2})月([0-9]{1,2})日)")
_ERA_LETTERS = {"R": "令和", "H": "平成", "S": "昭和", "T": "大正", "M": "明治"}
_JAPANESE = re.compile(r"(令和|平成|昭和|大正|明治)(元|[0-9]{1,2})年([0-9]{1,2})月([0-9]{1,2})日")
_LETTER = re.compile(r"([RHSTM])(元|[0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})")
SPELLINGS = "YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年M月D日, 令和8年6月20日 or R8.6.20"


def read_date(text: str) -> dt.date:
    """A date as Japanese offices type it, after NFKC (full-width digits and separators become ASCII):
    ``2026-06-20``, ``2026/6/20``, ``2026.06.20``, ``2026年6月20日``, ``令和8年6月20日``, ``R8.6.20``,
    ``令和元年5月1日``. Only ASCII digits count. An era date outside its era (``平成31年5月1日``) and a day
    that does not exist (``2026-02-30``) are refused: ValueError with a readable message."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a date ({SPELLINGS})")
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if m := _WESTERN.fullmatch(value):
        year, month, day = int(m[1]), int(m[2] or m[4]), int(m[3] or m[5])
        return _day(text, year, month, day)
    m = _JAPANESE.fullmatch(value) or _LETTER.fullmatch(value.upper())
    if m is None:
        raise ValueError(f"{text!r} is not a date ({SPELLINGS})")
    era = _ERA_LETTERS.get(m[1], m[1])
    index = next(i for i, (_, name) in enumerate(ERAS) if name == era)
    start = ERAS[index][0]
    end = ERAS[index - 1][0] if index > 0 else None
    year_of_era = 1 if m[2] == "元" else int(m[2])
    if year_of_era < 1:
        raise ValueError(f"{text!r} is not a date: {era} has no year 0")
    found = _day(text, start.year + year_of_era - 1, int(m[3]), int(m[4]))
    if found < start or (end is not None and found >= end):
        last = f" to {(end - dt.timedelta(days=1)).isoformat()}" if end else " on"
        raise ValueError(f"{text!r} is not a date: {era} runs from {start.isoformat()}{last}")
    return found


def _day(text: str, year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a date: {year:04d}-{month:02d}-{day:02d} does not exist") from None


def add_months(anchor: dt.date, months: int) -> dt.date:
    """``anchor`` + ``months``, keeping the day of month and clamping to the month's last day.

    Always count from the anchor (never chain): 2026-08-31 + 6 = 2027-02-28. Beyond the calendar's
    ends (a wrong date such as 9999-12-31 written before dates were checked) the result saturates at
    ``date.max`` / ``date.min`` instead of failing, so such a case can still be read and repaired.
    """
    index = anchor.year * 12 + (anchor.month - 1) + months
    year, month0 = divmod(index, 12)
    if year > dt.MAXYEAR:
        return dt.date.max
    if year < dt.MINYEAR:
        return dt.date.min
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(anchor.day, last))


def end_of_month(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def fiscal_year(day: dt.date) -> int:
    """Japanese fiscal year (April–March): 2027-03-31 belongs to fiscal 2026."""
    return day.year if day.month >= 4 else day.year - 1


def shift_days(day: dt.date, days: int) -> dt.date:
    """``day`` + ``days``, saturating at ``date.max`` / ``date.min`` like ``add_months``."""
    ordinal = day.toordinal() + days
    return dt.date.fromordinal(min(max(ordinal, 1), dt.date.max.toordinal()))


FIRST_TODAY, LAST_TODAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)  # the range --today may name

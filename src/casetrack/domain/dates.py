"""Date arithmetic used by the program rules (DOMAIN.md §8, §9)."""

from __future__ import annotations

import calendar
import datetime as dt
import re

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` strictly; raise ValueError with a readable message otherwise."""
    try:
        if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except (ValueError, TypeError):
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


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

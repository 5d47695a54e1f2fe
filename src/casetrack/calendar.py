"""The business calendar: Saturdays, Sundays, national holidays (jpholiday), 12-29…01-03,
and closures a council adds in its settings (行政機関の休日)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import jpholiday

# The years the calendar answers for: jpholiday computes the equinoxes up to 3000, and the national
# holidays act (国民の祝日に関する法律) took effect on 1948-07-20, so 1949 is its first whole year.
FIRST_YEAR, LAST_YEAR = 1949, 3000
YEAR_END = "年末年始"
COUNCIL_CLOSURE = "協議会の休業日"


class BusinessCalendar:
    def __init__(self, closures: Iterable[dt.date] = ()) -> None:
        self._closures = frozenset(closures)

    def is_closed(self, day: dt.date) -> bool:
        if day.weekday() >= 5 or day in self._closures:
            return True
        if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
            return True
        return bool(jpholiday.is_holiday(day))

    def why_closed(self, day: dt.date) -> str | None:
        if day.weekday() >= 5:
            return "土曜日" if day.weekday() == 5 else "日曜日"
        if day in self._closures:
            return "協議会の休業日"
        if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
            return "年末年始"
        name = jpholiday.is_holiday_name(day)
        return name or None

    def reasons(self, day: dt.date) -> list[str]:
        """Every reason ``day`` is closed, the national holiday's name first (empty: a business day).
        2027-01-01 is ["元日", "年末年始"]; is_closed(day) is bool(reasons(day))."""
        out = []
        name = jpholiday.is_holiday_name(day)
        if name:
            out.append(name)
        if (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3):
            out.append(YEAR_END)
        if day in self._closures:
            out.append(COUNCIL_CLOSURE)
        if day.weekday() >= 5:
            out.append("土曜日" if day.weekday() == 5 else "日曜日")
        return out


def covers(day: dt.date) -> bool:
    """Whether the business calendar knows ``day``'s holidays (FIRST_YEAR to LAST_YEAR)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR

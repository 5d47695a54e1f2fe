"""The business calendar: Saturdays, Sundays, national holidays (jpholiday), 12-29…01-03,
and closures a council adds in its settings (行政機関の休日)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import jpholiday


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

"""The business calendar: Saturdays, Sundays, national holidays (jpholiday), 12-29…01-03,
and closures a council adds in its settings (行政機関の休日)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import jpholiday

# The years the calendar answers for: jpholiday computes the equinoxes up to 3000, and the national
# holidays act (国民の祝日に関する法律) took effect on 1948-07-20, so 1949 is its first whole year.
FIRST_YEAR, LAST_YEAR = 1949, 3000
YEAR_END = "年末年始"
COUNCIL_CLOSURE = CLOSURE_LABEL = "協議会の休業日"


class BusinessCalendar:
    """``closures``: the extra closed days, either as plain dates or mapped to their reason (None: no
    reason recorded)."""

    def __init__(self, closures: Iterable[dt.date] | Mapping[dt.date, str | None] = ()) -> None:
        if isinstance(closures, Mapping):
            self._closures: dict[dt.date, str | None] = dict(closures)
        else:
            self._closures = dict.fromkeys(closures)
        self._closed: dict[
            dt.date, bool
        ] = {}  # answers already worked out (a sweep asks about the same days)

    def is_closed(self, day: dt.date) -> bool:
        known = self._closed.get(day)
        if known is None:
            known = self._closed[day] = (
                day.weekday() >= 5
                or day in self._closures
                or _new_year(day)
                or bool(jpholiday.is_holiday(day))
            )
        return known

    def reasons_closed(self, day: dt.date) -> tuple[str, ...]:
        """Every reason ``day`` is closed, the most specific first: the national holiday's name (祝日,
        振替休日, 国民の休日), 年末年始, a council closure with its reason, then 土曜日/日曜日.
        Empty for a business day."""
        out = []
        name = jpholiday.is_holiday_name(day)
        if name:
            out.append(name)
        if _new_year(day):
            out.append(YEAR_END)
        if day in self._closures:
            reason = self._closures[day]
            out.append(f"{CLOSURE_LABEL}（{reason}）" if reason else CLOSURE_LABEL)
        if day.weekday() >= 5:
            out.append("土曜日" if day.weekday() == 5 else "日曜日")
        return tuple(out)

    def why_closed(self, day: dt.date) -> str | None:
        """The reasons of ``reasons_closed`` in one phrase (2027-01-02: 年末年始・土曜日), or None."""
        return "・".join(self.reasons_closed(day)) or None

    def reasons(self, day: dt.date) -> list[str]:
        """``reasons_closed`` with a council closure as its plain label (the calendar page names the
        closure itself): 2027-01-01 is ["元日", "年末年始"]; is_closed(day) is bool(reasons(day))."""
        return [COUNCIL_CLOSURE if r.startswith(COUNCIL_CLOSURE) else r for r in self.reasons_closed(day)]


def covers(day: dt.date) -> bool:
    """Whether the business calendar knows ``day``'s holidays (FIRST_YEAR to LAST_YEAR)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def _new_year(day: dt.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)

"""When each reminder rung goes out (DOMAIN.md §9). Pure: the calendar is injected.

A rung is ``days`` and ``months`` from its item's date (a session's due date, a deadline). On a
closed day it goes out on the previous business day when it is on or before the item's date, and on
the next business day when it is after.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .dates import add_months, shift_days
from .schedule import next_business_day

IsClosed = Callable[[dt.date], bool]


def previous_business_day(day: dt.date, is_closed: IsClosed) -> dt.date:
    for _ in range(60):
        if not is_closed(day):
            return day
        day -= dt.timedelta(days=1)
    raise ValueError(f"no business day within 60 days before {day}")


def rung_day(item_date: dt.date, days: int, months: int, is_closed: IsClosed) -> dt.date:
    nominal = shift_days(add_months(item_date, months), days)
    if nominal <= item_date:
        return previous_business_day(nominal, is_closed)
    return next_business_day(nominal, is_closed)


@dataclass(frozen=True)
class RungSpec:
    id: str
    days: int
    months: int


@dataclass(frozen=True)
class DueRung:
    rung: str
    send_on: dt.date


def due_rungs(
    item_date: dt.date, rungs: Iterable[RungSpec], today: dt.date, is_closed: IsClosed
) -> list[DueRung]:
    """The rungs of an item whose day has come by ``today`` (every one missed included)."""
    out = []
    for r in rungs:
        day = rung_day(item_date, r.days, r.months, is_closed)
        if day <= today:
            out.append(DueRung(r.id, day))
    return out


def earliest_lead_days(rungs: Iterable[RungSpec]) -> int:
    """How many days before its date an item's first rung can go out (closed days add at most a few)."""
    return max((-(r.days + 31 * r.months) for r in rungs), default=0)


def backoff_seconds(attempts: int, base: int = 60, ceiling: int = 3600) -> int:
    """Delay before retry number ``attempts`` (1, 2, …): 1 min, 2 min, 4 min … at most an hour."""
    return int(min(base * 2 ** max(attempts - 1, 0), ceiling))


# The session templates by what is true on the day a message goes out (DOMAIN.md §11 "Catch-up"):
# before the due date, on it, after it. A rung sent late says what is true that day, not what was true
# on the rung's own day.
SESSION_TENSES = ("session_upcoming", "session_due", "session_overdue")


def template_for_day(template: str, days_left: int) -> str:
    """The template a message of ``template`` must use when its item is ``days_left`` days away
    (negative: overdue): a session rung enqueued after its day never says "approaching" or "today"
    of a session already past."""
    if template not in SESSION_TENSES:
        return template
    return SESSION_TENSES[0] if days_left > 0 else SESSION_TENSES[1] if days_left == 0 else SESSION_TENSES[2]


@dataclass(frozen=True)
class CatchUp:
    """One sweep's decision for one item and recipient role: the rung to send and the ones it supersedes."""

    send: str
    superseded: tuple[str, ...]


def catch_up(due: Iterable[tuple[str, dt.date, int]]) -> CatchUp | None:
    """Of the rungs of one item and one recipient role whose day has come — (rung, send_on, position in
    the workflow's order) — only the latest is sent; every earlier one is superseded by it (skipped, never
    sent later). DOMAIN.md §11 "Catch-up"."""
    ordered = sorted(due, key=lambda r: (r[1], r[2]))
    if not ordered:
        return None
    return CatchUp(ordered[-1][0], tuple(r[0] for r in ordered[:-1]))

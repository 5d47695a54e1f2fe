"""Monitoring schedules and closed-day moves (DOMAIN.md §8). Pure: the calendar is injected."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .dates import add_months, end_of_month

IsClosed = Callable[[dt.date], bool]


@dataclass(frozen=True)
class PlannedSession:
    seq: int
    kind: str  # interim | fye | regular
    nominal_due_on: dt.date
    due_on: dt.date


def next_business_day(day: dt.date, is_closed: IsClosed) -> dt.date:
    """The day itself if open, else the first open day after it."""
    for _ in range(60):
        if not is_closed(day):
            return day
        day += dt.timedelta(days=1)
    raise ValueError(f"no business day within 60 days after {day}")


def closed_days_passed(
    nominal: dt.date, due: dt.date, reasons: Callable[[dt.date], Sequence[str]]
) -> list[tuple[dt.date, tuple[str, ...]]]:
    """Why a session's due date moved: each day from its nominal date up to (not including) its due
    date, with every reason that day is closed. Empty when the session did not move."""
    out = []
    day = nominal
    while day < due:
        out.append((day, tuple(reasons(day))))
        day += dt.timedelta(days=1)
    return out


NO_LONGER_CLOSED = "現在は休業日ではありません"


def moved_text(moved_because: Iterable[Mapping[str, Any]]) -> str:
    """The move in one line: 「2027-05-03 憲法記念日、2027-05-04 みどりの日、2027-05-05 こどもの日」.
    ``moved_because`` holds {"day", "reasons"} as the session views give them."""
    return "、".join(f"{m['day']} {'・'.join(m['reasons']) or NO_LONGER_CLOSED}" for m in moved_because)


def fye_nominal(
    plan_date: dt.date, fiscal_year_end_month: int, lag_months: int, min_months: int = 12
) -> tuple[dt.date, dt.date]:
    """(fiscal-year end, nominal due) of the early fiscal-year-end session.

    The first fiscal-year end (last day of the 決算月) on or after plan date + ``min_months`` (the rule
    set's ``fye_min_months_after_plan``, 12 by default; 0 reads the pamphlet's line 176 as "within the
    first year"); due at the end of the month ``lag_months`` after it. plan 2026-02-10, March, 12 →
    2027-03-31 → 2027-05-31; with 0 → 2026-03-31 → 2026-05-31.
    """
    start = add_months(plan_date, min_months)
    year = start.year
    fye = end_of_month(dt.date(year, fiscal_year_end_month, 1))
    if fye < start:
        fye = end_of_month(dt.date(year + 1, fiscal_year_end_month, 1))
    return fye, end_of_month(add_months(fye.replace(day=1), lag_months))


def early_sessions(
    plan_date: dt.date,
    fiscal_year_end_month: int,
    *,
    interim: bool,
    interim_months: int,
    lag_months: int,
    is_closed: IsClosed,
    fye_min_months: int = 12,
) -> list[PlannedSession]:
    nominal: list[tuple[str, dt.date]] = []
    if interim:
        nominal.append(("interim", add_months(plan_date, interim_months)))
    nominal.append(("fye", fye_nominal(plan_date, fiscal_year_end_month, lag_months, fye_min_months)[1]))
    return [
        PlannedSession(seq, kind, day, next_business_day(day, is_closed))
        for seq, (kind, day) in enumerate(sorted(nominal, key=lambda kd: kd[1]), start=1)
    ]


def regular_sessions(
    plan_date: dt.date, interval_months: int, window_months: int, *, is_closed: IsClosed
) -> list[PlannedSession]:
    """405: plan date + k·I months while within the window (plan 2026-04-15, I=6 → 6 sessions)."""
    if not 1 <= interval_months <= 12:
        raise ValueError("the monitoring interval is 1–12 months")
    sessions = []
    k = 1
    while k * interval_months <= window_months:
        day = add_months(plan_date, k * interval_months)
        sessions.append(PlannedSession(k, "regular", day, next_business_day(day, is_closed)))
        k += 1
    return sessions


class ScheduleRefused(ValueError):
    """Every problem of an explicit schedule, in English (the message) and in Japanese (``ja``)."""

    def __init__(self, problems: list[str], ja: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.ja = ja


def explicit_sessions(
    plan_date: dt.date, dates: list[dt.date], window_months: int, *, is_closed: IsClosed
) -> list[PlannedSession]:
    """A schedule agreed with the banks: every gap (from the plan date, then between sessions) within
    1–12 months, the last session inside the window. Raises ScheduleRefused listing every problem."""
    problems, ja = [], []
    if not dates:
        problems.append("an explicit schedule needs at least one date")
        ja.append("日程には日付が一つ以上必要です")
    end = add_months(plan_date, window_months)
    previous = plan_date
    for n, day in enumerate(dates, start=1):
        if day < add_months(previous, 1):
            problems.append(f"session {n} ({day}) is less than 1 month after {previous}")
            ja.append(f"第{n}回（{day}）が {previous} から1か月未満です")
        elif day > add_months(previous, 12):
            problems.append(f"session {n} ({day}) is more than 12 months after {previous}")
            ja.append(f"第{n}回（{day}）が {previous} から12か月を超えています")
        previous = max(previous, day)
    if dates and dates[-1] > end:
        problems.append(f"the last session ({dates[-1]}) is after the end of the window ({end})")
        ja.append(f"最後の回（{dates[-1]}）が伴走支援の期間の終わり（{end}）より後です")
    if problems:
        raise ScheduleRefused(problems, ja)
    return [
        PlannedSession(seq, "regular", day, next_business_day(day, is_closed))
        for seq, day in enumerate(dates, start=1)
    ]

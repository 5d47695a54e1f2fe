"""Properties of the pure schedule functions (casetrack.domain.schedule, DOMAIN.md §8), checked with
hypothesis against oracles written here from the text of §8, plus hand-worked examples: early
fiscal-year-end sessions for every 決算月, plan dates at month ends and on leap days, and the Golden
Week / New Year closed-day moves.

Oracles: "+N months" keeps the anchor's day of month, clamped to the month's last day, always counted
from the anchor; "a is at least one month after p" is phrased by month difference and day of month
(not with the program's add_months) so that the two formulations check each other.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casetrack.business_days import BusinessCalendar
from casetrack.domain.schedule import early_sessions, explicit_sessions, next_business_day, regular_sessions

D = dt.date.fromisoformat
CAL = BusinessCalendar()
PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

plan_dates = st.dates(min_value=dt.date(2022, 4, 1), max_value=dt.date(2031, 12, 31))
# month ends and leap days are where clamping bites: weight them
month_ends = st.builds(lambda y, m: _last_day(y, m), st.integers(2022, 2031), st.integers(1, 12))
anchors = st.one_of(
    plan_dates,
    month_ends,
    st.sampled_from([D("2024-02-29"), D("2028-02-29"), D("2026-01-31"), D("2026-08-31"), D("2027-02-28")]),
)
extra_closures = st.frozensets(
    st.dates(min_value=dt.date(2022, 5, 1), max_value=dt.date(2035, 12, 31)), max_size=25
)


# -- oracles ------------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _plus_months(anchor: dt.date, n: int) -> dt.date:
    total = anchor.month - 1 + n
    year, month = anchor.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(anchor.day, _last_day(year, month).day))


def _month_diff(p: dt.date, d: dt.date) -> int:
    return (d.year - p.year) * 12 + d.month - p.month


def _at_least_months(p: dt.date, d: dt.date, n: int) -> bool:
    """d ≥ p + n months: more calendar months apart, or exactly n with a day of month at least p's (or
    d is its month's last day, where p's day was clamped)."""
    m = _month_diff(p, d)
    return m > n or (m == n and (d.day >= p.day or d == _last_day(d.year, d.month)))


def _at_most_months(p: dt.date, d: dt.date, n: int) -> bool:
    """d ≤ p + n months."""
    m = _month_diff(p, d)
    return m < n or (m == n and d.day <= p.day)


def _first_open(day: dt.date, is_closed: object) -> dt.date:
    while is_closed(day):  # type: ignore[operator]
        day += dt.timedelta(days=1)
    return day


def _check_move(nominal: dt.date, due: dt.date, cal: BusinessCalendar) -> None:
    assert due >= nominal
    assert not cal.is_closed(due), f"{due} is closed ({cal.why_closed(due)})"
    span = (due - nominal).days
    assert all(cal.is_closed(nominal + dt.timedelta(days=i)) for i in range(span)), (nominal, due)


# -- 405 regular sessions -----------------------------------------------------------------------


@PROPS
@given(plan=anchors, interval=st.integers(1, 12), window=st.integers(1, 60), closures=extra_closures)
@example(plan=D("2026-08-31"), interval=6, window=36, closures=frozenset())
@example(plan=D("2026-04-15"), interval=6, window=36, closures=frozenset())
@example(plan=D("2024-02-29"), interval=12, window=36, closures=frozenset())
def test_regular_sessions_are_anchor_based_inside_the_window_and_on_open_days(
    plan: dt.date, interval: int, window: int, closures: frozenset[dt.date]
) -> None:
    cal = BusinessCalendar(closures)
    got = regular_sessions(plan, interval, window, is_closed=cal.is_closed)
    assert len(got) == window // interval
    end = _plus_months(plan, window)
    for k, s in enumerate(got, start=1):
        assert (s.seq, s.kind) == (k, "regular")
        assert s.nominal_due_on == _plus_months(plan, k * interval)
        # anchor-based, never chained: the day of month is the plan's, clamped only in short months
        assert s.nominal_due_on.day == min(
            plan.day, _last_day(s.nominal_due_on.year, s.nominal_due_on.month).day
        )
        assert _month_diff(plan, s.nominal_due_on) == k * interval
        assert plan < s.nominal_due_on <= end
        _check_move(s.nominal_due_on, s.due_on, cal)
    # the next one would be outside the window
    assert _month_diff(plan, _plus_months(plan, (len(got) + 1) * interval)) > window


def test_regular_sessions_from_a_month_end_are_not_chained() -> None:
    got = regular_sessions(D("2026-08-31"), 6, 36, is_closed=lambda _d: False)
    # chained would give 2027-02-28, 2027-08-28, …
    assert [s.nominal_due_on.isoformat() for s in got] == [
        "2027-02-28",
        "2027-08-31",
        "2028-02-29",
        "2028-08-31",
        "2029-02-28",
        "2029-08-31",
    ]


def test_domain_example_plan_2026_04_15_every_six_months() -> None:
    got = regular_sessions(D("2026-04-15"), 6, 36, is_closed=CAL.is_closed)
    assert [(s.seq, s.nominal_due_on.isoformat(), s.due_on.isoformat()) for s in got] == [
        (1, "2026-10-15", "2026-10-15"),  # Thu
        (2, "2027-04-15", "2027-04-15"),  # Thu
        (3, "2027-10-15", "2027-10-15"),  # Fri
        (4, "2028-04-15", "2028-04-17"),  # Sat → Mon
        (5, "2028-10-15", "2028-10-16"),  # Sun → Mon
        (6, "2029-04-15", "2029-04-16"),  # Sun → Mon
    ]


def test_a_golden_week_session_moves_past_the_substitute_holiday() -> None:
    got = regular_sessions(D("2025-11-02"), 6, 12, is_closed=CAL.is_closed)
    # 2026-05-02 Sat, 05-03 Sun 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 05-06 振替休日 → Thu 05-07;
    # 2026-11-02 is a Monday (文化の日 is 11-03)
    assert [(s.nominal_due_on.isoformat(), s.due_on.isoformat()) for s in got] == [
        ("2026-05-02", "2026-05-07"),
        ("2026-11-02", "2026-11-02"),
    ]


# -- early sessions -----------------------------------------------------------------------------


def _fye_oracle(plan: dt.date, month: int, lag: int) -> tuple[dt.date, dt.date]:
    start = _plus_months(plan, 12)
    fye = _last_day(start.year, month)
    if fye < start:
        fye = _last_day(start.year + 1, month)
    due_month = _plus_months(dt.date(fye.year, fye.month, 1), lag)
    return fye, _last_day(due_month.year, due_month.month)


@PROPS
@given(
    plan=anchors,
    month=st.integers(1, 12),
    lag=st.integers(0, 6),
    interim=st.booleans(),
    interim_months=st.integers(1, 11),
    closures=extra_closures,
)
def test_early_sessions_follow_the_fiscal_year_end_rule(
    plan: dt.date, month: int, lag: int, interim: bool, interim_months: int, closures: frozenset[dt.date]
) -> None:
    cal = BusinessCalendar(closures)
    got = early_sessions(
        plan, month, interim=interim, interim_months=interim_months, lag_months=lag, is_closed=cal.is_closed
    )
    fye, fye_due = _fye_oracle(plan, month, lag)
    # the first fiscal-year end on or after plan + 12 months: the one a year earlier is before that day
    assert fye.month == month and fye >= _plus_months(plan, 12) > _last_day(fye.year - 1, month)
    expected = [("fye", fye_due)] + ([("interim", _plus_months(plan, interim_months))] if interim else [])
    expected.sort(key=lambda kd: kd[1])
    assert [(s.seq, s.kind, s.nominal_due_on) for s in got] == [
        (i, k, d) for i, (k, d) in enumerate(expected, 1)
    ]
    for s in got:
        _check_move(s.nominal_due_on, s.due_on, cal)


def _early(plan: str, month: int, interim: bool = False) -> list[tuple[str, str, str]]:
    got = early_sessions(
        D(plan), month, interim=interim, interim_months=6, lag_months=2, is_closed=CAL.is_closed
    )
    return [(s.kind, s.nominal_due_on.isoformat(), s.due_on.isoformat()) for s in got]


@pytest.mark.parametrize(
    ("month", "nominal", "due"),
    [
        # plan 2026-02-10 → plan + 12 months = 2027-02-10; fiscal-year end on or after it; + 2 months, month end
        (1, "2028-03-31", "2028-03-31"),  # 2027-01-31 is before 02-10 → 2028-01-31
        (2, "2027-04-30", "2027-04-30"),  # 2027-02-28 → Fri 04-30 (04-29 is 昭和の日)
        (3, "2027-05-31", "2027-05-31"),  # DOMAIN.md §8 example
        (4, "2027-06-30", "2027-06-30"),
        (5, "2027-07-31", "2027-08-02"),  # Sat → Mon
        (6, "2027-08-31", "2027-08-31"),
        (7, "2027-09-30", "2027-09-30"),
        (8, "2027-10-31", "2027-11-01"),  # Sun → Mon
        (9, "2027-11-30", "2027-11-30"),
        (10, "2027-12-31", "2028-01-04"),  # year-end closure, then Sat/Sun/01-03 → Tue 01-04
        (11, "2028-01-31", "2028-01-31"),
        (12, "2028-02-29", "2028-02-29"),  # 2027-12-31 + 2 months: leap February
    ],
)
def test_early_fye_due_for_every_fiscal_year_end_month(month: int, nominal: str, due: str) -> None:
    assert _early("2026-02-10", month) == [("fye", nominal, due)]


@pytest.mark.parametrize(
    ("plan", "month", "interim", "expected"),
    [
        # +12 → 2028-02-28; February 2028 ends on the 29th, which is on or after it
        ("2027-02-28", 2, False, [("fye", "2028-04-30", "2028-05-01")]),  # Sun → Mon
        # from a leap day: +12 → 2029-02-28, itself the fiscal-year end; 04-30 is 昭和の日's 振替休日
        ("2028-02-29", 2, False, [("fye", "2029-04-30", "2029-05-01")]),
        # +12 → 2029-02-28; 2029-01-31 is before it → 2030-01-31 → 2030-03-31 (Sun) → Mon
        ("2028-02-29", 1, False, [("fye", "2030-03-31", "2030-04-01")]),
        # +12 lands exactly on the fiscal-year end: it counts
        ("2026-03-31", 3, False, [("fye", "2027-05-31", "2027-05-31")]),
        # +12 is the day after it: next year's
        ("2026-04-01", 3, False, [("fye", "2028-05-31", "2028-05-31")]),
        # month-end plan, +12 → 2027-01-31 → 2027-02-28
        ("2026-01-31", 2, False, [("fye", "2027-04-30", "2027-04-30")]),
        ("2026-12-31", 12, False, [("fye", "2028-02-29", "2028-02-29")]),
        # +12 → 2028-01-01; 2027-12-31 is before it → 2028-12-31 → 2029-02-28
        ("2027-01-01", 12, False, [("fye", "2029-02-28", "2029-02-28")]),
        # interim: 2026-08-31 + 6 = 2027-02-28 (Sun) → 03-01; fye: 2027-08-31 → 2028-02-29 → 2028-04-30 (Sun)
        (
            "2026-08-31",
            2,
            True,
            [("interim", "2027-02-28", "2027-03-01"), ("fye", "2028-04-30", "2028-05-01")],
        ),
        # interim 2028-05-30 (Tue); fye: +12 → 2028-11-30; 2028-09-30 before → 2029-09-30 → 2029-11-30
        (
            "2027-11-30",
            9,
            True,
            [("interim", "2028-05-30", "2028-05-30"), ("fye", "2029-11-30", "2029-11-30")],
        ),
    ],
)
def test_early_examples_near_month_ends_and_leap_days(
    plan: str, month: int, interim: bool, expected: list[tuple[str, str, str]]
) -> None:
    assert _early(plan, month, interim) == expected


# -- explicit schedules -------------------------------------------------------------------------


@PROPS
@given(
    plan=anchors,
    gaps=st.lists(st.integers(0, 420), min_size=1, max_size=6),
    window=st.sampled_from([36, 24, 48]),
    closures=extra_closures,
)
@example(plan=D("2026-01-31"), gaps=[28], window=36, closures=frozenset())  # 2026-02-28: exactly 1 month
@example(plan=D("2026-01-31"), gaps=[27], window=36, closures=frozenset())  # 2026-02-27: less
@example(plan=D("2026-01-31"), gaps=[365], window=36, closures=frozenset())  # 2027-01-31: exactly 12
@example(plan=D("2026-01-31"), gaps=[366], window=36, closures=frozenset())  # 2027-02-01: more
@example(plan=D("2027-02-28"), gaps=[365, 1], window=36, closures=frozenset())  # 2028-02-28, 02-29
def test_explicit_schedules_are_accepted_iff_every_gap_is_1_to_12_months_inside_the_window(
    plan: dt.date, gaps: list[int], window: int, closures: frozenset[dt.date]
) -> None:
    dates = []
    day = plan
    for g in gaps:
        day += dt.timedelta(days=g)
        dates.append(day)
    problems = 0
    previous = plan
    for d in dates:
        if not _at_least_months(previous, d, 1) or not _at_most_months(previous, d, 12):
            problems += 1
        previous = d
    if not _at_most_months(plan, dates[-1], window):
        problems += 1
    cal = BusinessCalendar(closures)
    if problems:
        with pytest.raises(ValueError) as refused:
            explicit_sessions(plan, dates, window, is_closed=cal.is_closed)
        assert len(str(refused.value).split("; ")) == problems, str(refused.value)
        return
    got = explicit_sessions(plan, dates, window, is_closed=cal.is_closed)
    assert [(s.seq, s.kind, s.nominal_due_on) for s in got] == [
        (i, "regular", d) for i, d in enumerate(dates, 1)
    ]
    for s in got:
        _check_move(s.nominal_due_on, s.due_on, cal)


def test_explicit_schedule_with_no_dates_is_refused() -> None:
    with pytest.raises(ValueError):
        explicit_sessions(D("2026-01-31"), [], 36, is_closed=CAL.is_closed)


@pytest.mark.parametrize(
    ("dates", "ok"),
    [
        # plan 2026-01-31 (by hand): +1 month 02-28, +12 months 2027-01-31, +36 months 2029-01-31
        (["2026-02-28"], True),
        (["2026-02-27"], False),
        (["2027-01-31"], True),
        (["2027-02-01"], False),
        # from 2026-02-28: +1 month = 03-28, +12 months = 2027-02-28 (the day of month is 28 now)
        (["2026-02-28", "2026-03-28"], True),
        (["2026-02-28", "2026-03-27"], False),
        (["2026-02-28", "2027-02-28"], True),
        (["2026-02-28", "2027-03-01"], False),
        # from 2027-02-28 + 12 months = 2028-02-28: the leap day after it is more than 12 months
        (["2027-01-31", "2027-02-28", "2028-02-28"], True),
        (["2027-01-31", "2027-02-28", "2028-02-29"], False),
        (["2027-01-31", "2028-01-31", "2029-01-31"], True),
        (["2027-01-31", "2028-01-31", "2029-02-01"], False),  # 12 months + 1 day, and past the window
    ],
)
def test_explicit_schedule_boundaries_by_hand(dates: list[str], ok: bool) -> None:
    plan = D("2026-01-31")
    days = [D(d) for d in dates]
    if ok:
        assert [s.nominal_due_on for s in explicit_sessions(plan, days, 36, is_closed=CAL.is_closed)] == days
    else:
        with pytest.raises(ValueError):
            explicit_sessions(plan, days, 36, is_closed=CAL.is_closed)


# -- closed-day moves ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nominal", "due"),
    [
        ("2026-05-02", "2026-05-07"),  # Sat; 05-03 Sun 憲法記念日; 05-04, 05-05; 05-06 振替休日
        ("2027-05-03", "2027-05-06"),  # Mon 憲法記念日, Tue みどりの日, Wed こどもの日
        ("2029-04-28", "2029-05-01"),  # Sat; 04-29 Sun 昭和の日; 04-30 振替休日
        ("2026-09-19", "2026-09-24"),  # Sat, Sun, 09-21 敬老の日, 09-22 国民の休日, 09-23 秋分の日
        ("2026-12-29", "2027-01-04"),  # 12-29…01-03
        ("2028-12-29", "2029-01-04"),  # Fri 12-29 … Wed 01-03 (元日 on Monday)
        ("2030-12-28", "2031-01-06"),  # Sat … 01-03 Fri, then Sat/Sun 01-04/05
        ("2026-01-03", "2026-01-05"),  # Sat 01-03, Sun 01-04
        ("2027-01-11", "2027-01-12"),  # 成人の日 (second Monday of January)
        ("2027-03-22", "2027-03-23"),  # 振替休日 of 春分の日 (03-21, a Sunday)
        ("2027-05-06", "2027-05-06"),  # an open Thursday stays
    ],
)
def test_closed_day_moves(nominal: str, due: str) -> None:
    assert next_business_day(D(nominal), CAL.is_closed) == D(due)


@PROPS
@given(day=st.dates(min_value=dt.date(2022, 4, 1), max_value=dt.date(2036, 12, 31)), closures=extra_closures)
def test_next_business_day_is_the_first_open_day_on_or_after(
    day: dt.date, closures: frozenset[dt.date]
) -> None:
    cal = BusinessCalendar(closures)
    due = next_business_day(day, cal.is_closed)
    assert due == _first_open(day, cal.is_closed)
    assert due.weekday() < 5
    assert not (due.month == 12 and due.day >= 29) and not (due.month == 1 and due.day <= 3)
    assert due not in closures

"""``deadlines.latest_start``: the bound the audit gives the database. For a date that counts whole
months from another (each deadline of DOMAIN.md §3/§9), the days whose warning has come by ``today``
are exactly the days on or before the bound — checked against the deadline functions themselves."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from casetrack.domain import deadlines
from casetrack.domain.dates import add_months

D = dt.date
DAYS = st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31))


@given(today=DAYS, months=st.integers(min_value=-36, max_value=36), day=DAYS)
def test_bound_splits_the_days_exactly(today: dt.date, months: int, day: dt.date) -> None:
    last = deadlines.latest_start(lambda d: add_months(d, months), today)
    assert last is not None
    assert add_months(last, months) <= today < add_months(last + dt.timedelta(days=1), months)
    assert (add_months(day, months) <= today) == (day <= last)


def test_bound_examples_worked_by_hand() -> None:
    # early claim warning: acceptance + 9 months. On 2027-01-20 the warning has come for every case
    # accepted by 2026-04-20; on 2027-02-28 for those accepted by 2026-05-31 (05-29…05-31 all clamp to 02-28).
    rules = {"claim_deadline_warn_months": 9}
    assert deadlines.latest_start(lambda d: deadlines.claim_deadline_warning(d, rules), D(2027, 1, 20)) == D(
        2026, 4, 20
    )
    assert deadlines.latest_start(lambda d: deadlines.claim_deadline_warning(d, rules), D(2027, 2, 28)) == D(
        2026, 5, 31
    )
    assert deadlines.latest_start(lambda d: deadlines.claim_deadline_warning(d, rules), D(2027, 2, 27)) == D(
        2026, 5, 27
    )
    # 405 after `extend --until 2028-03-31`: warning from until − 6 months (18 − 24), so on 2027-09-30 every
    # extension to 2028-03-31 or before (2028-03-30 → 2027-09-30; 2028-03-31 → 2027-09-30, clamped) has one.
    rules405 = {"validity_months": 24, "validity_warn_months": 18}
    last = deadlines.latest_start(
        lambda d: deadlines.validity_warning(D(2026, 1, 1), d, rules405), D(2027, 9, 30)
    )
    assert last == D(2028, 3, 31)


def test_no_bound_when_no_day_qualifies() -> None:
    assert deadlines.latest_start(lambda d: D(2999, 1, 1), D(2026, 11, 25)) is None

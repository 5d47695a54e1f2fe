"""What ``CalendarRepo`` returns for one council's month or week (DOMAIN.md §8, §9): the monitoring
sessions due in it, the cases whose deadline counted from acceptance (or an extended validity) may fall
in it, and the cases still holding back part of a plan subsidy. Plain frozen values filled by the store
from its rows, field for field (their names are the query's column labels); the service computes each
date and keeps those inside the range."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class CalendarSession(NamedTuple):
    """A monitoring session (any status) with its case and company: its nominal due date and the one a
    closure moved it to, and when it was held."""

    case_id: str
    seq: int
    kind: str
    nominal_due_on: dt.date
    due_on: dt.date
    status: str
    held_on: dt.date | None
    program: str
    state: str
    coordinator: str | None
    company_name: str


class DatedCase(NamedTuple):
    """A case whose claim deadline or validity end may fall in the range: what the dates are counted
    from (``rule_set`` says how many months)."""

    case_id: str
    program: str
    council: str
    state: str
    coordinator: str | None
    rule_set: str
    accepted_on: dt.date | None
    validity_until: dt.date | None
    company_name: str


class HeldBackCase(NamedTuple):
    """A case still holding back ``open`` yen of a plan subsidy decided on ``decided_on``."""

    id: str
    program: str
    track: str
    council: str
    state: str
    state_since: dt.date
    coordinator: str | None
    rule_set: str
    accepted_on: dt.date | None
    validity_until: dt.date | None
    plan_date: dt.date | None
    open: int
    decided_on: dt.date
    company_name: str

    @property
    def case_id(self) -> str:
        return self.id

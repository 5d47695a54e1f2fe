"""What ``AuditRepo``'s finding reads stream (DOMAIN.md §10): an open case, a scheduled session past its
due date, a plan subsidy partly held back. Plain frozen values filled by the store from its rows, field for
field (their names are the query's column labels, in order). NamedTuples: the stalled-case audit reads
one per open case, 100,000 on a national run, streamed; a tuple row becomes one without a dict per row."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class AuditCase(NamedTuple):
    """A case as the audit judges it: its state and since when, its rule set and the dates its deadlines
    count from."""

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


class OverdueSession(NamedTuple):
    """A session still scheduled after its due date, with what a finding names of its case (``id``)."""

    id: str
    program: str
    council: str
    state: str
    coordinator: str | None
    rule_set: str
    seq: int
    due_on: dt.date


class OpenHoldback(NamedTuple):
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

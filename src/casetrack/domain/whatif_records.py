"""What ``WhatIfRepo`` reads for ``casetrack whatif`` (DOMAIN.md §5, §8, §9): an open case with what the
planner, the deadlines, the audit and the guards read of it, a monitoring session, a company and a fee
claim. Plain frozen values filled by the store from its rows, field for field (their names are the query's
column labels, in order). NamedTuples: a national run reads one per open case (65,000 and more) and one
per scheduled session, in bulk; a tuple row becomes one without a dict per row."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from .audit_records import AuditCase


class WhatIfCase(NamedTuple):
    """An open case as ``whatif`` judges it: its place in the workflow, the dates its schedule and
    deadlines count from, how its sessions are planned, its re-use and its company."""

    id: str
    program: str
    track: str
    council: str
    state: str
    state_since: dt.date
    coordinator: str | None
    rule_set: str
    opened_on: dt.date
    accepted_on: dt.date | None
    plan_date: dt.date | None
    validity_until: dt.date | None
    window_months: int | None
    interim_monitoring: bool
    monitoring_interval_months: int | None
    reuse_reason: str | None
    reuse_ground: str | None
    company_id: int

    def audit_case(self) -> AuditCase:
        """The case as the audit's findings read it."""
        return AuditCase(
            self.id,
            self.program,
            self.track,
            self.council,
            self.state,
            self.state_since,
            self.coordinator,
            self.rule_set,
            self.accepted_on,
            self.validity_until,
            self.plan_date,
        )


class WhatIfSession(NamedTuple):
    """A monitoring session of a case (``case_id``): its number, kind, the date the planner gave it
    (``nominal_due_on``), the date it is due and its status."""

    case_id: str
    seq: int
    kind: str
    nominal_due_on: dt.date
    due_on: dt.date
    status: str


class WhatIfCompany(NamedTuple):
    """A case's company: its name (what a change names) and the month its fiscal year ends (what the
    early program's planner reads)."""

    name: str
    fiscal_year_end_month: int


class WhatIfClaim(NamedTuple):
    """A fee claim of a case, as the subsidy arithmetic reads it (``subsidy``: None until decided)."""

    id: int
    case_id: str
    component: str
    fee: int
    status: str
    subsidy: int | None

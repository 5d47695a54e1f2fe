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


class ExportedCase(NamedTuple):
    """A case as `export cases` writes it: the case, its company, its lead support organisation, its
    lenders (names joined, 保証付 marked; the main bank), the sessions held and the money totals
    (None: no ledger entry yet)."""

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
    opened_on: dt.date
    monitoring_interval_months: int | None
    interim_monitoring: bool
    company_name: str
    corporate_number: str | None
    fiscal_year_end_month: int
    lead_name: str | None
    lead_email: str | None
    lead_kind: str | None
    lead_certified: bool | None
    subsidy: int | None
    paid: int | None
    retained: int | None
    sessions_held: int | None
    lenders: str
    main_bank: str | None


class ExportedSession(NamedTuple):
    """A monitoring session as `export monitoring` writes it, with its case's council and company."""

    id: int
    case_id: str
    seq: int
    kind: str
    nominal_due_on: dt.date
    due_on: dt.date
    status: str
    held_on: dt.date | None
    note: str | None
    waive_reason: str | None
    council: str
    company_name: str

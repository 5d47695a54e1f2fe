"""What ``RecordsRepo`` returns for the company and organisation pages and the intake form's pickers:
a company or an organisation as a list shows it, and a case as a company's or organisation's page
lists it. Plain frozen values: the store fills them from its rows; nothing here reads a database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CompanyEntry:
    """A company in the list or the intake form's picker, with how many of its cases the actor sees."""

    id: int
    name: str
    corporate_number: str | None
    fiscal_year_end_month: int
    prefecture: str | None
    cases: int


@dataclass(frozen=True, slots=True)
class OrgEntry:
    """An organisation (support org or lender) in the list or the intake form's pickers."""

    id: int
    name: str
    kind: str
    certified: bool
    email: str | None
    is_bank: bool
    phone: str | None


@dataclass(frozen=True, slots=True)
class RecordCase:
    """A case on a company's or organisation's page. On an organisation's page also the company's name
    and how the organisation takes part (``support_lead``, ``support``, ``lender_main``,
    ``lender_guaranteed``, ``lender``)."""

    id: str
    program: str
    track: str
    state: str
    opened_on: dt.date
    coordinator: str | None
    company_name: str | None = None
    roles: tuple[str, ...] = ()

"""What the rules read about one case: a frozen snapshot built by the store, read by the guards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LenderFact:
    org_id: int
    name: str
    main: bool
    guaranteed: bool


@dataclass(frozen=True)
class SupportOrgFact:
    org_id: int
    name: str
    lead: bool
    certified: bool


@dataclass(frozen=True)
class DocumentFact:
    kind: str
    on: dt.date
    lender_id: int | None = None


@dataclass(frozen=True)
class ClaimFact:
    id: int
    component: str
    fee: int
    status: str  # claimed | decided | rejected


@dataclass(frozen=True)
class SessionFact:
    seq: int
    kind: str
    due_on: dt.date
    status: str  # scheduled | held | waived


@dataclass(frozen=True)
class CaseFacts:
    id: str
    program: str
    track: str
    state: str
    opened_on: dt.date
    state_since: dt.date
    rule_set: str = ""
    accepted_on: dt.date | None = None
    plan_date: dt.date | None = None
    validity_until: dt.date | None = None
    window_months: int | None = None
    reuse_reason: str | None = None
    reuse_ground: str | None = None
    reuse_approved: bool = False
    lenders: tuple[LenderFact, ...] = ()
    support_orgs: tuple[SupportOrgFact, ...] = ()
    documents: tuple[DocumentFact, ...] = ()
    estimates: Mapping[str, int] = field(default_factory=dict)
    claims: tuple[ClaimFact, ...] = ()
    sessions: tuple[SessionFact, ...] = ()
    # earlier uses of the program by the company (cases that reached 利用決定), any council; another
    # council's case appears as 「他の協議会の案件」, never by its id
    prior_cases: tuple[str, ...] = ()

    @property
    def main_bank(self) -> LenderFact | None:
        return next((lender for lender in self.lenders if lender.main), None)

    @property
    def lead(self) -> SupportOrgFact | None:
        return next((org for org in self.support_orgs if org.lead), None)

    def has_document(self, kind: str, lender_id: int | None = None, on: dt.date | None = None) -> bool:
        """A document of ``kind`` (from ``lender_id``) on file, dated no later than ``on`` when given."""
        return any(
            d.kind == kind and (lender_id is None or d.lender_id == lender_id) and (on is None or d.on <= on)
            for d in self.documents
        )

    def later_document(self, kind: str, lender_id: int | None, on: dt.date) -> dt.date | None:
        """The earliest date of such a document dated after ``on`` (it does not count yet)."""
        later = [
            d.on
            for d in self.documents
            if d.kind == kind and (lender_id is None or d.lender_id == lender_id) and d.on > on
        ]
        return min(later, default=None)

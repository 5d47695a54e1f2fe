"""One case's rows as a page or `case show` presents them: read by the store in one transaction (one
snapshot), turned into dicts by ``presenters.case_view`` without further reading."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .case_rows import (
    Case,
    CaseAgreement,
    CaseDocument,
    CaseLender,
    CaseSupportOrg,
    FeeClaim,
    LedgerEntry,
    MonitoringSession,
)
from .master_records import Company


@dataclass(frozen=True)
class CaseRecords:
    """The case row and everything hanging from it, as the repository gives them; the company None only
    if it could not be read (a case's company is seen whenever the case is)."""

    case: Case
    company: Company | None
    support_orgs: Sequence[CaseSupportOrg]
    lenders: Sequence[CaseLender]
    agreements: Sequence[CaseAgreement]
    estimates: Mapping[str, int]
    documents: Sequence[CaseDocument]
    sessions: Sequence[MonitoringSession]
    claims: Sequence[FeeClaim]
    ledger: Sequence[LedgerEntry]

"""What one case's view is made of (``CaseRecords``), read within the caller's unit of work: the case,
its company, links, documents, sessions, claims and ledger from one snapshot."""

from __future__ import annotations

from ..domain.case_records import CaseRecords
from ..domain.case_rows import Case
from .repo import Repo


def case_records(repo: Repo, case: Case) -> CaseRecords:
    """``case`` (as ``repo`` read it) with the rows hanging from it, read through ``repo``."""
    cid = case.id
    return CaseRecords(
        case=case,
        company=repo.company(case.company_id),
        support_orgs=repo.case_support_orgs(cid),
        lenders=repo.case_lenders(cid),
        agreements=repo.case_agreements(cid),
        estimates=repo.case_estimates(cid),
        documents=repo.case_documents(cid),
        sessions=repo.case_sessions(cid),
        claims=repo.case_claims(cid),
        ledger=repo.case_ledger(cid),
    )

"""PostgreSQL's row-level security as the schema states it (migrations 0008, 0018, 0020, 0023): the
tables it guards and the columns it keeps for itself, which the application never reads or writes.

Every row hanging from a case carries its case's council (``rls_council``), and every company the
councils it has or had a case in (``rls_councils``): triggers keep both, and the policies compare them
with the councils the unit of work set for the transaction (``casetrack.councils``: a list, or '*' for
every council), read once per statement."""

from __future__ import annotations

from typing import Any

COLUMN = "rls_council"
COMPANY_COLUMN = "rls_councils"

# the tables whose rows belong to one case (outbox: also mail of no case, which every actor sees)
BY_CASE = (
    "case_lender",
    "case_support_org",
    "case_estimate",
    "document",
    "case_history",
    "fee_claim",
    "monitoring_session",
    "ledger_entry",
    "case_agreement",
    "outbox",
)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """For alembic's schema comparison: leave out the security columns (in the database, not in tables.py)."""
    return not (type_ == "column" and name in (COLUMN, COMPANY_COLUMN) and reflected and compare_to is None)

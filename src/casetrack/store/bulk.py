"""Bulk loading through SQLAlchemy Core: executemany in chunks, one transaction, rows as dicts with
the same keys (so batches never fragment). Used by the dataset generator; imports can use it too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, insert

from .repo import (
    cases,
    claims,
    companies,
    counters,
    documents,
    history,
    ledger,
    lenders,
    orgs,
    sessions,
    support,
    users,
)

TABLES = {
    "company": companies, "organisation": orgs, "app_user": users, "cases": cases, "case_counter": counters,
    "case_lender": lenders, "case_support_org": support, "document": documents, "case_history": history,
    "fee_claim": claims, "ledger_entry": ledger, "monitoring_session": sessions,
}
ORDER = ("company", "organisation", "app_user", "cases", "case_counter", "case_lender", "case_support_org",
         "document", "case_history", "fee_claim", "ledger_entry", "monitoring_session")


def load(engine: Engine, batches: Iterable[dict[str, Sequence[dict[str, Any]]]], chunk: int = 10_000) -> dict[str, int]:
    """Insert each batch ({table name: rows}) in dependency order; returns the row count per table."""
    counts = dict.fromkeys(ORDER, 0)
    with engine.connect() as conn:
        conn = conn.execution_options(casetrack_write=True)
        for batch in batches:
            with conn.begin():
                for name in ORDER:
                    rows = batch.get(name) or ()
                    for i in range(0, len(rows), chunk):
                        conn.execute(insert(TABLES[name]), list(rows[i:i + chunk]))
                    counts[name] += len(rows)
    return counts

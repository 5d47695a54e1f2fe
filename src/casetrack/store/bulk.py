"""Bulk loading through SQLAlchemy Core: executemany in chunks, one transaction, rows as dicts with
the same keys (so batches never fragment). Used by the dataset generator; imports can use it too."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Engine, Integer, bindparam, insert, text, update

from ..domain import chain
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
    user_councils,
    users,
    with_folded_name,
)

TABLES = {
    "company": companies,
    "organisation": orgs,
    "app_user": users,
    "user_council": user_councils,
    "cases": cases,
    "case_counter": counters,
    "case_lender": lenders,
    "case_support_org": support,
    "document": documents,
    "case_history": history,
    "fee_claim": claims,
    "ledger_entry": ledger,
    "monitoring_session": sessions,
}
ORDER = (
    "company",
    "organisation",
    "app_user",
    "user_council",
    "cases",
    "case_counter",
    "case_lender",
    "case_support_org",
    "document",
    "case_history",
    "fee_claim",
    "ledger_entry",
    "monitoring_session",
)


def _chain(
    rows: Sequence[dict[str, Any]], order: str, fields: Sequence[str], last: dict[str, str]
) -> list[dict[str, Any]]:
    """Fill the tamper-evidence chain of rows that come without it (each case's rows in one batch);
    ``last`` receives each case's head."""
    out = []
    for row in sorted(rows, key=lambda r: (r["case_id"], r[order])):
        if row.get("hash"):
            out.append(row)
            continue
        prev = last.get(row["case_id"], chain.GENESIS)
        done = {**row, "prev_hash": prev}
        done["hash"] = last[row["case_id"]] = chain.link(prev, done, fields)
        out.append(done)
    return out


def load(
    engine: Engine, batches: Iterable[dict[str, Sequence[dict[str, Any]]]], chunk: int = 10_000
) -> dict[str, int]:
    """Insert each batch ({table name: rows}) in dependency order; returns the row count per table."""
    counts = dict.fromkeys(ORDER, 0)
    with engine.connect() as conn:
        conn = conn.execution_options(casetrack_write=True)
        for batch in batches:
            with conn.begin():
                for name in ORDER:
                    rows = batch.get(name) or ()
                    if name in ("company", "organisation"):
                        rows = [with_folded_name(r) for r in rows]
                    heads: dict[str, str] = {}
                    if name == "case_history" and rows:
                        rows = _chain(rows, "seq", chain.HISTORY_FIELDS, heads)
                    elif name == "ledger_entry" and rows:
                        rows = _chain(rows, "claim_id", chain.LEDGER_FIELDS, heads)
                    for i in range(0, len(rows), chunk):
                        conn.execute(insert(TABLES[name]), list(rows[i : i + chunk]))
                    if heads:
                        column = "history_head" if name == "case_history" else "ledger_head"
                        conn.execute(
                            update(cases)
                            .where(cases.c.id == bindparam("case_key"))
                            .values({column: bindparam("head")}),
                            [{"case_key": k, "head": v} for k, v in heads.items()],
                        )
                    counts[name] += len(rows)
    reset_sequences(engine)
    return counts


def reset_sequences(engine: Engine) -> None:
    """PostgreSQL: move every id sequence past the highest id in its table. Rows loaded with their ids
    (this loader, a restore) leave the sequences behind, and the next ordinary insert (`company add`)
    would collide with a loaded row. SQLite needs nothing: its ids follow the table's maximum."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in TABLES.values():
            column = table.c.get("id")
            if column is None or not column.primary_key or not isinstance(column.type, Integer):
                continue
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:t, 'id'), COALESCE(MAX(id), 0) + 1, false) "
                    f'FROM "{table.name}"'
                ).bindparams(t=table.name)
            )

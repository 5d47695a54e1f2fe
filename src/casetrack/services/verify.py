"""``casetrack audit verify``: recompute every case's history and ledger hash chains, and (for the
whole database) every company's and organisation's chain of changes."""

from __future__ import annotations

from typing import Any

from ..domain import chain
from ..store.views import chains, master_chains
from .context import Context

FIELDS = {"case_history": chain.HISTORY_FIELDS, "ledger_entry": chain.LEDGER_FIELDS,
          "master_change": chain.MASTER_FIELDS}


def audit_verify(ctx: Context, *, council: str | None = None) -> dict[str, Any]:
    ctx.authorize("audit.verify")
    broken: list[dict[str, Any]] = []
    checked = 0
    with ctx.read() as repo:
        for table, case_id, rows, head in chains(repo.conn, ctx.scope, council):
            checked += len(rows)
            broken += [{"case": case_id, "table": table, "row": row_id, "reason": reason}
                       for row_id, reason in chain.verify(rows, FIELDS[table], head)]
        if council is None:  # companies and organisations belong to no council: checked with the whole
            for table, record, rows, head in master_chains(repo.conn):
                checked += len(rows)
                broken += [{"case": None, "record": record, "table": table, "row": row_id, "reason": reason}
                           for row_id, reason in chain.verify(rows, FIELDS[table], head)]
    return {"ok": not broken, "checked": checked, "broken": broken}

"""``casetrack audit verify``: recompute every case's history and ledger hash chains."""

from __future__ import annotations

from typing import Any

from ..domain import chain
from ..store.views import chains
from .context import Context

FIELDS = {"case_history": chain.HISTORY_FIELDS, "ledger_entry": chain.LEDGER_FIELDS}


def audit_verify(ctx: Context, *, council: str | None = None) -> dict[str, Any]:
    ctx.authorize("audit.verify")
    broken: list[dict[str, Any]] = []
    checked = 0
    with ctx.read() as repo:
        for table, case_id, rows, head in chains(repo.conn, ctx.scope, council):
            checked += len(rows)
            broken += [{"case": case_id, "table": table, "row": row_id, "reason": reason}
                       for row_id, reason in chain.verify(rows, FIELDS[table], head)]
    return {"ok": not broken, "checked": checked, "broken": broken}

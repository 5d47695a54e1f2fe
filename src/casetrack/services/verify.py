"""``casetrack audit verify``: recompute every case's history and ledger hash chains, the SHA-256 of
every stored document file, and (for the whole database) every company's and organisation's chain of
changes."""

from __future__ import annotations

import hashlib
from typing import Any

from ..domain import chain
from .context import Context

FIELDS = {
    "case_history": chain.HISTORY_FIELDS,
    "ledger_entry": chain.LEDGER_FIELDS,
    "master_change": chain.MASTER_FIELDS,
}


def audit_verify(ctx: Context, *, council: str | None = None) -> dict[str, Any]:
    ctx.authorize("audit.verify")
    broken: list[dict[str, Any]] = []
    checked = 0
    with ctx.read() as repo:
        for found in repo.audits.chains(council):
            checked += len(found.links)
            broken += [
                {"case": found.owner, "table": found.table, "row": row_id, "reason": reason}
                for row_id, reason in chain.verify(found.links, FIELDS[found.table], found.head)
            ]
        for case_id, doc_id, sha256, size, data in repo.audits.stored_files(council):
            checked += 1
            if hashlib.sha256(data).hexdigest() != sha256 or len(data) != size:
                broken.append(
                    {
                        "case": case_id,
                        "table": "document_file",
                        "row": doc_id,
                        "reason": f"the file of document {doc_id} does not match the SHA-256 and size "
                        "recorded with it",
                    }
                )
        if council is None:  # companies and organisations belong to no council: checked with the whole
            for found in repo.audits.master_chains():
                checked += len(found.links)
                broken += [
                    {
                        "case": None,
                        "record": found.owner,
                        "table": found.table,
                        "row": row_id,
                        "reason": reason,
                    }
                    for row_id, reason in chain.verify(found.links, FIELDS[found.table], found.head)
                ]
    return {"ok": not broken, "checked": checked, "broken": broken}

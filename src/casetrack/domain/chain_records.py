"""What ``audit verify`` reads of the tamper-evidence chains (``domain.chain``): a case's history rows, its
ledger entries, a company's, an organisation's or a user's changes, each with the hashes it carries, and
each chain with the head its record keeps. Plain frozen values filled by the store from its rows, field
for field (their names are the table's columns). NamedTuples: a national verify reads every history row
and every ledger entry of the country, in bulk.

``hash_fields`` gives what the row's hash covers, by the names ``chain.link`` reads (the same mapping the
store hashes when it writes the row), so verify recomputes exactly the bytes that were hashed."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from .case_rows import HistoryRow, LedgerEntry


class MasterChangeLink(NamedTuple):
    """A changed field of a company, an organisation or a user (``chain.MASTER_FIELDS``), chained to the
    record's change before it by ``prev_hash``."""

    id: int
    entity: str
    entity_id: int
    seq: int
    field: str
    before: str | None
    after: str | None
    effective_on: dt.date
    recorded_at: dt.datetime
    user: str
    note: str | None
    prev_hash: str | None
    hash: str | None

    def hash_fields(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "entity_id": self.entity_id,
            "seq": self.seq,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "effective_on": self.effective_on,
            "recorded_at": self.recorded_at,
            "user": self.user,
            "note": self.note,
        }


ChainLink = HistoryRow | LedgerEntry | MasterChangeLink


class Chain(NamedTuple):
    """One chain as stored: its table, whose it is (a case id; ``company 3``, ``organisation 5`` or
    ``user sato`` for master records), its rows in chain order and the head its record keeps (None: the
    record keeps none, as a user does)."""

    table: str
    owner: str
    links: tuple[ChainLink, ...]
    head: str | None

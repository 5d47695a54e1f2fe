"""What ``audit verify`` reads of the tamper-evidence chains (``domain.chain``): a case's history rows, its
ledger entries, a company's, an organisation's or a user's changes, each with the hashes it carries, and
each chain with the head its record keeps. The links are the records the rest of the store reads the same
rows as (``HistoryRow``, ``LedgerEntry``, ``MasterChange``), NamedTuples: a national verify reads every
history row, ledger entry and change of the country, in bulk. Their ``hash_fields`` give what the row's
hash covers, by the names ``chain.link`` reads (the same mapping the store hashes when it writes the
row), so verify recomputes exactly the bytes that were hashed."""

from __future__ import annotations

from typing import NamedTuple

from .case_rows import HistoryRow, LedgerEntry
from .master_records import MasterChange

ChainLink = HistoryRow | LedgerEntry | MasterChange


class Chain(NamedTuple):
    """One chain as stored: its table, whose it is (a case id; ``company 3``, ``organisation 5`` or
    ``user sato`` for master records), its rows in chain order and the head its record keeps (None: the
    record keeps none, as a user does)."""

    table: str
    owner: str
    links: tuple[ChainLink, ...]
    head: str | None

"""Tamper evidence: each history row and each ledger entry carries the hash of its canonical content
chained to the previous row of the same case, so any edit, deletion, insertion or reordering shows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (
            value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value.tzinfo else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


OPTIONAL = frozenset({"corrects"})  # fields added later: left out while empty, so older rows keep their hash


def canonical(row: Mapping[str, Any], fields: Sequence[str]) -> str:
    return json.dumps(
        {f: _plain(row.get(f)) for f in fields if f not in OPTIONAL or row.get(f) is not None},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def link(prev_hash: str, row: Mapping[str, Any], fields: Sequence[str]) -> str:
    """The hash of ``row`` chained to ``prev_hash``: what the store writes with each row and what
    ``verify`` recomputes from the row read back (its ``hash_fields``), so both hash the same bytes."""
    return hashlib.sha256((prev_hash + "\n" + canonical(row, fields)).encode("utf-8")).hexdigest()


HISTORY_FIELDS = (
    "case_id",
    "seq",
    "event",
    "from_state",
    "to_state",
    "effective_on",
    "recorded_at",
    "user",
    "note",
    "reason",
    "until",
    "rule_set",
    "corrects",
)
LEDGER_FIELDS = (
    "case_id",
    "claim_id",
    "component",
    "fee",
    "eligible",
    "subsidy",
    "paid",
    "retained",
    "released",
    "company_share",
    "limits",
    "on",
    "recorded_at",
    "user",
)

MASTER_FIELDS = (
    "entity",
    "entity_id",
    "seq",
    "field",
    "before",
    "after",
    "effective_on",
    "recorded_at",
    "user",
    "note",
)


class Link(Protocol):
    """A chained row as ``verify`` reads it (``domain.chain_records``): its id, the hashes it carries, and
    what its own hash covers (``hash_fields``: the mapping ``link`` hashed when the row was written)."""

    @property
    def id(self) -> int: ...

    @property
    def prev_hash(self) -> str | None: ...

    @property
    def hash(self) -> str | None: ...

    def hash_fields(self) -> Mapping[str, Any]: ...


def verify(
    rows: Sequence[Link], fields: Sequence[str], head: str | None = None
) -> list[tuple[int | None, str]]:
    """Every broken link of one case's chain, as (row id, reason). ``rows`` in chain order; ``head`` is
    the hash the case recorded for its last row (so a removed tail shows too)."""
    broken: list[tuple[int | None, str]] = []
    prev = GENESIS
    for row in rows:
        if row.prev_hash != prev:
            broken.append((row.id, "does not follow the row before it (a row was removed, added or moved)"))
        expected = link(row.prev_hash or "", row.hash_fields(), fields)
        if row.hash != expected:
            broken.append((row.id, "its content does not match its hash (the row was edited)"))
        prev = row.hash or ""
    if head is not None and (rows[-1].hash if rows else None) != head:
        broken.append(
            (
                rows[-1].id if rows else None,
                "the last row is not the one the case recorded (rows at the end were removed or added)",
            )
        )
    return broken

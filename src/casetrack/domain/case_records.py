"""One case's rows as a page or `case show` presents them: read by the store in one transaction (one
snapshot), turned into dicts by ``presenters.case_view`` without further reading."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .master_records import Company


@dataclass(frozen=True)
class CaseRecords:
    """The case row and everything hanging from it, as the repository gives them (CLI.md keys); the
    company None only if it could not be read (a case's company is seen whenever the case is)."""

    case: Mapping[str, Any]
    company: Company | None
    support_orgs: Sequence[Mapping[str, Any]]
    lenders: Sequence[Mapping[str, Any]]
    agreements: Sequence[Mapping[str, Any]]
    estimates: Mapping[str, int]
    documents: Sequence[Mapping[str, Any]]
    sessions: Sequence[Mapping[str, Any]]
    claims: Sequence[Mapping[str, Any]]
    ledger: Sequence[Mapping[str, Any]]

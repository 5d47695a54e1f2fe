"""What hangs from a case, as ``Repo`` takes and returns it: its lenders and support organisations, the
financial support agreed, its documents, its history, its fee claims, its ledger and its monitoring
sessions. Plain frozen values named like the table columns (DOMAIN.md §4, §5, §8): the store fills
them from its rows and writes them field for field; nothing here reads a database.

A ``New…`` record is a row to append (the store adds what it numbers or chains: id, seq, hashes); the
record without the prefix is the row read back. The history row and the ledger entry are NamedTuples,
read in bulk by ``audit verify`` too, and say what their hash covers (``hash_fields``, the mapping the
store hashes when it writes them and ``chain.verify`` recomputes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple, TypedDict


@dataclass(frozen=True, slots=True)
class NewCase:
    """A case being opened (or imported): its row as first written. The store adds the hash heads when
    the history and the ledger are written."""

    id: str
    program: str
    track: str
    council: str
    company_id: int
    state: str
    state_since: dt.date
    coordinator: str | None
    rule_set: str
    opened_on: dt.date
    created_at: dt.datetime
    accepted_on: dt.date | None = None
    plan_date: dt.date | None = None
    validity_until: dt.date | None = None
    interim_monitoring: bool = False
    monitoring_interval_months: int | None = None
    window_months: int | None = None
    reuse_reason: str | None = None
    reuse_ground: str | None = None  # the workflow's reuse.grounds id
    version: int = 1


@dataclass(frozen=True, slots=True)
class Case:
    """The case row: its program and track, council, company, state (since when), coordinator, the rule
    set it is judged by, its dates, monitoring settings, the version optimistic locking compares and the
    hashes of its last history row and ledger entry."""

    id: str
    program: str
    track: str
    council: str
    company_id: int
    state: str
    state_since: dt.date
    coordinator: str | None
    rule_set: str
    opened_on: dt.date
    accepted_on: dt.date | None
    plan_date: dt.date | None
    validity_until: dt.date | None
    interim_monitoring: bool
    monitoring_interval_months: int | None
    window_months: int | None
    reuse_reason: str | None
    reuse_ground: str | None
    version: int
    created_at: dt.datetime
    history_head: str | None
    ledger_head: str | None


@dataclass(frozen=True, slots=True)
class CaseWithCompany(Case):
    """A case as ``case list`` gives it: with its company's name (the web's case list reads its own
    ``browse_records.ListedCase``)."""

    company_name: str


class CaseChanges(TypedDict, total=False):
    """The fields of a case an accepted event, a date correction or a reassignment sets, and only those
    (``Repo.update_case``). Which ones is known only when the event is fired (the workflow says which
    date it sets), so this is not a record, whose every field would be written; the version is bumped by
    the store."""

    state: str
    state_since: dt.date
    coordinator: str | None
    rule_set: str
    opened_on: dt.date
    accepted_on: dt.date
    plan_date: dt.date
    validity_until: dt.date | None
    window_months: int | None


@dataclass(frozen=True, slots=True)
class LenderLink:
    """A lender of a case being opened, at ``position`` in the order the application names them."""

    org_id: int
    main: bool = False
    guaranteed: bool = False
    position: int = 0


@dataclass(frozen=True, slots=True)
class SupportLink:
    """A support organisation of a case being opened; the first (``lead``) is where its mail goes."""

    org_id: int
    lead: bool = False
    position: int = 0


@dataclass(frozen=True, slots=True)
class CaseLender:
    """A lender of the case, with the organisation's name and address."""

    case_id: str
    org_id: int
    main: bool
    guaranteed: bool
    position: int
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class CaseSupportOrg:
    """A support organisation of the case, with the organisation's name, certification, address and
    kind."""

    case_id: str
    org_id: int
    lead: bool
    position: int
    name: str
    certified: bool
    email: str | None
    kind: str


@dataclass(frozen=True, slots=True)
class NewAgreement:
    """Financial support a lender agreed to (リスケ, 新規融資, その他 with a note), recorded with the
    plan-date event."""

    lender_id: int
    kind: str
    note: str | None
    on: dt.date


@dataclass(frozen=True, slots=True)
class CaseAgreement:
    """Recorded financial support, with the lender's name and place among the case's lenders (None: no
    longer one of them)."""

    case_id: str
    lender_id: int
    kind: str
    note: str | None
    on: dt.date
    name: str
    position: int | None


@dataclass(frozen=True, slots=True)
class FileColumns:
    """A document's file as its row describes it: where it was read from (the CLI's path), SHA-256,
    size, the type its content was sniffed as and its own name."""

    file_path: str | None
    file_sha256: str
    file_size: int
    file_name: str
    file_type: str


@dataclass(frozen=True, slots=True)
class NewDocument:
    """A document to record; the file columns are None when no file came with it."""

    case_id: str
    kind: str
    lender_id: int | None
    on: dt.date
    recorded_at: dt.datetime
    user: str
    session_seq: int | None = None
    file_path: str | None = None
    file_sha256: str | None = None
    file_size: int | None = None
    file_name: str | None = None
    file_type: str | None = None


@dataclass(frozen=True, slots=True)
class CaseDocument:
    """A document of the case, with whether its file is stored (the bytes are read apart)."""

    id: int
    case_id: str
    kind: str
    lender_id: int | None
    on: dt.date
    file_path: str | None
    file_sha256: str | None
    file_size: int | None
    file_name: str | None
    file_type: str | None
    recorded_at: dt.datetime
    user: str
    session_seq: int | None
    stored: bool


@dataclass(frozen=True, slots=True)
class NewHistory:
    """An accepted event (or the opening, an import, a correction) to append to the case's history;
    the store numbers it and chains it to the row before."""

    case_id: str
    event: str
    from_state: str | None
    to_state: str
    effective_on: dt.date
    recorded_at: dt.datetime
    user: str
    rule_set: str
    note: str | None = None
    reason: str | None = None
    until: dt.date | None = None
    corrects: int | None = None  # a correction: the seq of the row it corrects


class HistoryRow(NamedTuple):
    """A row of the case's history, chained to the one before by ``prev_hash`` (tamper evidence)."""

    id: int
    case_id: str
    seq: int
    event: str
    from_state: str | None
    to_state: str
    effective_on: dt.date
    recorded_at: dt.datetime
    user: str
    note: str | None
    reason: str | None
    until: dt.date | None
    rule_set: str
    corrects: int | None
    prev_hash: str | None
    hash: str | None

    def hash_fields(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "seq": self.seq,
            "event": self.event,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "effective_on": self.effective_on,
            "recorded_at": self.recorded_at,
            "user": self.user,
            "note": self.note,
            "reason": self.reason,
            "until": self.until,
            "rule_set": self.rule_set,
            "corrects": self.corrects,
        }


@dataclass(frozen=True, slots=True)
class NewClaim:
    """A fee claim to record (still ``claimed``: decided or rejected later)."""

    case_id: str
    component: str
    fee: int
    session_seq: int | None
    claimed_on: dt.date
    recorded_at: dt.datetime
    user: str
    status: str = "claimed"


@dataclass(frozen=True, slots=True)
class FeeClaim:
    """A fee claim of the case: ``claimed``, ``decided`` (with its subsidy) or ``rejected`` (with the
    reason)."""

    id: int
    case_id: str
    component: str
    fee: int
    status: str
    session_seq: int | None
    claimed_on: dt.date
    decided_on: dt.date | None
    subsidy: int | None
    reject_reason: str | None
    recorded_at: dt.datetime
    user: str


@dataclass(frozen=True, slots=True)
class ClaimDecided:
    """An open claim decided on ``decided_on`` with its ``subsidy``."""

    decided_on: dt.date
    subsidy: int


@dataclass(frozen=True, slots=True)
class ClaimRejected:
    """An open claim rejected on ``decided_on`` for ``reject_reason``."""

    decided_on: dt.date
    reject_reason: str


@dataclass(frozen=True, slots=True)
class NewLedgerEntry:
    """The money a decided claim moved, to append to the case's ledger; the store chains it."""

    case_id: str
    claim_id: int
    component: str
    fee: int
    eligible: int
    subsidy: int
    paid: int
    retained: int
    released: int
    company_share: int
    limits: str | None  # which limit bit, and by how much ("; " between them)
    on: dt.date
    recorded_at: dt.datetime
    user: str


class LedgerEntry(NamedTuple):
    """An entry of the case's ledger, chained to the one before by ``prev_hash`` (tamper evidence)."""

    id: int
    case_id: str
    claim_id: int
    component: str
    fee: int
    eligible: int
    subsidy: int
    paid: int
    retained: int
    released: int
    company_share: int
    limits: str | None
    on: dt.date
    recorded_at: dt.datetime
    user: str
    prev_hash: str | None
    hash: str | None

    def hash_fields(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "claim_id": self.claim_id,
            "component": self.component,
            "fee": self.fee,
            "eligible": self.eligible,
            "subsidy": self.subsidy,
            "paid": self.paid,
            "retained": self.retained,
            "released": self.released,
            "company_share": self.company_share,
            "limits": self.limits,
            "on": self.on,
            "recorded_at": self.recorded_at,
            "user": self.user,
        }


@dataclass(frozen=True, slots=True)
class ScheduledSession:
    """A monitoring session to add to the case's schedule (held before an import: ``held``)."""

    seq: int
    kind: str
    nominal_due_on: dt.date
    due_on: dt.date
    status: str = "scheduled"
    held_on: dt.date | None = None
    note: str | None = None
    waive_reason: str | None = None


@dataclass(frozen=True, slots=True)
class MonitoringSession:
    """A monitoring session of the case: its due date (``nominal_due_on`` moved off closed days) and
    whether it is scheduled, held or waived."""

    id: int
    case_id: str
    seq: int
    kind: str
    nominal_due_on: dt.date
    due_on: dt.date
    status: str
    held_on: dt.date | None
    note: str | None
    waive_reason: str | None


@dataclass(frozen=True, slots=True)
class ListedSession(MonitoringSession):
    """A session as the sessions list gives it: with its case's council and company's name."""

    council: str
    company_name: str


@dataclass(frozen=True, slots=True)
class SessionHeld:
    """A scheduled session held on ``held_on``."""

    held_on: dt.date
    note: str | None


@dataclass(frozen=True, slots=True)
class SessionWaived:
    """A scheduled session waived for ``waive_reason``."""

    waive_reason: str


@dataclass(frozen=True, slots=True)
class SessionMoved:
    """A scheduled session planned again (its fiscal-year end moved): its new due dates."""

    nominal_due_on: dt.date
    due_on: dt.date

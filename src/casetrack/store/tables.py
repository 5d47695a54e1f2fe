"""Tables (SQLModel): the declaration of the schema, which the migrations follow. Commands read and write
through schema.py, these tables as plain SQLAlchemy Core, generated from this file: after changing it, run
``python -m casetrack.store.schema_gen`` (tests/store/test_schema_mirror.py fails until then)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    UniqueConstraint,
    text,
)
from sqlmodel import Field
from sqlmodel import SQLModel as SQLModel  # re-exported: migrations/env.py takes its metadata


class Council(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=2)
    name: str
    prefecture: str | None = None
    host_organization: str
    postal_code: str
    address: str
    phone: str


class Company(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_folded: str | None = Field(default=None, index=True)  # fold(name): what the name searches read
    corporate_number: str | None = Field(default=None, unique=True, max_length=13)
    fiscal_year_end_month: int = Field(ge=1, le=12)
    founded_on: dt.date | None = None
    prefecture: str | None = Field(default=None, max_length=2)
    address: str | None = None
    representative: str | None = None
    email: str | None = None
    phone: str | None = Field(default=None, max_length=40)
    change_head: str | None = Field(default=None, max_length=64)  # hash of its last master_change row
    # registered although it looked like company duplicate_of (company add --force --reason)
    duplicate_of: int | None = None
    duplicate_reason: str | None = None


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    name_folded: str | None = Field(default=None, index=True)  # fold(name): what the name searches read
    kind: str
    certified: bool = False
    email: str | None = None
    is_bank: bool = False
    phone: str | None = Field(default=None, max_length=40)
    change_head: str | None = Field(default=None, max_length=64)  # hash of its last master_change row


class MasterChange(SQLModel, table=True):
    """Append-only: one row per changed field of a company or an organisation (who, when, before,
    after), hash-chained per record like the case history."""

    __tablename__ = "master_change"
    __table_args__ = (UniqueConstraint("entity", "entity_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=16)  # company | organisation
    entity_id: int
    seq: int
    field: str = Field(max_length=40)
    before: str | None = None
    after: str | None = None
    effective_on: dt.date
    recorded_at: dt.datetime
    user: str
    note: str | None = None
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class AppUser(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    council: str = Field(foreign_key="council.code", index=True)
    email: str | None = None
    display_name: str | None = Field(default=None, max_length=100)  # 佐藤 花子: what mail and pages show
    role: str = "coordinator"
    active: bool = True
    password_hash: str | None = None
    created_at: dt.datetime
    must_change_password: bool = False  # a temporary password (reset by an admin): change it at sign-in
    case_filters: str | None = Field(default=None, max_length=2000)  # the case list's last query string


class Case(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_state_since_council", "state", "state_since", "council"),
        Index("ix_cases_council_state", "council", "state"),
        Index(
            "ix_cases_council_company", "council", "company_id"
        ),  # a council's companies, from the index alone
    )
    id: str = Field(primary_key=True, max_length=20)
    program: str = Field(max_length=8)
    track: str = Field(max_length=16)
    council: str = Field(foreign_key="council.code")
    company_id: int = Field(foreign_key="company.id", index=True)
    state: str = Field(max_length=32)
    state_since: dt.date
    coordinator: str | None = Field(default=None, foreign_key="app_user.name", index=True)
    rule_set: str = Field(max_length=10)
    opened_on: dt.date
    accepted_on: dt.date | None = None
    plan_date: dt.date | None = None
    validity_until: dt.date | None = None
    interim_monitoring: bool = False
    monitoring_interval_months: int | None = None
    window_months: int | None = None
    reuse_reason: str | None = None
    reuse_ground: str | None = Field(default=None, max_length=32)  # the workflow's reuse.grounds id
    version: int = 1
    created_at: dt.datetime
    history_head: str | None = Field(default=None, max_length=64)  # hash of the last history row
    ledger_head: str | None = Field(default=None, max_length=64)  # hash of the last ledger entry


class CaseCounter(SQLModel, table=True):
    """Last case number issued per council and fiscal year (``13-2026-0001``)."""

    __tablename__ = "case_counter"
    council: str = Field(primary_key=True, foreign_key="council.code")
    fiscal_year: int = Field(primary_key=True)
    last: int = 0


class CaseLender(SQLModel, table=True):
    __tablename__ = "case_lender"
    case_id: str = Field(primary_key=True, foreign_key="cases.id")
    org_id: int = Field(primary_key=True, foreign_key="organisation.id", index=True)
    main: bool = False
    guaranteed: bool = False
    position: int = 0


class CaseSupportOrg(SQLModel, table=True):
    __tablename__ = "case_support_org"
    case_id: str = Field(primary_key=True, foreign_key="cases.id")
    org_id: int = Field(primary_key=True, foreign_key="organisation.id", index=True)
    lead: bool = False
    position: int = 0


class CaseEstimate(SQLModel, table=True):
    __tablename__ = "case_estimate"
    case_id: str = Field(primary_key=True, foreign_key="cases.id")
    component: str = Field(primary_key=True, max_length=24)
    amount: int = Field(ge=0)


class CaseAgreement(SQLModel, table=True):
    """The financial support a lender of the case agreed to (pamphlet line 169): リスケ, 新規融資 or その他
    with a note; recorded with the plan-date event (405 agree: required). One row per lender and kind."""

    __tablename__ = "case_agreement"
    case_id: str = Field(primary_key=True, foreign_key="cases.id")
    lender_id: int = Field(primary_key=True, foreign_key="organisation.id")
    kind: str = Field(primary_key=True, max_length=32)
    note: str | None = Field(default=None, max_length=2000)
    on: dt.date


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    kind: str = Field(max_length=32)
    lender_id: int | None = Field(default=None, foreign_key="organisation.id")
    on: dt.date
    file_path: str | None = None
    file_sha256: str | None = Field(default=None, max_length=64)
    file_size: int | None = None
    file_name: str | None = Field(default=None, max_length=255)  # the uploaded file's own name
    file_type: str | None = Field(default=None, max_length=100)  # the media type its content was sniffed as
    recorded_at: dt.datetime
    user: str
    session_seq: int | None = None  # a monitoring_report: the session it reports on


class DocumentFile(SQLModel, table=True):
    """A document's bytes, kept in the database beside its row: in the same transaction (an upload refused
    writes nothing), in every backup of the database, and behind the same row-level security as the
    document (PostgreSQL). document.file_sha256 and file_size describe them; downloads and `audit verify`
    check them against it."""

    __tablename__ = "document_file"
    document_id: int = Field(sa_column=Column(Integer(), ForeignKey("document.id"), primary_key=True))
    data: bytes = Field(sa_column=Column(LargeBinary(), nullable=False))


class CaseHistory(SQLModel, table=True):
    """Append-only: one row per accepted event (and the opening)."""

    __tablename__ = "case_history"
    __table_args__ = (UniqueConstraint("case_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    seq: int
    event: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=32)
    to_state: str = Field(max_length=32)
    effective_on: dt.date
    recorded_at: dt.datetime
    user: str
    note: str | None = None
    reason: str | None = None
    until: dt.date | None = None
    rule_set: str = Field(max_length=10)
    corrects: int | None = None  # a correction: the seq of the row it corrects (rows are never edited)
    prev_hash: str | None = Field(default=None, max_length=64)  # the case's previous row (tamper evidence)
    hash: str | None = Field(default=None, max_length=64)


class FeeClaim(SQLModel, table=True):
    __tablename__ = "fee_claim"
    __table_args__ = (
        CheckConstraint("fee >= 0", name="ck_fee_claim_fee"),
        Index(
            "ix_fee_claim_waiting",
            "claimed_on",
            "id",
            sqlite_where=text("status = 'claimed'"),
            postgresql_where=text("status = 'claimed'"),
        ),  # the claims waiting for a decision, oldest first
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    component: str = Field(max_length=24)
    fee: int
    status: str = Field(default="claimed", max_length=12)
    session_seq: int | None = None
    claimed_on: dt.date
    decided_on: dt.date | None = None
    subsidy: int | None = None
    reject_reason: str | None = None
    recorded_at: dt.datetime
    user: str


class LedgerEntry(SQLModel, table=True):
    """Append-only: one entry per decided claim, with the money it moved."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("claim_id"),
        Index(
            "ix_ledger_holdback",
            "case_id",
            sqlite_where=text("retained > 0"),
            postgresql_where=text("retained > 0"),
        ),
        CheckConstraint("subsidy = paid + retained", name="ck_ledger_subsidy_split"),
        CheckConstraint("fee = subsidy + company_share", name="ck_ledger_fee_split"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    claim_id: int = Field(foreign_key="fee_claim.id")
    component: str = Field(max_length=24)
    fee: int
    eligible: int
    subsidy: int
    paid: int
    retained: int
    released: int
    company_share: int
    limits: str | None = None  # which limit bit, and by how much
    on: dt.date
    recorded_at: dt.datetime
    user: str
    prev_hash: str | None = Field(default=None, max_length=64)  # the case's previous entry (tamper evidence)
    hash: str | None = Field(default=None, max_length=64)


class MonitoringSession(SQLModel, table=True):
    __tablename__ = "monitoring_session"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index(
            "ix_session_open_due",
            "due_on",
            "case_id",
            "seq",
            sqlite_where=text("status = 'scheduled'"),
            postgresql_where=text("status = 'scheduled'"),
        ),
        Index("ix_session_due", "due_on"),  # every status: the calendar's month of sessions
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    seq: int
    kind: str = Field(max_length=12)
    nominal_due_on: dt.date
    due_on: dt.date
    status: str = Field(default="scheduled", max_length=12)
    held_on: dt.date | None = None
    note: str | None = None
    waive_reason: str | None = None


class Outbox(SQLModel, table=True):
    """One e-mail, written in the transaction that caused it. ``key`` makes each rung of each item
    (at its date) unique, so a sweep may run any number of times; ``message_id`` is fixed at
    enqueue and reused on every retry."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    case_id: str | None = Field(default=None, foreign_key="cases.id", index=True)
    item: str = Field(max_length=24)  # session | claim_deadline | validity | holdback | digest
    item_ref: str = Field(max_length=60)
    rung: str = Field(max_length=32)
    due_on: dt.date
    send_on: dt.date
    recipient_role: str = Field(max_length=16)
    to_addr: str | None = None
    to_name: str | None = None
    subject: str
    body: str
    message_id: str = Field(max_length=200)
    status: str = Field(
        default="pending", max_length=12, index=True
    )  # pending | sent | dead | dropped | skipped
    attempts: int = 0
    next_attempt_at: dt.datetime
    last_error: str | None = None
    created_at: dt.datetime
    sent_at: dt.datetime | None = None
    claimed_by: str | None = Field(default=None, max_length=120)  # multi-node delivery: who is sending it
    claim_until: dt.datetime | None = None
    written_on: dt.date | None = None  # the day (--today) the subject and body were written for
    reply_to: str | None = Field(
        default=None, max_length=400
    )  # replies go to the coordinator (or [mail] reply_to)
    retried_at: dt.datetime | None = None  # put back from dead by `outbox retry`: the retry window restarts


class Closure(SQLModel, table=True):
    """A day a council (or, with council NULL, every council) is closed, beyond the national calendar."""

    __tablename__ = "closure"
    __table_args__ = (UniqueConstraint("council", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    council: str | None = Field(default=None, foreign_key="council.code")
    day: dt.date
    reason: str | None = None
    created_at: dt.datetime


class SchedulerLease(SQLModel, table=True):
    """Who sweeps a database now. Taken over when its holder stops renewing it."""

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True, max_length=32)
    holder: str = Field(max_length=120)
    acquired_at: dt.datetime
    expires_at: dt.datetime


class SweepRun(SQLModel, table=True):
    """One finished sweep (scheduler tick or remind run): what `casetrack doctor` reads."""

    __tablename__ = "sweep_run"
    id: int | None = Field(default=None, primary_key=True)
    holder: str = Field(max_length=120)
    as_of: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime = Field(index=True)
    enqueued: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    dropped: int = 0


class UserCouncil(SQLModel, table=True):
    """Councils a user acts for besides their own (app_user.council): a supervisor covering two."""

    __tablename__ = "user_council"
    user_name: str = Field(foreign_key="app_user.name", primary_key=True, max_length=64)
    council: str = Field(foreign_key="council.code", primary_key=True)


class AccessLog(SQLModel, table=True):
    """Who read personal fields (people's names, e-mails): exports, `case show`, staff and outbox lists.
    Append-only like the history."""

    __tablename__ = "access_log"
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(index=True)
    user: str = Field(max_length=64, index=True)
    action: str = Field(max_length=40)
    what: str = Field(max_length=200)
    rows: int = 0


class WebSession(SQLModel, table=True):
    """A browser signed in to the dashboard. The cookie carries a random token; only its SHA-256 is
    stored here, so reading this table signs nobody in. Ends on sign-out, after the idle timeout, or
    when the user is disabled."""

    __tablename__ = "web_session"
    id: str = Field(primary_key=True, max_length=64)  # SHA-256 (hex) of the cookie's token
    user_name: str = Field(foreign_key="app_user.name", index=True, max_length=64)
    csrf_token: str = Field(max_length=64)  # every form of this session carries it
    created_at: dt.datetime
    last_seen_at: dt.datetime = Field(index=True)
    client_ip: str | None = Field(default=None, max_length=45)  # where it signed in from
    user_agent: str | None = Field(
        default=None, max_length=200
    )  # the browser's User-Agent, cut to 200 characters
    flash: str | None = None  # JSON: the one-time message a form left for the page it redirected to


class LoginFailure(SQLModel, table=True):
    """A failed sign-in for a typed user name (existing or not), counted for the lockout; a successful
    sign-in clears the user's."""

    __tablename__ = "login_failure"
    __table_args__ = (Index("ix_login_failure_user_at", "user_name", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_name: str = Field(max_length=64)
    at: dt.datetime

"""Every table of tables.py as plain SQLAlchemy Core: what the commands read and write through.
Importing it imports SQLAlchemy only, not SQLModel or pydantic (they cost a command's start-up ~0.2 s).

GENERATED from tables.py by `python -m casetrack.store.schema_gen`: do not edit by hand; change tables.py
and run that command again. tests/store/test_schema_mirror.py fails while this file is stale."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    text,
)

from .types import UTCDateTime

metadata = MetaData()

council = Table(
    "council",
    metadata,
    Column("code", String(2), primary_key=True),
    Column("name", String(), nullable=False),
    Column("prefecture", String()),
    Column("host_organization", String(), nullable=False),
    Column("postal_code", String(), nullable=False),
    Column("address", String(), nullable=False),
    Column("phone", String(), nullable=False),
)

company = Table(
    "company",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("name", String(), nullable=False),
    Column("name_folded", String(), index=True),
    Column("corporate_number", String(13), unique=True),
    Column("fiscal_year_end_month", Integer(), nullable=False),
    Column("founded_on", Date()),
    Column("prefecture", String(2)),
    Column("address", String()),
    Column("representative", String()),
    Column("email", String()),
    Column("phone", String(40)),
    Column("change_head", String(64)),
    Column("duplicate_of", Integer()),
    Column("duplicate_reason", String()),
)

organisation = Table(
    "organisation",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("name", String(), nullable=False),
    Column("name_folded", String(), index=True),
    Column("kind", String(), nullable=False),
    Column("certified", Boolean(), nullable=False, default=False),
    Column("email", String()),
    Column("is_bank", Boolean(), nullable=False, default=False),
    Column("phone", String(40)),
    Column("change_head", String(64)),
)

master_change = Table(
    "master_change",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("entity", String(16), nullable=False),
    Column("entity_id", Integer(), nullable=False),
    Column("seq", Integer(), nullable=False),
    Column("field", String(40), nullable=False),
    Column("before", String()),
    Column("after", String()),
    Column("effective_on", Date(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("user", String(), nullable=False),
    Column("note", String()),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    UniqueConstraint("entity", "entity_id", "seq"),
)

app_user = Table(
    "app_user",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("name", String(), nullable=False, unique=True),
    Column("council", String(), ForeignKey("council.code"), nullable=False, index=True),
    Column("email", String()),
    Column("display_name", String(100)),
    Column("role", String(), nullable=False, default="coordinator"),
    Column("active", Boolean(), nullable=False, default=True),
    Column("password_hash", String()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("must_change_password", Boolean(), nullable=False, default=False),
    Column("case_filters", String(2000)),
)

cases = Table(
    "cases",
    metadata,
    Column("id", String(20), primary_key=True),
    Column("program", String(8), nullable=False),
    Column("track", String(16), nullable=False),
    Column("council", String(), ForeignKey("council.code"), nullable=False),
    Column("company_id", Integer(), ForeignKey("company.id"), nullable=False, index=True),
    Column("state", String(32), nullable=False),
    Column("state_since", Date(), nullable=False),
    Column("coordinator", String(), ForeignKey("app_user.name"), index=True),
    Column("rule_set", String(10), nullable=False),
    Column("opened_on", Date(), nullable=False),
    Column("accepted_on", Date()),
    Column("plan_date", Date()),
    Column("validity_until", Date()),
    Column("interim_monitoring", Boolean(), nullable=False, default=False),
    Column("monitoring_interval_months", Integer()),
    Column("window_months", Integer()),
    Column("reuse_reason", String()),
    Column("reuse_ground", String(32)),
    Column("version", Integer(), nullable=False, default=1),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("history_head", String(64)),
    Column("ledger_head", String(64)),
    Index("ix_cases_council_company", "council", "company_id"),
    Index("ix_cases_council_state", "council", "state"),
    Index("ix_cases_state_since_council", "state", "state_since", "council"),
)

case_counter = Table(
    "case_counter",
    metadata,
    Column("council", String(), ForeignKey("council.code"), primary_key=True),
    Column("fiscal_year", Integer(), primary_key=True),
    Column("last", Integer(), nullable=False, default=0),
)

case_lender = Table(
    "case_lender",
    metadata,
    Column("case_id", String(), ForeignKey("cases.id"), primary_key=True),
    Column("org_id", Integer(), ForeignKey("organisation.id"), primary_key=True, index=True),
    Column("main", Boolean(), nullable=False, default=False),
    Column("guaranteed", Boolean(), nullable=False, default=False),
    Column("position", Integer(), nullable=False, default=0),
)

case_support_org = Table(
    "case_support_org",
    metadata,
    Column("case_id", String(), ForeignKey("cases.id"), primary_key=True),
    Column("org_id", Integer(), ForeignKey("organisation.id"), primary_key=True, index=True),
    Column("lead", Boolean(), nullable=False, default=False),
    Column("position", Integer(), nullable=False, default=0),
)

case_estimate = Table(
    "case_estimate",
    metadata,
    Column("case_id", String(), ForeignKey("cases.id"), primary_key=True),
    Column("component", String(24), primary_key=True),
    Column("amount", Integer(), nullable=False),
)

case_agreement = Table(
    "case_agreement",
    metadata,
    Column("case_id", String(), ForeignKey("cases.id"), primary_key=True),
    Column("lender_id", Integer(), ForeignKey("organisation.id"), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("note", String(2000)),
    Column("on", Date(), nullable=False),
)

document = Table(
    "document",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("case_id", String(), ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(32), nullable=False),
    Column("lender_id", Integer(), ForeignKey("organisation.id")),
    Column("on", Date(), nullable=False),
    Column("file_path", String()),
    Column("file_sha256", String(64)),
    Column("file_size", Integer()),
    Column("file_name", String(255)),
    Column("file_type", String(100)),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("user", String(), nullable=False),
    Column("session_seq", Integer()),
)

document_file = Table(
    "document_file",
    metadata,
    Column("document_id", Integer(), ForeignKey("document.id"), primary_key=True),
    Column("data", LargeBinary(), nullable=False),
)

case_history = Table(
    "case_history",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("case_id", String(), ForeignKey("cases.id"), nullable=False, index=True),
    Column("seq", Integer(), nullable=False),
    Column("event", String(32), nullable=False),
    Column("from_state", String(32)),
    Column("to_state", String(32), nullable=False),
    Column("effective_on", Date(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("user", String(), nullable=False),
    Column("note", String()),
    Column("reason", String()),
    Column("until", Date()),
    Column("rule_set", String(10), nullable=False),
    Column("corrects", Integer()),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    UniqueConstraint("case_id", "seq"),
)

fee_claim = Table(
    "fee_claim",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("case_id", String(), ForeignKey("cases.id"), nullable=False, index=True),
    Column("component", String(24), nullable=False),
    Column("fee", Integer(), nullable=False),
    Column("status", String(12), nullable=False, default="claimed"),
    Column("session_seq", Integer()),
    Column("claimed_on", Date(), nullable=False),
    Column("decided_on", Date()),
    Column("subsidy", Integer()),
    Column("reject_reason", String()),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("user", String(), nullable=False),
    CheckConstraint("fee >= 0", name="ck_fee_claim_fee"),
    Index(
        "ix_fee_claim_waiting",
        "claimed_on",
        "id",
        sqlite_where=text("status = 'claimed'"),
        postgresql_where=text("status = 'claimed'"),
    ),
)

ledger_entry = Table(
    "ledger_entry",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("case_id", String(), ForeignKey("cases.id"), nullable=False, index=True),
    Column("claim_id", Integer(), ForeignKey("fee_claim.id"), nullable=False),
    Column("component", String(24), nullable=False),
    Column("fee", Integer(), nullable=False),
    Column("eligible", Integer(), nullable=False),
    Column("subsidy", Integer(), nullable=False),
    Column("paid", Integer(), nullable=False),
    Column("retained", Integer(), nullable=False),
    Column("released", Integer(), nullable=False),
    Column("company_share", Integer(), nullable=False),
    Column("limits", String()),
    Column("on", Date(), nullable=False),
    Column("recorded_at", UTCDateTime(), nullable=False),
    Column("user", String(), nullable=False),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
    UniqueConstraint("claim_id"),
    CheckConstraint("subsidy = paid + retained", name="ck_ledger_subsidy_split"),
    CheckConstraint("fee = subsidy + company_share", name="ck_ledger_fee_split"),
    Index(
        "ix_ledger_holdback",
        "case_id",
        sqlite_where=text("retained > 0"),
        postgresql_where=text("retained > 0"),
    ),
)

monitoring_session = Table(
    "monitoring_session",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("case_id", String(), ForeignKey("cases.id"), nullable=False, index=True),
    Column("seq", Integer(), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("nominal_due_on", Date(), nullable=False),
    Column("due_on", Date(), nullable=False),
    Column("status", String(12), nullable=False, default="scheduled"),
    Column("held_on", Date()),
    Column("note", String()),
    Column("waive_reason", String()),
    UniqueConstraint("case_id", "seq"),
    Index("ix_session_due", "due_on"),
    Index(
        "ix_session_open_due",
        "due_on",
        "case_id",
        "seq",
        sqlite_where=text("status = 'scheduled'"),
        postgresql_where=text("status = 'scheduled'"),
    ),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("case_id", String(), ForeignKey("cases.id"), index=True),
    Column("item", String(24), nullable=False),
    Column("item_ref", String(60), nullable=False),
    Column("rung", String(32), nullable=False),
    Column("due_on", Date(), nullable=False),
    Column("send_on", Date(), nullable=False),
    Column("recipient_role", String(16), nullable=False),
    Column("to_addr", String()),
    Column("to_name", String()),
    Column("subject", String(), nullable=False),
    Column("body", String(), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("status", String(12), nullable=False, index=True, default="pending"),
    Column("attempts", Integer(), nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", String()),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
    Column("claimed_by", String(120)),
    Column("claim_until", UTCDateTime()),
    Column("written_on", Date()),
    Column("reply_to", String(400)),
    Column("retried_at", UTCDateTime()),
    Index(
        "ix_outbox_pending",
        "next_attempt_at",
        sqlite_where=text("status = 'pending'"),
        postgresql_where=text("status = 'pending'"),
    ),
)

closure = Table(
    "closure",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("council", String(), ForeignKey("council.code")),
    Column("day", Date(), nullable=False),
    Column("reason", String()),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("council", "day"),
)

scheduler_lease = Table(
    "scheduler_lease",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(120), nullable=False),
    Column("acquired_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)

sweep_run = Table(
    "sweep_run",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("holder", String(120), nullable=False),
    Column("as_of", Date(), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=False, index=True),
    Column("enqueued", Integer(), nullable=False, default=0),
    Column("sent", Integer(), nullable=False, default=0),
    Column("failed", Integer(), nullable=False, default=0),
    Column("dead", Integer(), nullable=False, default=0),
    Column("dropped", Integer(), nullable=False, default=0),
)

user_council = Table(
    "user_council",
    metadata,
    Column("user_name", String(64), ForeignKey("app_user.name"), primary_key=True),
    Column("council", String(), ForeignKey("council.code"), primary_key=True),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("at", UTCDateTime(), nullable=False, index=True),
    Column("user", String(64), nullable=False, index=True),
    Column("action", String(40), nullable=False),
    Column("what", String(200), nullable=False),
    Column("rows", Integer(), nullable=False, default=0),
)

web_session = Table(
    "web_session",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_name", String(64), ForeignKey("app_user.name"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen_at", UTCDateTime(), nullable=False, index=True),
    Column("client_ip", String(45)),
    Column("user_agent", String(200)),
    Column("flash", String()),
)

login_failure = Table(
    "login_failure",
    metadata,
    Column("id", Integer(), primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Index("ix_login_failure_user_at", "user_name", "at"),
)

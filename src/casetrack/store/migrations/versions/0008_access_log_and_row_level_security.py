"""The access log (append-only), users' further councils, corrections in the history, and on PostgreSQL row-level security keyed on the councils the
service layer sets per transaction (casetrack.councils)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# tables holding one council's case data: keyed on their own council column, or on their case
BY_COUNCIL = ("cases", "case_counter")
BY_CASE = (
    "case_lender",
    "case_support_org",
    "case_estimate",
    "document",
    "case_history",
    "fee_claim",
    "monitoring_session",
    "ledger_entry",
)


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("what", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_log_user"), ["user"], unique=False)
    op.create_table(
        "user_council",
        sa.Column("user_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("council", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["council"], ["council.code"]),
        sa.ForeignKeyConstraint(["user_name"], ["app_user.name"]),
        sa.PrimaryKeyConstraint("user_name", "council"),
    )
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrects", sa.Integer(), nullable=True))
    dialect = op.get_bind().dialect.name
    for statement in append_only(dialect):
        op.execute(statement)
    if dialect == "postgresql":
        for statement in row_level_security():
            op.execute(statement)


def append_only(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER access_log_no_{verb.lower()} BEFORE {verb} ON access_log "
            f"BEGIN SELECT RAISE(ABORT, 'access_log is append-only: {verb} refused'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    return [
        "CREATE OR REPLACE FUNCTION access_log_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'access_log is append-only: % refused', TG_OP; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
        "FOR EACH ROW EXECUTE FUNCTION access_log_append_only()",
    ]


def row_level_security() -> list[str]:
    """Policies for every role but the tables' owner (and superusers, who bypass them): a row is seen
    only when its council is in ``casetrack.councils`` ('*' for every council). A transaction that
    never set it sees no case data at all."""
    out = [
        "CREATE OR REPLACE FUNCTION casetrack_sees(council text) RETURNS boolean LANGUAGE sql STABLE AS $$ "
        "SELECT coalesce(current_setting('casetrack.councils', true), '') = '*' "
        "OR council = ANY (string_to_array(current_setting('casetrack.councils', true), ',')) $$",
    ]
    for table in BY_COUNCIL:
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY council_scope ON {table} USING (casetrack_sees(council)) "
            f"WITH CHECK (casetrack_sees(council))",
        ]
    for table in BY_CASE:
        visible = "case_id IN (SELECT id FROM cases)"  # cases is itself filtered
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY council_scope ON {table} USING ({visible}) WITH CHECK ({visible})",
        ]
    visible = "case_id IS NULL OR case_id IN (SELECT id FROM cases)"
    out += [
        "ALTER TABLE outbox ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY council_scope ON outbox USING ({visible}) WITH CHECK ({visible})",
    ]
    return out


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in (*BY_COUNCIL, *BY_CASE, "outbox"):
            op.execute(f"DROP POLICY IF EXISTS council_scope ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute("DROP FUNCTION IF EXISTS casetrack_sees(text)")
        op.execute("DROP TRIGGER IF EXISTS access_log_append_only ON access_log")
        op.execute("DROP FUNCTION IF EXISTS access_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS access_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS access_log_no_delete")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_log_user"))
        batch_op.drop_index(batch_op.f("ix_access_log_at"))
    op.drop_table("access_log")
    op.drop_table("user_council")
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.drop_column("corrects")

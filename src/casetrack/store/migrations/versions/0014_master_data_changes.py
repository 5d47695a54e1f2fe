"""Master data with an audit trail: companies get address, representative, e-mail and phone,
organisations a phone; every edit of either is an append-only, hash-chained `master_change` row (the
database refuses UPDATE and DELETE on it, as on the history), and each record keeps the hash of its
last change (`change_head`), so a removed tail shows too

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TEXT = sqlmodel.sql.sqltypes.AutoString


def _append_only_statements(dialect: str) -> list[str]:
    """The triggers migration 0007 puts on the history and the ledger, for master_change."""
    table = "master_change"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    return [
        f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN "
        f"RAISE EXCEPTION '{table} is append-only: % refused', TG_OP; END $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
    ]


def upgrade() -> None:
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", TEXT(), nullable=True))
        batch_op.add_column(sa.Column("representative", TEXT(), nullable=True))
        batch_op.add_column(sa.Column("email", TEXT(), nullable=True))
        batch_op.add_column(sa.Column("phone", TEXT(length=40), nullable=True))
        batch_op.add_column(sa.Column("change_head", TEXT(length=64), nullable=True))
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", TEXT(length=40), nullable=True))
        batch_op.add_column(sa.Column("change_head", TEXT(length=64), nullable=True))
    op.create_table(
        "master_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", TEXT(length=16), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("field", TEXT(length=40), nullable=False),
        sa.Column("before", TEXT(), nullable=True),
        sa.Column("after", TEXT(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user", TEXT(), nullable=False),
        sa.Column("note", TEXT(), nullable=True),
        sa.Column("prev_hash", TEXT(length=64), nullable=True),
        sa.Column("hash", TEXT(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity", "entity_id", "seq"),
    )
    for statement in _append_only_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS master_change_append_only() CASCADE")
    op.drop_table("master_change")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("change_head")
        batch_op.drop_column("phone")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("change_head")
        batch_op.drop_column("phone")
        batch_op.drop_column("email")
        batch_op.drop_column("representative")
        batch_op.drop_column("address")

"""Sweep runs for the health check; an index on the ledger entries that hold money back

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_holdback",
            ["case_id"],
            unique=False,
            sqlite_where=sa.text("retained > 0"),
            postgresql_where=sa.text("retained > 0"),
        )
    op.create_table(
        "sweep_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("enqueued", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("dead", sa.Integer(), nullable=False),
        sa.Column("dropped", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sweep_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sweep_run_finished_at"), ["finished_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_ledger_holdback",
            sqlite_where=sa.text("retained > 0"),
            postgresql_where=sa.text("retained > 0"),
        )
    with op.batch_alter_table("sweep_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sweep_run_finished_at"))

    op.drop_table("sweep_run")

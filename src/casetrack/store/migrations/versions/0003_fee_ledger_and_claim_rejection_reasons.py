"""Fee ledger and claim rejection reasons

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("component", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("eligible", sa.Integer(), nullable=False),
        sa.Column("subsidy", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.Column("retained", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.Column("company_share", sa.Integer(), nullable=False),
        sa.Column("limits", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.CheckConstraint("fee = subsidy + company_share", name="ck_ledger_fee_split"),
        sa.CheckConstraint("subsidy = paid + retained", name="ck_ledger_subsidy_split"),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["fee_claim.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id"),
    )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_entry_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("fee_claim", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reject_reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("fee_claim", schema=None) as batch_op:
        batch_op.drop_column("reject_reason")

    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entry_case_id"))

    op.drop_table("ledger_entry")

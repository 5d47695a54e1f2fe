"""The fee claims still waiting for a decision, oldest first, from an index of their own: the supervisor's
queue on 今日 (支払決定 waiting) reads a few thousand claimed rows instead of every claim of every case
of the council.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_fee_claim_waiting",
        "fee_claim",
        ["claimed_on", "id"],
        unique=False,
        sqlite_where=sa.text("status = 'claimed'"),
        postgresql_where=sa.text("status = 'claimed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_fee_claim_waiting", table_name="fee_claim")

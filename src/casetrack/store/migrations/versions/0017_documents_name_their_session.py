"""Documents name their monitoring session: a 伴走支援報告書 (monitoring_report) is filed for one
session, and a monitoring fee claim needs the report of its session; a company registered although it
looks like one already registered keeps which and why; a case keeps its re-use ground (DOMAIN.md §11)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_seq", sa.Integer(), nullable=True))
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_reason", sa.String(), nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reuse_ground", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("reuse_ground")
    with op.batch_alter_table("company", schema=None) as batch_op:
        batch_op.drop_column("duplicate_reason")
        batch_op.drop_column("duplicate_of")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("session_seq")

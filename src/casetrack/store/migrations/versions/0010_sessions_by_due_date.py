"""Sessions by due date, whatever their status: the calendar reads a month of them (held and waived
ones too) as one index range

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_session", schema=None) as batch_op:
        batch_op.create_index("ix_session_due", ["due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("monitoring_session", schema=None) as batch_op:
        batch_op.drop_index("ix_session_due")

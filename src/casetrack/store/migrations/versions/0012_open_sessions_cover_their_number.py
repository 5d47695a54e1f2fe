"""Open sessions by due date with their case and number: the partial index on scheduled sessions also
holds the session's number, so the audit's overdue sessions (case, number, due date) are read from the
index alone, without a lookup of every overdue session's row

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'scheduled'")


def upgrade() -> None:
    with op.batch_alter_table("monitoring_session", schema=None) as batch_op:
        batch_op.drop_index("ix_session_open_due", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index(
            "ix_session_open_due",
            ["due_on", "case_id", "seq"],
            unique=False,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_session", schema=None) as batch_op:
        batch_op.drop_index("ix_session_open_due", sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index(
            "ix_session_open_due",
            ["due_on", "case_id"],
            unique=False,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        )

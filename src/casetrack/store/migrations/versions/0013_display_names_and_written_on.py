"""Staff display names (used in every e-mail and page instead of the login name); per outbox message the
day it was written for (a message delivered on a later day is checked against it), its Reply-To, and
when it was last put back from dead to pending (``outbox retry``: its retry window starts again)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("display_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("reply_to", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True)
        )
        batch_op.add_column(sa.Column("retried_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("retried_at")
        batch_op.drop_column("reply_to")
        batch_op.drop_column("written_on")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("display_name")

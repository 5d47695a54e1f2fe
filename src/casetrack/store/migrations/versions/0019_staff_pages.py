"""The staff pages of the web dashboard: a user whose password an admin reset to a one-time temporary
one must change it at the next sign-in (``app_user.must_change_password``); each user's last filters
and sort of the case list (``app_user.case_filters``, a query string); and the one-time message a form
leaves for the page it redirects to (``web_session.flash``: a refusal and the values typed, or a
temporary password shown once), kept on the server with the session

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("case_filters", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True)
        )
    op.execute("UPDATE app_user SET must_change_password = false")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.alter_column("must_change_password", existing_type=sa.Boolean(), nullable=False)
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flash", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_session", schema=None) as batch_op:
        batch_op.drop_column("flash")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("case_filters")
        batch_op.drop_column("must_change_password")

"""The financial support each lender of a case agreed to (リスケ / 新規融資 / その他 with a note; pamphlet
line 169), written with the 405 agree event (DOMAIN.md §11); behind the case's row-level security on
PostgreSQL

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

VISIBLE = "case_id IN (SELECT id FROM cases)"  # cases is itself filtered by council


def upgrade() -> None:
    op.create_table(
        "case_agreement",
        sa.Column("case_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("lender_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.ForeignKeyConstraint(["lender_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("case_id", "lender_id", "kind"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE case_agreement ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY council_scope ON case_agreement USING ({VISIBLE}) WITH CHECK ({VISIBLE})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS council_scope ON case_agreement")
    op.drop_table("case_agreement")

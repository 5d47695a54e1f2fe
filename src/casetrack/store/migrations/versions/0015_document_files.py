"""Documents' files in the database: the original name and sniffed type on the document, the bytes in
document_file (one row per document, behind the document's row-level security on PostgreSQL)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

VISIBLE = "document_id IN (SELECT id FROM document)"  # document is itself filtered by its case's council


def upgrade() -> None:
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column("file_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )
    op.create_table(
        "document_file",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["document.id"]),
        sa.PrimaryKeyConstraint("document_id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE document_file ALTER COLUMN data SET STORAGE EXTERNAL"
        )  # PDFs, images, zips: no
        op.execute("ALTER TABLE document_file ENABLE ROW LEVEL SECURITY")  # second compression
        op.execute(f"CREATE POLICY council_scope ON document_file USING ({VISIBLE}) WITH CHECK ({VISIBLE})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS council_scope ON document_file")
    op.drop_table("document_file")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_column("file_type")
        batch_op.drop_column("file_name")

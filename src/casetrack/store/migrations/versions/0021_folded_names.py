"""Each company and organisation keeps its name folded for search (``name_folded``: domain.text.fold —
NFKC, katakana → hiragana, lower case), indexed, so a name search reads one short column instead of
folding every name per row; the rows already there are folded here by ``casetrack_fold`` (the Python
function on SQLite, migration 0016's SQL function on PostgreSQL); and the companies of a council's cases
are read from an index of (council, company_id) alone — the scope of every company page and search

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

TABLES = ("company", "organisation")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("name_folded", sa.String(), nullable=True))
        op.execute(f"UPDATE {table} SET name_folded = casetrack_fold(name)")
        op.create_index(op.f(f"ix_{table}_name_folded"), table, ["name_folded"], unique=False)
    op.create_index("ix_cases_council_company", "cases", ["council", "company_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cases_council_company", table_name="cases")
    for table in TABLES:
        op.drop_index(op.f(f"ix_{table}_name_folded"), table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("name_folded")

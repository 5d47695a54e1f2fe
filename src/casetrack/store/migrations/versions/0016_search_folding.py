"""casetrack_fold(text) on PostgreSQL: NFKC, katakana → hiragana, lower case — the search folding of
domain/text.py (SQLite gets the Python function itself on every connection)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

from casetrack.domain.text import HIRAGANA, KATAKANA

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION casetrack_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE "
            f"PARALLEL SAFE AS $$ SELECT lower(translate(normalize(t, NFKC), '{KATAKANA}', '{HIRAGANA}')) $$"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS casetrack_fold(text)")

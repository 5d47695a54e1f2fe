"""Tamper-evident history and ledger: hash chains per case (existing rows chained in order) and
triggers that refuse UPDATE and DELETE on both tables

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("history_head", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("ledger_head", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    _chain_existing_rows()
    for statement in triggers(op.get_bind().dialect.name):
        op.execute(statement)


APPEND_ONLY = ("case_history", "ledger_entry")


def triggers(dialect: str) -> list[str]:
    """Statements that make the two tables append-only (the database refuses UPDATE and DELETE)."""
    out = []
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                out.append(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END"
                )
        else:
            out.append(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION '{table} is append-only: % refused', TG_OP; END $$ LANGUAGE plpgsql"
            )
            out.append(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )
    return out


def _chain_existing_rows() -> None:
    from casetrack.domain import chain

    conn = op.get_bind()
    cases = sa.table("cases", sa.column("id"), sa.column("history_head"), sa.column("ledger_head"))
    history_fields = [f for f in chain.HISTORY_FIELDS if f not in chain.OPTIONAL]  # the columns as of 0007
    for table, order, fields, head in (
        ("case_history", "seq", history_fields, "history_head"),
        ("ledger_entry", "id", chain.LEDGER_FIELDS, "ledger_head"),
    ):
        # typed as the application reads them, so the hashes match what `audit verify` recomputes
        types = {
            "recorded_at": sqlmodel.sql.sqltypes.UTCDateTime(),
            "effective_on": sa.Date(),
            "until": sa.Date(),
            "on": sa.Date(),
        }
        t = sa.table(table, *(sa.column(c, types.get(c)) for c in ("id", "prev_hash", "hash", *fields)))
        last: dict[str, str] = {}
        rows = conn.execute(sa.select(t).order_by(t.c.case_id, t.c[order])).mappings().all()
        for row in rows:
            prev = last.get(row["case_id"], chain.GENESIS)
            digest = chain.link(prev, row, fields)
            last[row["case_id"]] = digest
            conn.execute(sa.update(t).where(t.c.id == row["id"]).values(prev_hash=prev, hash=digest))
        for case_id, digest in last.items():
            conn.execute(sa.update(cases).where(cases.c.id == case_id).values({head: digest}))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("ledger_head")
        batch_op.drop_column("history_head")
    dialect = op.get_bind().dialect.name
    for table in APPEND_ONLY:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")

    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")

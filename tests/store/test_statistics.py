"""`casetrack init` leaves the planner's statistics in the database (ANALYZE, committed): without them
SQLite guesses, and picks, e.g., every session of a council's cases instead of one month's by due date.
On PostgreSQL it vacuums too (the visibility map index-only scans need after a load or an upgrade)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.conftest import Cli


def test_init_keeps_the_statistics(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    Cli(db_url, capsys).ok("init")  # 48 councils in the directory
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            stats = dict(
                conn.exec_driver_sql("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'council'").all()
            )
            assert stats and {s.split()[0] for s in stats.values()} == {"48"}, stats
        else:
            rows = conn.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE relname = 'council' AND "
                "relnamespace = to_regnamespace(current_schema())::oid"
            ).scalar()
            assert rows == 48
            vacuumed = conn.exec_driver_sql(
                "SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'company' "
                "AND schemaname = current_schema()"
            ).scalar()
            assert vacuumed is not None  # pages all-visible: index-only scans right after an upgrade
    engine.dispose()

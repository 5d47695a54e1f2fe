"""The hot queries use indexes: no full scan of monitoring sessions, history, ledger or outbox in
`audit stalled`, `caseload`, `remind run --dry-run` or `case show` (EXPLAIN QUERY PLAN on SQLite;
EXPLAIN with sequential scans disabled on PostgreSQL, where tiny tables would otherwise be scanned)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from casetrack.store.browse import BrowseRepo
from casetrack.store.db import get_engine
from casetrack.store.scope import Scope
from tests.cli.helpers import drive_405
from tests.conftest import ADMIN, Cli, World
from tests.national_statistics import load_national_statistics

BIG = ("monitoring_session", "case_history", "ledger_entry", "outbox", "document")


@contextmanager
def captured(url: str) -> Iterator[list[tuple[str, object]]]:
    engine = get_engine(url)
    statements: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", grab)


def _full_scans(url: str, statements: list[tuple[str, object]]) -> list[str]:
    engine = get_engine(url)
    bad = []
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        for sql, params in statements:
            if "alembic_version" in sql or "sqlite_master" in sql:
                continue
            if engine.dialect.name == "sqlite":
                plan = [row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)]
                scans = [p for p in plan if re.match(r"SCAN \w+", p)]  # with or without an index: all rows
                bad += [f"{p} in: {sql[:160]}" for p in scans if p.split()[1] in BIG]
            else:
                plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql, params)]
                bad += [
                    f"{p.strip()} in: {sql[:160]}"
                    for p in plan
                    if "Seq Scan" in p and any(f" on {t}" in p for t in BIG)
                ]
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("RESET enable_seqscan")
    return bad


@pytest.mark.parametrize(
    "command",
    [
        ("audit", "stalled"),
        ("caseload", "--by", "council"),
        ("remind", "run", "--dry-run"),
        ("case", "show", "CASE"),
    ],
)
def test_hot_queries_use_indexes(cli: Cli, world: World, command: tuple[str, ...]) -> None:
    cid = drive_405(cli, world, "monitoring")
    args = [cid if a == "CASE" else a for a in command]
    with captured(cli.db_url) as statements:
        assert cli(*args, "--format", "json").code == 0
    assert statements, "the command ran no query?"
    assert _full_scans(cli.db_url, statements) == []


def test_the_check_can_fail(cli: Cli, world: World) -> None:
    """A query that must scan the sessions table is reported."""
    sql = "SELECT count(*) FROM monitoring_session WHERE note = 'x'"
    assert (
        _full_scans(cli.db_url, [(sql, {} if get_engine(cli.db_url).dialect.name == "postgresql" else ())])
        != []
    )
    with get_engine(cli.db_url).connect() as conn:
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1


def test_statistics_are_kept(cli: Cli, world: World) -> None:
    """`init` (and bulk loads) refresh the planner's statistics, and they outlive the connection: on
    SQLite they are rows of sqlite_stat1, which a rolled-back ANALYZE would leave missing — and without
    them the planner drives the reminder sweep's due-window query from the cases, not the sessions index."""
    drive_405(cli, world, "monitoring")
    assert cli("init", user=ADMIN).code == 0  # an upgrade in place (nothing to do) refreshes them again
    engine = get_engine(cli.db_url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT tbl, idx FROM sqlite_stat1").all()
            assert ("monitoring_session", "ix_session_open_due") in rows
            assert any(tbl == "cases" for tbl, _idx in rows)
        else:
            analyzed = conn.exec_driver_sql(
                "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'monitoring_session' "
                "AND schemaname = current_schema()"
            ).scalar()
            assert analyzed is not None


def test_the_claims_waiting_are_read_from_their_own_index(cli: Cli, world: World) -> None:
    """The supervisor's 支払決定 queue on 今日 reads the claims still `claimed` from their partial index
    (migration 0022), oldest first, instead of every claim of the council's cases through their case ids."""
    drive_405(cli, world, "monitoring")
    engine = get_engine(cli.db_url)
    if engine.dialect.name == "sqlite":  # plan as on the national database: its statistics
        with engine.begin() as conn:
            load_national_statistics(conn)
    with captured(cli.db_url) as statements, engine.connect() as conn:
        BrowseRepo(conn, scope=Scope(["13"])).claims_waiting([("405", "plan")], council="13", limit=20)
    assert len(statements) == 2  # the count and the page
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        for sql, params in statements:
            plan = "\n".join(str(row[-1]) for row in conn.exec_driver_sql(explain + sql, params))
            assert "ix_fee_claim_waiting" in plan, plan

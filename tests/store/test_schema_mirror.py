"""schema.py, the Core tables the commands use, is tables.py (SQLModel) to the letter: generated from it,
the same DDL on both backends, what the migrations build, and without SQLModel or pydantic at run time."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import StatementError
from sqlalchemy.schema import CreateIndex, CreateTable
from sqlmodel.sql import sqltypes as sqlmodel_types

from casetrack.store import schema, schema_gen, tables
from casetrack.store.db import get_engine
from casetrack.store.types import UTCDateTime
from tests.conftest import Cli

DECLARED = tables.SQLModel.metadata  # what tables.py declares
DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}
TOKYO = dt.timezone(dt.timedelta(hours=9))


def test_schema_py_is_what_the_generator_writes_from_tables_py() -> None:
    written = schema_gen.TARGET.read_text(encoding="utf-8")
    assert written == schema_gen.render(), (
        "src/casetrack/store/schema.py is stale: run `python -m casetrack.store.schema_gen`"
    )


@pytest.mark.parametrize(
    "extra",
    [
        sa.Column("made", sa.Integer, server_default=sa.text("0")),
        sa.Column("stamp", sa.Integer, default=lambda: 0),
        sa.Column("kind", sa.Enum("a", "b")),
        sa.Column("org", sa.Integer, sa.ForeignKey("org.id", ondelete="CASCADE")),
        sa.Index("ix_lower", sa.func.lower(sa.column("name"))),
    ],
    ids=["server default", "callable default", "enum", "on delete", "expression index"],
)
def test_the_generator_refuses_what_it_cannot_write(extra: Any) -> None:
    """Nothing of tables.py is silently left out of the mirror."""
    metadata = sa.MetaData()
    sa.Table("org", metadata, sa.Column("id", sa.Integer, primary_key=True))
    sa.Table(
        "thing", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String), extra
    )
    with pytest.raises(schema_gen.Unsupported):
        schema_gen.render(metadata)


def test_same_tables_and_indexes() -> None:
    assert list(schema.metadata.tables) == list(DECLARED.tables)
    assert (
        len(schema.metadata.tables) == 25
    )  # 22 + master_change (0014) + document_file (0015) + case_agreement (0019)

    def indexes(metadata: sa.MetaData) -> set[tuple[str, str | None]]:
        return {(t.name, i.name) for t in metadata.tables.values() for i in t.indexes}

    assert indexes(schema.metadata) == indexes(DECLARED)


@pytest.mark.parametrize("dialect", DIALECTS.values(), ids=DIALECTS.keys())
def test_same_create_table_and_create_index_text(dialect: Dialect) -> None:
    for name, declared in DECLARED.tables.items():
        mirror = schema.metadata.tables[name]
        assert str(CreateTable(mirror).compile(dialect=dialect)) == str(
            CreateTable(declared).compile(dialect=dialect)
        )
        declared_indexes = {i.name: str(CreateIndex(i).compile(dialect=dialect)) for i in declared.indexes}
        mirror_indexes = {i.name: str(CreateIndex(i).compile(dialect=dialect)) for i in mirror.indexes}
        assert mirror_indexes == declared_indexes, name


def _columns(metadata: sa.MetaData) -> dict[tuple[str, str], tuple[str, Any]]:
    """Per column: the type's class (AutoString is String everywhere but MySQL) and the client-side default."""
    out = {}
    for table in metadata.tables.values():
        for col in table.columns:
            kind = "String" if isinstance(col.type, sqlmodel_types.AutoString) else type(col.type).__name__
            default = None if col.default is None else ("scalar", col.default.arg)  # type: ignore[attr-defined]
            out[table.name, col.name] = (kind, default)
    return out


def test_same_column_types_and_defaults() -> None:
    mirror, declared = _columns(schema.metadata), _columns(DECLARED)
    assert mirror == declared
    assert declared["organisation", "certified"] == (
        "Boolean",
        ("scalar", False),
    )  # the comparison sees defaults
    assert declared["outbox", "created_at"][0] == "UTCDateTime"
    assert isinstance(schema.outbox.c.created_at.type, UTCDateTime)


def test_migrations_build_the_mirror(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    """What `casetrack init` builds is schema.py exactly (as test_migrations checks for tables.py)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from casetrack.store import rls

    Cli(db_url, capsys).ok("init")
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": rls.include_object}), schema.metadata
        )
    assert diff == []


def test_utc_datetime_stores_aware_instants_and_returns_them_in_utc(db_url: str) -> None:
    table = sa.Table(
        "instants",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UTCDateTime()),
    )
    engine = sa.create_engine(db_url)
    try:
        table.create(engine)
        tokyo_noon = dt.datetime(2026, 4, 1, 12, 0, 30, 123456, tzinfo=TOKYO)
        with engine.begin() as conn:
            conn.execute(table.insert(), [{"id": 1, "at": tokyo_noon}, {"id": 2, "at": None}])
        with engine.connect() as conn:
            back = {id_: at for id_, at in conn.execute(sa.select(table.c.id, table.c.at))}
            later = conn.execute(sa.select(table.c.id).where(table.c.at > tokyo_noon - dt.timedelta(hours=1)))
            assert later.scalars().all() == [1]
        assert back[1] == tokyo_noon and back[1].tzinfo is dt.UTC
        assert back[1] == dt.datetime(2026, 4, 1, 3, 0, 30, 123456, tzinfo=dt.UTC)
        assert back[2] is None
        with pytest.raises(StatementError) as raised, engine.begin() as conn:
            conn.execute(table.insert(), {"id": 3, "at": dt.datetime(2026, 4, 1, 12, 0)})
        assert isinstance(raised.value.orig, ValueError)
        assert "timezone" in str(raised.value.orig)
    finally:
        engine.dispose()


@pytest.mark.parametrize("dialect", DIALECTS.values(), ids=DIALECTS.keys())
def test_utc_datetime_behaves_as_sqlmodels(dialect: Dialect) -> None:
    ours, theirs = UTCDateTime(), sqlmodel_types.UTCDateTime()
    aware = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=TOKYO)
    for value in (aware, aware.astimezone(dt.UTC), None):
        assert ours.process_bind_param(value, dialect) == theirs.process_bind_param(value, dialect)
    for stored in (aware, dt.datetime(2026, 1, 2, 3, 4, 5), None):  # naive: a backend without time zones
        back = ours.process_result_value(stored, dialect)
        assert back == theirs.process_result_value(stored, dialect)
        assert back is None or back.tzinfo is dt.UTC
    with pytest.raises(ValueError):
        ours.process_bind_param(dt.datetime(2026, 1, 2), dialect)
    assert ours.cache_ok and repr(ours) == "UTCDateTime()"
    span = dt.timedelta(days=1)
    assert type(ours.coerce_compared_value(None, span)) is type(theirs.coerce_compared_value(None, span))
    assert repr(ours.impl) == repr(theirs.impl)


def test_read_commands_import_neither_sqlmodel_nor_pydantic(tmp_path: Path) -> None:
    db = str(tmp_path / "casetrack.db")
    init = subprocess.run(
        [sys.executable, "-m", "casetrack", "--db", db, "init", "--admin", "a"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert init.returncode == 0, init.stderr
    commands = [
        ("a", "council", "list"),
        ("a", "user", "add", "s", "--council", "13", "--role", "supervisor"),
        ("s", "case", "list"),
        ("s", "user", "list"),
    ]  # reads, and a write
    code = (
        "import sys\n"
        "from casetrack.cli.main import run\n"
        f"for user, *command in {commands!r}:\n"
        f"    assert run(['--db', {db!r}, '--user', user, *command, '--format', 'json']) == 0, command\n"
        "print('LOADED', [m for m in ('sqlalchemy', 'sqlmodel', 'pydantic') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert '"code": "13"' in done.stdout  # the councils were read from the database
    assert done.stdout.strip().splitlines()[-1] == "LOADED ['sqlalchemy']"

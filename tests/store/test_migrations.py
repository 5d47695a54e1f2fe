"""`casetrack init` creates the schema, and upgrades an older database in place without losing data."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from casetrack.store import migrate
from casetrack.store.db import get_engine
from casetrack.store.tables import SQLModel
from tests.conftest import Cli


def test_init_creates_every_table_and_is_idempotent(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    cli = Cli(db_url, capsys)
    first = cli.ok("init")
    assert first["schema_before"] is None and first["schema"] == migrate.head()
    assert first["councils"] == 48 and first["councils_added"] == 48
    again = cli.ok("init")
    assert again["schema_before"] == migrate.head() and again["councils_added"] == 0
    names = set(sa.inspect(get_engine(db_url)).get_table_names())
    assert set(SQLModel.metadata.tables) <= names


def test_migrations_match_the_tables(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    """The migrations produce exactly what tables.py declares (no forgotten revision)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from casetrack.store import rls

    Cli(db_url, capsys).ok("init")
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_object": rls.include_object}), SQLModel.metadata
        )
    assert diff == []


def test_upgrade_from_first_revision_keeps_data(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    revisions = [s.revision for s in ScriptDirectory.from_config(migrate._config()).walk_revisions()]
    assert len(revisions) >= 2, "this test needs an older revision to upgrade from"
    engine = get_engine(db_url)
    migrate.upgrade(engine, "0001")
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO council (code, name, prefecture, host_organization, postal_code, address, phone) "
                "VALUES ('13', '東京都中小企業活性化協議会', '東京都', 'host', '100-0005', 'addr', '03')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO company (id, name, corporate_number, fiscal_year_end_month) "
                "VALUES (7, '株式会社旧データ', '1180301018771', 3)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO organisation (id, name, kind, certified, is_bank) "
                "VALUES (8, '旧税理士', 'tax_accountant', true, false)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO cases (id, program, track, council, company_id, state, state_since, rule_set, "
                "opened_on, interim_monitoring, version, created_at) VALUES ('13-2025-0001', 'early', 'standard', "
                "'13', 7, 'consultation', '2025-05-01', '2022-04-01', '2025-05-01', false, 1, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO case_support_org (case_id, org_id, lead, position) "
                "VALUES ('13-2025-0001', 8, true, 0)"
            )
        )
        conn.execute(
            sa.text(
                'INSERT INTO case_history (case_id, seq, event, to_state, effective_on, recorded_at, "user", rule_set) '
                "VALUES ('13-2025-0001', 1, 'open', 'consultation', '2025-05-01', :now, 'old', '2022-04-01')"
            ),
            {"now": now},
        )
    cli = Cli(db_url, capsys)
    result = cli.ok("init")
    assert result["schema_before"] == "0001" and result["schema"] == migrate.head()
    shown = cli.ok("case", "show", "13-2025-0001")
    assert shown["company"]["name"] == "株式会社旧データ"
    assert shown["state"] == "consultation"
    assert shown["monitoring"] == [] and shown["money"]["fee_total"] == 0
    history = cli.ok("case", "history", "13-2025-0001")
    assert [h["user"] for h in history] == ["old"]
    verified = cli.ok("audit", "verify")  # the upgrade chained the rows it found
    assert verified["ok"] is True and verified["checked"] == 1
    council_names = {c["code"]: c["name"] for c in cli.ok("council", "list")}
    assert len(council_names) == 48
    assert council_names["13"] == "東京都中小企業活性化協議会"


def test_commands_on_an_uninitialised_database_say_run_init(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    result = Cli(db_url, capsys)("case", "list")
    assert result.code == 2
    assert result.err.startswith("error:") and "casetrack init" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_head_shortcut_matches_alembic() -> None:
    assert migrate.head() == migrate.alembic_head()

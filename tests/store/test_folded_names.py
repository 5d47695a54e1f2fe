"""The folded names the searches read (``name_folded``): migration 0021 folds the companies and
organisations already there, the bulk loader folds what it loads; the searches then find them by any
spelling that folds alike."""

from __future__ import annotations

import sqlalchemy as sa

from casetrack.store import migrate
from casetrack.store.bulk import load
from casetrack.store.db import get_engine
from casetrack.store.records import RecordsRepo
from casetrack.store.scope import Scope
from tests.conftest import Cli


def _folded(engine: sa.Engine) -> dict[str, dict[str, str | None]]:
    with engine.connect() as conn:
        return {
            table: {
                row.name: row.name_folded
                for row in conn.execute(sa.text(f"SELECT name, name_folded FROM {table}"))
            }
            for table in ("company", "organisation")
        }


def _found(engine: sa.Engine, q: str) -> tuple[list[str], list[str]]:
    with engine.connect() as conn:
        repo = RecordsRepo(conn, scope=Scope.EVERY)
        return ([r.name for r in repo.search_companies(q)[1]], [r.name for r in repo.search_orgs(q)[1]])


def test_the_upgrade_folds_the_names_already_there(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(db_url)
    migrate.upgrade(engine, "0020")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO company (id, name, fiscal_year_end_month) VALUES "
                "(1, 'ｻｸﾗ工業株式会社', 3), (2, '株式会社ＡＢＣ', 3), (3, 'みどり工房', 12)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO organisation (id, name, kind, certified, is_bank) VALUES "
                "(1, 'サクラ銀行', 'bank', true, true), (2, 'Ｍｉｎａｔｏ税理士', 'tax_accountant', true, false)"
            )
        )
    assert Cli(db_url, capsys).ok("init")["schema_before"] == "0020"
    assert _folded(engine) == {
        "company": {
            "ｻｸﾗ工業株式会社": "さくら工業株式会社",
            "株式会社ＡＢＣ": "株式会社abc",
            "みどり工房": "みどり工房",
        },
        "organisation": {"サクラ銀行": "さくら銀行", "Ｍｉｎａｔｏ税理士": "minato税理士"},
    }
    assert _found(engine, "サクラ") == (["ｻｸﾗ工業株式会社"], ["サクラ銀行"])
    assert _found(engine, "abc") == (["株式会社ＡＢＣ"], [])
    assert _found(engine, "ＭＩＮＡＴＯ") == ([], ["Ｍｉｎａｔｏ税理士"])


def test_the_bulk_loader_folds_what_it_loads(cli: Cli) -> None:
    engine = get_engine(cli.db_url)
    load(
        engine,
        [
            {
                "company": [
                    {
                        "id": i,
                        "name": name,
                        "corporate_number": None,
                        "fiscal_year_end_month": 3,
                        "founded_on": None,
                        "prefecture": "13",
                    }
                    for i, name in ((1, "ﾐﾄﾞﾘ商店"), (2, "ＸＹＺ工業"))
                ],
                "organisation": [
                    {
                        "id": 1,
                        "name": "ヒカリ信用金庫",
                        "kind": "bank",
                        "certified": True,
                        "email": None,
                        "is_bank": True,
                    }
                ],
            }
        ],
    )
    assert _folded(engine) == {
        "company": {"ﾐﾄﾞﾘ商店": "みどり商店", "ＸＹＺ工業": "xyz工業"},
        "organisation": {"ヒカリ信用金庫": "ひかり信用金庫"},
    }
    assert _found(engine, "みどり") == (["ﾐﾄﾞﾘ商店"], [])
    assert _found(engine, "ﾋｶﾘ") == ([], ["ヒカリ信用金庫"])

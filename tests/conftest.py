"""Shared fixtures: a real SQLite file per test and, when CASETRACK_TEST_POSTGRES_URL is set, the same
tests on a real PostgreSQL (a fresh schema per test). With the URL set and the server unreachable the
PostgreSQL tests fail; they never skip."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from casetrack.cli.main import run

PG_ENV = "CASETRACK_TEST_POSTGRES_URL"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'casetrack.db'}"
        return
    import sqlalchemy as sa

    base = os.environ[PG_ENV]
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # fails loudly when the server is unreachable
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(base, schema)
    finally:
        from casetrack.store import db as store_db

        for url, engine in list(store_db._engines.items()):
            if schema in url:
                engine.dispose()
                del store_db._engines[url]
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


ADMIN = "root"  # the admin every test database starts with
TESTER = "tester"  # the default actor: a supervisor of the councils the tests use (every case action there)
TEST_COUNCILS = ("13", "27", "01")


class Cli:
    """Runs the real CLI in-process (same parser, same error handling) against one database."""

    def __init__(self, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.db_url = db_url
        self.capsys = capsys
        self.today = "2026-11-25"

    def __call__(self, *args: str, today: str | None = None, user: str = TESTER) -> Result:
        self.capsys.readouterr()
        code = run(["--db", self.db_url, "--today", today or self.today, "--user", user, *args])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def setup(self) -> Cli:
        """A fresh database with its first admin and the default actor."""
        assert self("init", "--admin", ADMIN, user=ADMIN).code == 0
        self.ok("user", "add", TESTER, *(a for code in TEST_COUNCILS for a in ("--council", code)),
                "--role", "supervisor", user=ADMIN)
        return self

    def ok(self, *args: str, **kw: Any) -> Any:
        """Run with --format json, assert exit 0, return the parsed JSON."""
        result = self(*args, "--format", "json", **kw)
        assert result.code == 0, f"{args} exited {result.code}: {result.err}"
        return result.json


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(db_url, capsys).setup()


@dataclass
class World:
    """A small registry: one company per fiscal-year-end month used, advisers and banks."""

    company: int
    company_dec: int
    tax: int  # certified tax accountant
    uncertified: int
    bank_main: int
    bank_second: int
    bank_third: int
    bank_adviser: int  # a bank that is also a certified support org


@pytest.fixture
def world(cli: Cli) -> World:
    company = cli.ok("company", "add", "--name", "株式会社みどり工房", "--corporate-number", "1180301018771",
                     "--fiscal-year-end-month", "3", "--prefecture", "13")["id"]
    company_dec = cli.ok("company", "add", "--name", "喫茶ひまわり", "--fiscal-year-end-month", "12")["id"]
    tax = cli.ok("org", "add", "--name", "みなと税理士法人", "--kind", "tax_accountant", "--certified",
                 "--email", "office@minato-tax.example.jp")["id"]
    uncertified = cli.ok("org", "add", "--name", "未認定コンサル", "--kind", "other")["id"]
    bank_main = cli.ok("org", "add", "--name", "さくら銀行", "--kind", "bank", "--certified")["id"]
    bank_second = cli.ok("org", "add", "--name", "東都信用金庫", "--kind", "bank")["id"]
    bank_third = cli.ok("org", "add", "--name", "日本政策金融公庫", "--kind", "bank")["id"]
    bank_adviser = cli.ok("org", "add", "--name", "あおば銀行", "--kind", "bank", "--certified")["id"]
    cli.ok("user", "add", "sato", "--council", "13", "--email", "sato@council.example.jp", "--role", "supervisor",
           user=ADMIN)
    return World(company, company_dec, tax, uncertified, bank_main, bank_second, bank_third, bank_adviser)

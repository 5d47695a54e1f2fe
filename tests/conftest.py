"""Shared fixtures: a real SQLite file per test and, when CASETRACK_TEST_POSTGRES_URL is set, the same
tests on a real PostgreSQL (a database of its own per test). With the URL set and the server unreachable
the PostgreSQL tests fail; they never skip.

Speed without pretending: a test that asks for ``cli`` gets a copy of a database that the real CLI
migrated and set up once per test process (``init --admin root``, ``user add tester``) — a file copy on
SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL — instead of running every migration again; a test
that asks only for ``db_url`` gets an empty database, as before. Passwords are hashed with argon2's
cheapest parameters (the code path is the same; ``tests/services/test_passwords.py`` proves production
parameters are the default outside the suite). Hypothesis runs the ``ci`` profile unless
``HYPOTHESIS_PROFILE=thorough`` (see ``examples``)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings

from casetrack.cli.main import run
from casetrack.services import passwords

# The CLI speaks Japanese by default. The suite's tests were written against its English (--lang en), which
# stays exactly as it was; the Japanese default is tested through the real CLI in tests/cli/test_lang.py
# (which unsets this), with a scan that every error the code raises has its Japanese text.
os.environ["CASETRACK_LANG"] = "en"

PG_ENV = "CASETRACK_TEST_POSTGRES_URL"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])

# -- hypothesis: a fast profile for every run, the long one on request ----------------------------------

hypothesis_settings.register_profile("ci", deadline=None, print_blob=True)
hypothesis_settings.register_profile("thorough", deadline=None, print_blob=True, max_examples=1_000)
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
hypothesis_settings.load_profile("thorough" if THOROUGH else "ci")


def examples(thorough: int, fast: int) -> int:
    """``max_examples`` for a property: ``thorough`` with HYPOTHESIS_PROFILE=thorough, else ``fast``."""
    return thorough if THOROUGH else fast


requires_postgres = pytest.mark.skipif(
    not os.environ.get(PG_ENV), reason=f"PostgreSQL only: set {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")


def requires_tool(command: str, package: str) -> pytest.MarkDecorator:
    """For a test that needs a system program: skipped, naming the Debian package to install, where the
    program is missing and CI is unset; in CI (``CI=true``: .ci/run installs it) it always runs, and fails
    if the program is missing."""
    missing = shutil.which(command) is None
    return pytest.mark.skipif(missing and not os.environ.get("CI"),
                              reason=f"needs `{command}` (apt-get install {package}); CI always runs it")


def pytest_configure(config: pytest.Config) -> None:
    # the suite's hasher: argon2id at its cheapest (every test that signs in would otherwise spend ~50 ms
    # of CPU per hash); production parameters stay the default for every other caller
    passwords.use_hasher(PasswordHasher.from_parameters(passwords.CHEAPEST))


ADMIN = "root"  # the admin every test database starts with
TESTER = "tester"  # the default actor: a supervisor of the councils the tests use (every case action there)
TEST_COUNCILS = ("13", "27", "01")
TEMPLATE_TODAY = "2026-11-25"


def _dispose(url: str) -> None:
    """Close casetrack's pooled connections to ``url`` (before its file or database is copied or dropped)."""
    from casetrack.store import db as store_db

    for key, engine in list(store_db._engines.items()):
        if key == url:
            engine.dispose()
            del store_db._engines[key]


def _set_up(url: str) -> None:
    """What ``Cli.setup`` does, through the real CLI: the schema, the councils, the admin and the tester."""
    for args in (["init", "--admin", ADMIN], ["user", "add", TESTER,
                                              *(a for code in TEST_COUNCILS for a in ("--council", code)),
                                              "--role", "supervisor"]):
        with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.redirect_stderr(io.StringIO()) as err:
            code = run(["--db", url, "--today", TEMPLATE_TODAY, "--user", ADMIN, *args, "--format", "json"])
        assert code == 0, f"setting up the template database: {args} exited {code}: {err.getvalue()}{out.getvalue()}"
    _dispose(url)


class _Postgres:
    """Connections for CREATE/DROP DATABASE (AUTOCOMMIT, no pool). A test's database is dropped by a
    background thread: DROP DATABASE waits for a checkpoint, which the next test need not wait for;
    ``close`` waits until every drop is done (and re-raises the first failure)."""

    def __init__(self, base: str) -> None:
        import sqlalchemy as sa
        from sqlalchemy.pool import NullPool

        self.sa = sa
        url = sa.engine.make_url(base)
        if "options" not in url.query:  # the tests' databases are thrown away: commits need not wait for disk
            url = url.update_query_dict({"options": "-c synchronous_commit=off"})
        self.base = url
        self.engine = sa.create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._failures: list[BaseException] = []
        self._dropper = threading.Thread(target=self._drop_loop, name="drop-test-databases", daemon=True)
        self._dropper.start()

    def _drop_loop(self) -> None:
        while (name := self._drops.get()) is not None:
            try:
                self.drop(name)
            except BaseException as exc:  # reported by close()
                self._failures.append(exc)

    def drop_later(self, name: str) -> None:
        self._drops.put(name)

    def close(self) -> None:
        self._drops.put(None)
        self._dropper.join()
        self.engine.dispose()
        if self._failures:
            raise self._failures[0]

    def url(self, database: str) -> str:
        return str(self.base.set(database=database).render_as_string(hide_password=False))

    def execute(self, statement: str) -> None:
        with self.engine.connect() as conn:  # fails loudly when the server is unreachable
            conn.execute(self.sa.text(statement))

    def create(self, name: str, template: str = "template0") -> str:
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Templates:
    """Migrated, set-up databases made once per test process, copied for every test that asks for ``cli``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._pg: _Postgres | None = None
        self._pg_template: str | None = None

    def sqlite_copy(self, target: Path) -> None:
        if self._sqlite is None:
            path = self.folder / "template.db"
            _set_up(f"sqlite:///{path}")
            with sqlite3.connect(path) as conn:  # everything in the main file: the copy needs no -wal
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._sqlite = path
        shutil.copyfile(self._sqlite, target)

    @property
    def pg(self) -> _Postgres:
        if self._pg is None:
            self._pg = _Postgres(os.environ[PG_ENV])
        return self._pg

    def pg_database(self, populated: bool) -> tuple[str, str]:
        """A new database (name, URL): a copy of the set-up template, or empty."""
        name = "ct_t_" + uuid.uuid4().hex[:12]
        if not populated:
            return name, self.pg.create(name)
        if self._pg_template is None:
            template = "ct_tpl_" + uuid.uuid4().hex[:12]
            url = self.pg.create(template)
            _set_up(url)
            self._pg_template = template
        return name, self.pg.create(name, self._pg_template)

    def close(self) -> None:
        if self._pg is not None:
            if self._pg_template is not None:
                self.pg.drop_later(self._pg_template)
            self._pg.close()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path, templates: Templates) -> Iterator[str]:
    """A database of the test's own: a SQLite file, or a PostgreSQL database. Empty — unless the test
    uses ``cli``, which then finds it set up (the template's copy) instead of running ``init`` itself."""
    populated = "cli" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "casetrack.db"
        if populated:
            templates.sqlite_copy(path)
        yield f"sqlite:///{path}"
        return
    name, url = templates.pg_database(populated)
    try:
        yield url
    finally:
        _dispose(url)
        templates.pg.drop_later(name)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


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
    """The real CLI on a database already set up as ``Cli.setup`` leaves it (see ``db_url``)."""
    return Cli(db_url, capsys)


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

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
import copy
import io
import json
import os
import queue
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from argon2 import PasswordHasher
from hypothesis import settings as hypothesis_settings

from casetrack.cli.main import run
from casetrack.services import passwords
from tests.pg_reuse import Content, Reuse

# The CLI speaks Japanese by default. The suite's tests were written against its English (--lang en), which
# stays exactly as it was; the Japanese default is tested through the real CLI in tests/cli/test_lang.py
# (which unsets this), with a scan that every error the code raises has its Japanese text.
os.environ["CASETRACK_LANG"] = "en"

T = TypeVar("T")
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
    not os.environ.get(PG_ENV),
    reason=f"PostgreSQL only: set {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)",
)


def requires_tool(command: str, package: str) -> pytest.MarkDecorator:
    """For a test that needs a system program: skipped, naming the Debian package to install, where the
    program is missing and CI is unset; in CI (``CI=true``: .ci/run installs it) it always runs, and fails
    if the program is missing."""
    missing = shutil.which(command) is None
    return pytest.mark.skipif(
        missing and not os.environ.get("CI"),
        reason=f"needs `{command}` (apt-get install {package}); CI always runs it",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests first (``slow``, then ``browser``): xdist hands out the rest one by one as workers
    free up, so neither worker is left running a 30-second test alone at the end."""
    items.sort(
        key=lambda item: (
            0 if item.get_closest_marker("slow") else 1 if item.get_closest_marker("browser") else 2
        )
    )


def pytest_configure(config: pytest.Config) -> None:
    # the suite's hasher: argon2id at its cheapest (every test that signs in would otherwise spend ~50 ms
    # of CPU per hash); production parameters stay the default for every other caller
    passwords.use_hasher(PasswordHasher.from_parameters(passwords.CHEAPEST))


ADMIN = "root"  # the admin every test database starts with
TESTER = "tester"  # the default actor: a supervisor of the councils the tests use (every case action there)
TEST_COUNCILS = ("13", "27", "01")
TEMPLATE_TODAY = "2026-11-25"


_REUSES: list[Reuse] = []  # this process's reusable PostgreSQL databases (Templates.reuse)


def _database(url: str) -> str:
    """The PostgreSQL database a URL names."""
    import sqlalchemy as sa

    return sa.engine.make_url(url).database or ""


def _dispose(url: str, *, forget: bool = False) -> None:
    """Close every pooled connection to ``url`` — casetrack's, and our own to a reused PostgreSQL database
    — before its file or database is copied, replaced or dropped. casetrack's engine itself stays, with
    the SQL it has compiled, for the next test on the same URL (each worker's tests use one SQLite path
    and, mostly, the same few PostgreSQL databases) — unless ``forget``: the database is gone for good."""
    _close_pool(url, forget=forget)
    if url.startswith("postgresql"):
        for reuse in _REUSES:
            reuse.release(_database(url))


def _close_pool(url: str, *, forget: bool = False) -> None:
    """Close casetrack's pooled connections to ``url`` (a test is over: it leaves nothing connected), and
    forget that this process saw its schema current (the next test at this URL may hold an empty or an
    older database)."""
    from casetrack.services import context as service_context
    from casetrack.store import db as store_db

    service_context._CURRENT_SCHEMA.discard(url)

    engine = store_db._engines.get(url)
    if engine is not None:
        engine.dispose()
        if forget:
            del store_db._engines[url]


def _set_up(url: str) -> None:
    """What ``Cli.setup`` does, through the real CLI: the schema, the councils, the admin and the tester."""
    for args in (
        ["init", "--admin", ADMIN],
        [
            "user",
            "add",
            TESTER,
            *(a for code in TEST_COUNCILS for a in ("--council", code)),
            "--role",
            "supervisor",
        ],
    ):
        with (
            contextlib.redirect_stdout(io.StringIO()) as out,
            contextlib.redirect_stderr(io.StringIO()) as err,
        ):
            code = run(["--db", url, "--today", TEMPLATE_TODAY, "--user", ADMIN, *args, "--format", "json"])
        assert code == 0, (
            f"setting up the template database: {args} exited {code}: {err.getvalue()}{out.getvalue()}"
        )
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

    def conninfo(self, database: str) -> str:
        """``database`` for psycopg itself (what tests/pg_reuse.py reads and writes with)."""
        from psycopg.conninfo import make_conninfo

        parts = {
            "host": self.base.host,
            "port": self.base.port,
            "user": self.base.username,
            "password": self.base.password,
            **dict(self.base.query),
        }
        return make_conninfo(dbname=database, **{k: v for k, v in parts.items() if v})

    def execute(self, statement: str) -> None:
        with self.engine.connect() as conn:  # fails loudly when the server is unreachable
            conn.execute(self.sa.text(statement))

    def create(self, name: str, template: str = "template0") -> str:
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def drop(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Snapshot:
    """A database as a fixture chain left it: its copy (a SQLite file or a PostgreSQL template database),
    the fixtures whose work it holds, their values, and its fingerprint."""

    source: str
    holds: frozenset[str]
    values: dict[str, Any]
    fingerprint: tuple[int, ...]
    content: Content | None = None  # PostgreSQL: the rows to put into a reused database (pg_reuse)


@dataclass
class Origin:
    """What a test's database started as (the snapshot it was copied from, if any) and whether it is still
    exactly that plus the work of the snapshot fixtures run since (``fingerprint`` None: something else
    wrote to it, so nothing more is saved from it)."""

    backend: str
    holds: frozenset[str]
    values: dict[str, Any]
    fingerprint: tuple[int, ...] | None


_TABLE_NAMES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
}


def fingerprint(conn: Any, backend: str) -> tuple[int, ...]:
    """The row count of every table, read through ``conn`` (an open sqlite3 or psycopg connection): a
    fixture that wrote anything first changes it."""
    names = [r[0] for r in conn.execute(_TABLE_NAMES[backend])]
    if not names:
        return ()
    counts = ", ".join(f'(SELECT count(*) FROM "{name}")' for name in names)
    return tuple(conn.execute(f"SELECT {counts}").fetchone())


class Templates:
    """Migrated, set-up databases made once per test process, copied for every test that asks for ``cli``;
    and the snapshots of fixture chains (``Templates.once``), which a later test's database is copied from
    instead."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._sqlite: Path | None = None
        self._pg: _Postgres | None = None
        self._pg_template: str | None = None
        self._reuse: Reuse | None = None
        self._base_content: Content | None = None
        self.snapshots: dict[tuple[str, str], Snapshot] = {}  # (backend, fixture) → the database it left
        self.origins: dict[str, Origin] = {}  # test database URL → what it started as
        self._base_fingerprints: dict[str, tuple[int, ...]] = {}

    def base_fingerprint(self, backend: str) -> tuple[int, ...]:
        """The fingerprint of the set-up template (made by then: a test that asks for ``cli`` copied it)."""
        if backend not in self._base_fingerprints:
            url = f"sqlite:///{self._sqlite}" if backend == "sqlite" else self.pg.url(self._pg_template or "")
            self._base_fingerprints[backend] = self.fingerprint(url)
        return self._base_fingerprints[backend]

    def fingerprint(self, url: str) -> tuple[int, ...]:
        """``fingerprint`` of the database at ``url``, read with the drivers themselves (on a reused
        PostgreSQL database through our open connection to it)."""
        if url.startswith("sqlite"):
            with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
                return fingerprint(conn, "sqlite")
        database = _database(url)
        if self._reuse is not None and database in self._reuse.held:
            return fingerprint(self._reuse.connection(database), "postgresql")
        import psycopg

        with psycopg.connect(self.pg.conninfo(database), autocommit=True) as conn:
            return fingerprint(conn, "postgresql")

    def best_snapshot(self, backend: str, fixtures: set[str]) -> Snapshot | None:
        """The saved snapshot holding the most of the test's fixtures and nothing the test does not use."""
        fits = [
            snap
            for (kind, _name), snap in self.snapshots.items()
            if kind == backend and snap.holds <= fixtures
        ]
        return max(fits, key=lambda snap: len(snap.holds), default=None)

    def once(self, name: str, url: str, build: Callable[[], T]) -> T:
        """The value of fixture ``name`` on the test database ``url``: built (``build``, which may only write
        to that database and returns plain data) the first time per worker and backend, its database then
        saved as a snapshot; afterwards the test's database is made from that snapshot (``db_url``) and the
        value handed back without building. The fingerprint proves the copy is what building would leave:
        a test whose other fixtures wrote first neither uses nor saves a snapshot."""
        origin = self.origins[url]
        if name in origin.holds:
            assert origin.fingerprint is not None and self.fingerprint(url) == origin.fingerprint, (
                f"fixture {name!r} came from a snapshot, but something wrote to the database before it: "
                "request the snapshot fixtures before fixtures that write"
            )
            return copy.deepcopy(origin.values[name])  # type: ignore[no-any-return]
        clean = origin.fingerprint is not None and self.fingerprint(url) == origin.fingerprint
        value = build()
        if not clean:
            origin.fingerprint = None
            return value
        origin.holds |= {name}
        origin.values[name] = copy.deepcopy(value)
        origin.fingerprint = self.fingerprint(url)
        key = (origin.backend, name)
        if key not in self.snapshots:
            source, content = self._save(url, name)
            self.snapshots[key] = Snapshot(
                source, origin.holds, dict(origin.values), origin.fingerprint, content
            )
        return value

    def _save(self, url: str, name: str) -> tuple[str, Content | None]:
        if url.startswith("postgresql") and self._reuse is not None:
            content = self._reuse.snapshot(_database(url))
            if content is not None:  # later tests' databases get these rows (no template database)
                return "", content
        _dispose(url)
        if url.startswith("sqlite"):
            path = Path(url.removeprefix("sqlite:///"))
            with sqlite3.connect(path) as conn:  # everything in the main file: the copy needs no -wal
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            target = self.folder / f"snapshot-{name}.db"
            shutil.copyfile(path, target)
            return str(target), None
        template = "ct_snap_" + uuid.uuid4().hex[:12]
        self.pg.create(template, _database(url))
        return template, None

    def sqlite_work(self) -> Path:
        """The path of the worker's SQLite test database, in a folder emptied for each test (a test may put
        files beside it): one URL for all of them, so the engine and the SQL it compiled are kept."""
        folder = self.folder / "work"
        _dispose(f"sqlite:///{folder / 'casetrack.db'}")
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        return folder / "casetrack.db"

    def sqlite_copy(self, target: Path, snapshot: Snapshot | None = None) -> None:
        if snapshot is not None:
            shutil.copyfile(snapshot.source, target)
            return
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

    def pg_database(self, populated: bool, snapshot: Snapshot | None = None) -> tuple[str, str]:
        """A database (name, URL): a copy of ``snapshot``, of the set-up template, or empty. With the
        template's catalog, a database an earlier test gave back is put back to the rows wanted instead
        of a new one being made (tests/pg_reuse.py)."""
        if not populated:
            name = "ct_t_" + uuid.uuid4().hex[:12]
            return name, self.pg.create(name)
        if snapshot is not None and snapshot.content is None:  # a snapshot kept as a template database
            name = "ct_t_" + uuid.uuid4().hex[:12]
            return name, self.pg.create(name, snapshot.source)
        reuse = self.reuse
        assert self._pg_template is not None and self._base_content is not None
        content = snapshot.content if snapshot is not None and snapshot.content else self._base_content
        name = reuse.take(content)
        if name is None:
            name = "ct_t_" + uuid.uuid4().hex[:12]
            self.pg.create(name, self._pg_template)
            reuse.hold(name, self._base_content)
            if content is not self._base_content:
                reuse.reset(name, content)
        return name, self.pg.url(name)

    @property
    def reuse(self) -> Reuse:
        """The worker's reusable PostgreSQL databases, the set-up template made (and read) first."""
        if self._reuse is None:
            template = "ct_tpl_" + uuid.uuid4().hex[:12]
            url = self.pg.create(template)
            _set_up(url)
            self._pg_template = template
            self._reuse = Reuse(self.pg.conninfo, self.pg.drop_later)
            _REUSES.append(self._reuse)
            self._base_content = self._reuse.learn(template)
        return self._reuse

    def give_back(self, name: str) -> None:
        """A test is done with PostgreSQL database ``name``: kept for a later test, or dropped."""
        if self._reuse is None or not self._reuse.give_back(name):
            _dispose(self.pg.url(name), forget=True)
            self.pg.drop_later(name)

    def close(self) -> None:
        if self._pg is not None:
            for (backend, _name), snap in self.snapshots.items():
                if backend == "postgresql" and snap.content is None:
                    self.pg.drop_later(snap.source)
            if self._pg_template is not None:
                self.pg.drop_later(self._pg_template)
            if self._reuse is not None:
                for name in self._reuse.spare:
                    self._reuse.release(name)
                    self.pg.drop_later(name)
                _REUSES.remove(self._reuse)
            self._pg.close()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def set_up_db() -> None:
    """Asked for (``pytest.mark.usefixtures("set_up_db")``), ``db_url`` is a copy of the set-up template
    (the schema at head, the councils, the admin and the tester) instead of an empty database: ~0.4 s
    of migrations saved on PostgreSQL, ~0.1 s on SQLite, for a test that acts through the services."""


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, templates: Templates) -> Iterator[str]:
    """A database of the test's own: a SQLite file, or a PostgreSQL database. Empty — unless the test
    uses ``cli`` or ``set_up_db``, and then set up (the template's copy) instead of running ``init`` itself."""
    populated = "cli" in request.fixturenames or "set_up_db" in request.fixturenames
    # a fixture of the module's own is named with its module (``Cli.once``): two modules' ``fleet`` differ
    names = {*request.fixturenames, *(f"{n}@{request.module.__name__}" for n in request.fixturenames)}
    snapshot = templates.best_snapshot(request.param, names) if populated else None
    if request.param == "sqlite":
        path = templates.sqlite_work()
        if populated:
            templates.sqlite_copy(path, snapshot)
        url = f"sqlite:///{path}"
    else:
        name, url = templates.pg_database(populated, snapshot)
    templates.origins[url] = Origin(
        request.param,
        snapshot.holds if snapshot else frozenset(),
        dict(snapshot.values) if snapshot else {},
        snapshot.fingerprint
        if snapshot
        else templates.base_fingerprint(request.param)
        if populated
        else None,
    )
    try:
        yield url
    finally:
        del templates.origins[url]
        if request.param == "postgresql":
            _close_pool(url)
            templates.give_back(name)


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

    def __init__(
        self, db_url: str, capsys: pytest.CaptureFixture[str], templates: Templates | None = None
    ) -> None:
        self.db_url = db_url
        self.capsys = capsys
        self.today = "2026-11-25"
        self.templates = templates

    def once(self, name: str, build: Callable[[], T]) -> T:
        """A fixture's value built once per worker and backend, later tests starting from its database's
        copy (``Templates.once``); built every time where there are no templates. ``name``: the fixture's
        name, with ``@`` and its module's ``__name__`` for a fixture defined in a test module."""
        return build() if self.templates is None else self.templates.once(name, self.db_url, build)

    def __call__(self, *args: str, today: str | None = None, user: str = TESTER) -> Result:
        self.capsys.readouterr()
        code = run(["--db", self.db_url, "--today", today or self.today, "--user", user, *args])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def setup(self) -> Cli:
        """A fresh database with its first admin and the default actor."""
        assert self("init", "--admin", ADMIN, user=ADMIN).code == 0
        self.ok(
            "user",
            "add",
            TESTER,
            *(a for code in TEST_COUNCILS for a in ("--council", code)),
            "--role",
            "supervisor",
            user=ADMIN,
        )
        return self

    def ok(self, *args: str, **kw: Any) -> Any:
        """Run with --format json, assert exit 0, return the parsed JSON."""
        result = self(*args, "--format", "json", **kw)
        assert result.code == 0, f"{args} exited {result.code}: {result.err}"
        return result.json


@pytest.fixture
def cli(db_url: str, capsys: pytest.CaptureFixture[str], templates: Templates) -> Cli:
    """The real CLI on a database already set up as ``Cli.setup`` leaves it (see ``db_url``)."""
    return Cli(db_url, capsys, templates)


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
    return cli.once("world", lambda: _build_world(cli))


def _build_world(cli: Cli) -> World:
    company = cli.ok(
        "company",
        "add",
        "--name",
        "株式会社みどり工房",
        "--corporate-number",
        "1180301018771",
        "--fiscal-year-end-month",
        "3",
        "--prefecture",
        "13",
    )["id"]
    company_dec = cli.ok("company", "add", "--name", "喫茶ひまわり", "--fiscal-year-end-month", "12")["id"]
    tax = cli.ok(
        "org",
        "add",
        "--name",
        "みなと税理士法人",
        "--kind",
        "tax_accountant",
        "--certified",
        "--email",
        "office@minato-tax.example.jp",
    )["id"]
    uncertified = cli.ok("org", "add", "--name", "未認定コンサル", "--kind", "other")["id"]
    bank_main = cli.ok("org", "add", "--name", "さくら銀行", "--kind", "bank", "--certified")["id"]
    bank_second = cli.ok("org", "add", "--name", "東都信用金庫", "--kind", "bank")["id"]
    bank_third = cli.ok("org", "add", "--name", "日本政策金融公庫", "--kind", "bank")["id"]
    bank_adviser = cli.ok("org", "add", "--name", "あおば銀行", "--kind", "bank", "--certified")["id"]
    cli.ok(
        "user",
        "add",
        "sato",
        "--council",
        "13",
        "--email",
        "sato@council.example.jp",
        "--role",
        "supervisor",
        user=ADMIN,
    )
    return World(company, company_dec, tax, uncertified, bank_main, bank_second, bank_third, bank_adviser)

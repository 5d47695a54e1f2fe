"""Access control, command by command: every CLI command × every role × a target in the actor's own
council and in another one, with the outcome *derived from* ``casetrack.domain.policy`` (``allows`` and
``REACH``), never copied by hand:

- exit 0 when the role may take the action where the target is;
- exit 5 when the role may not take the action at all, or names a council outside its reach to create or
  change something in (the council directory is public, so that leaks nothing);
- exit 4 when the role may act but the case is in a council it cannot see, and then exactly the error a
  case id that does not exist gives (ids leak nothing);
- a listing filtered on a council outside the actor's reach is empty; an import row of such a council is
  a row problem (exit 2).

Every refused command writes nothing (the whole database, access log included, is compared before and
after); an allowed read writes nothing but access-log rows; nothing an actor of council 13 does changes a
row of council 27. Unknown and disabled users are refused everything that reads the database.

The world (two councils, their staff, cases in varied states with documents, claims, sessions and
outbox rows) is built once per backend through the real CLI and restored from a template copy whenever
a test changed it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import sqlite3
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click
import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from casetrack.cli.main import cli as click_root
from casetrack.cli.main import run
from casetrack.domain import policy
from tests.cli import helpers as h
from tests.conftest import ADMIN, BACKENDS, PG_ENV, TESTER, Cli, Result, World

OWN, OTHER = "13", "27"  # the actors under test belong to council 13
TODAY = "2027-10-20"  # the matrix runs as of this day (a Wednesday)
PASSWORD = "correct horse battery staple"

# who acts for each role (council 13 staff; hq and admin reach every council)
ACTOR = {"coordinator": "coord13", "supervisor": "sup13", "hq": "hq1", "admin": "admin2"}
assert set(ACTOR) == set(policy.ROLES)

PREFIX = {"13": "東京", "27": "浪速"}  # company names per council, to spot a leak
COUNCIL_NAME = {"13": "東京都中小企業活性化協議会", "27": "大阪府中小企業活性化協議会"}
IMPORT_HEADER = [
    "案件番号",
    "事業",
    "枠",
    "協議会",
    "事業者",
    "法人番号",
    "決算月",
    "状態コード",
    "状態の開始日",
    "担当",
    "代表認定支援機関",
    "金融機関",
    "メイン行",
    "受付日",
    "利用決定日",
    "計画日",
]


# -- running the CLI in-process, outside pytest's per-test capture --------------------------------


class Runner(Cli):
    """tests.conftest.Cli (the real CLI in-process: same parser, same error handling) with its own capture
    instead of the per-test capsys, so a module-scoped fixture can use it; it also passes the settings
    file and feeds standard input."""

    def __init__(self, db_url: str, config: Path) -> None:  # not Cli's: no capsys, and no setup()
        self.db_url = db_url
        self.config = config
        self.today = TODAY

    def __call__(
        self, *args: str, today: str | None = None, user: str = TESTER, stdin: str | None = None
    ) -> Result:
        out, err = io.BytesIO(), io.BytesIO()
        text_out = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        text_err = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
        saved = sys.stdout, sys.stderr, sys.stdin
        sys.stdout, sys.stderr = text_out, text_err
        sys.stdin = io.StringIO(stdin if stdin is not None else "")
        try:
            code = run(
                [
                    "--db",
                    self.db_url,
                    "--config",
                    str(self.config),
                    "--today",
                    today or self.today,
                    "--user",
                    user,
                    *args,
                ]
            )
        finally:
            sys.stdout, sys.stderr, sys.stdin = saved
            for stream in (text_out, text_err):
                stream.flush()
                stream.detach()  # keep the bytes: a collected wrapper would close them
        return Result(code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))


# -- the world -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """One council's objects the commands act on."""

    council: str
    consult: str  # early, consultation, with its pre-consultation letter: apply may fire
    applied: str  # early, applied: accept may fire
    submitted: str  # early, plan_submitted: the plan claim may be made
    claimed: str  # early, payment_claimed: decide_payment may fire
    agreed: str  # 405, agreed: its session schedule may change
    monitor: str  # 405, monitoring: session 1 held with an open claim, sessions 2.. scheduled
    claim: int  # the open monitoring claim of `monitor`
    company: int
    import_file: str
    missing: str = ""  # a case id of this council that does not exist
    filed_doc: int = 0  # a document of `consult` with its file stored (doc get)

    def case_ids(self) -> list[str]:
        return [self.consult, self.applied, self.submitted, self.claimed, self.agreed, self.monitor]

    def as_missing(self) -> Targets:
        """The same targets with every case id replaced by one that does not exist (and the import file by
        the same rows naming that id)."""
        return replace(
            self,
            consult=self.missing,
            applied=self.missing,
            submitted=self.missing,
            claimed=self.missing,
            agreed=self.missing,
            monitor=self.missing,
            import_file=self.import_file.replace(".csv", "-missing.csv"),
        )

    def substitutions(self) -> list[tuple[str, str]]:
        missing = self.as_missing()
        return [(cid, self.missing) for cid in self.case_ids()] + [(self.import_file, missing.import_file)]


@dataclass
class Orgs:
    tax: int
    bank_main: int
    bank_second: int
    bank_third: int


def write_config(path: Path) -> Path:
    """File transport, the weekly digest on, and a scheduler interval long enough that `doctor` never
    finds the last sweep too old while the module runs."""
    path.write_text(
        "\n".join(
            [
                "[mail]",
                'transport = "file"',
                f'dir = "{(path.parent / "mail").as_posix()}"',
                'from = "casetrack@council.example.jp"',
                "",
                "[digest]",
                "enabled = true",
                "",
                "[scheduler]",
                "interval_seconds = 100000000",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return path


def write_import(path: Path, council: str, case_id: str = "") -> None:
    row = [
        case_id,
        "early",
        "standard",
        council,
        f"{PREFIX[council]}取込商事",
        "",
        "3",
        "drafting",
        "2026-05-10",
        "",
        "みなと税理士法人",
        "さくら銀行",
        "さくら銀行",
        "2026-04-01",
        "2026-05-10",
        "",
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([IMPORT_HEADER, row])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def build_world(cli: Runner, folder: Path) -> tuple[dict[str, Targets], Orgs]:
    assert cli("init", "--admin", ADMIN, user=ADMIN).code == 0
    cli.ok(
        "user",
        "add",
        TESTER,
        "--council",
        "13",
        "--council",
        "27",
        "--council",
        "01",
        "--role",
        "supervisor",
        user=ADMIN,
    )
    for council in (OWN, OTHER):
        for role in ("coordinator", "supervisor"):
            name = f"{'coord' if role == 'coordinator' else 'sup'}{council}"
            cli.ok(
                "user",
                "add",
                name,
                "--council",
                council,
                "--role",
                role,
                "--email",
                f"{name}@council.example.jp",
                user=ADMIN,
            )
    cli.ok(
        "user", "add", "hq1", "--council", "00", "--role", "hq", "--email", "hq1@hq.example.jp", user=ADMIN
    )
    cli.ok("user", "add", "admin2", "--council", "00", "--role", "admin", user=ADMIN)
    # disabled staff: a coordinator of council 13 and an admin
    cli.ok("user", "add", "gone13", "--council", OWN, "--role", "coordinator", user=ADMIN)
    cli.ok("user", "add", "retired", "--council", "00", "--role", "admin", user=ADMIN)
    cli.ok("user", "disable", "gone13", user=ADMIN)
    cli.ok("user", "disable", "retired", user=ADMIN)

    orgs = Orgs(
        tax=cli.ok(
            "org",
            "add",
            "--name",
            "みなと税理士法人",
            "--kind",
            "tax_accountant",
            "--certified",
            "--email",
            "office@minato-tax.example.jp",
        )["id"],
        bank_main=cli.ok("org", "add", "--name", "さくら銀行", "--kind", "bank", "--certified")["id"],
        bank_second=cli.ok("org", "add", "--name", "東都信用金庫", "--kind", "bank")["id"],
        bank_third=cli.ok("org", "add", "--name", "日本政策金融公庫", "--kind", "bank")["id"],
    )

    def company(council: str, what: str) -> int:
        return int(
            cli.ok(
                "company", "add", "--name", f"{PREFIX[council]}{what}株式会社", "--fiscal-year-end-month", "3"
            )["id"]
        )

    targets = {}
    for council in (OWN, OTHER):
        w = World(0, 0, orgs.tax, orgs.tax, orgs.bank_main, orgs.bank_second, orgs.bank_third, orgs.bank_main)
        kw: dict[str, Any] = {"council": council, "coordinator": f"coord{council}"}
        consult_company = company(council, "相談")
        consult = h.drive_early(cli, w, "consultation", company=consult_company, **kw)
        h.doc(cli, consult, "pre_consultation_letter", "2026-04-10")
        letter = folder / f"letter-{council}.pdf"
        letter.write_bytes(b"%PDF-1.7\n% letter of council " + council.encode() + b"\n")
        filed_doc = int(
            cli.ok(
                "doc",
                "add",
                consult,
                "pre_consultation_letter",
                "--on",
                "2026-04-10",
                "--file",
                str(letter),
                today="2026-04-10",
            )["id"]
        )
        applied = h.drive_early(cli, w, "applied", company=company(council, "申請"), **kw)
        submitted = h.drive_early(cli, w, "plan_submitted", company=company(council, "計画"), **kw)
        claimed = h.drive_early(cli, w, "payment_claimed", company=company(council, "請求"), **kw)
        agreed = h.drive_405(cli, w, "agreed", company=company(council, "合意"), **kw)
        monitor = h.drive_405(cli, w, "monitoring", company=company(council, "伴走"), **kw)
        session1 = h.show(cli, monitor)["monitoring"][0]
        cli.ok(
            "monitoring", "record", monitor, "1", "--held-on", session1["due_on"], today=session1["due_on"]
        )
        cli.ok(
            "doc",
            "add",
            monitor,
            "monitoring_report",
            "--session",
            "1",
            "--on",
            session1["due_on"],
            today=session1["due_on"],
        )
        claim = cli.ok(
            "fee",
            "claim",
            monitor,
            "monitoring",
            "--fee",
            "330000",
            "--session",
            "1",
            "--on",
            session1["due_on"],
            today=session1["due_on"],
        )["id"]
        import_file = folder / f"import-{council}.csv"
        write_import(import_file, council)
        targets[council] = Targets(
            council,
            consult,
            applied,
            submitted,
            claimed,
            agreed,
            monitor,
            int(claim),
            consult_company,
            str(import_file),
            f"{council}-2026-9999",
            filed_doc,
        )
    # the same import row naming an existing case id, and naming one that does not exist
    for council, t in targets.items():
        write_import(Path(t.import_file.replace(".csv", "-existing.csv")), council, t.consult)
        write_import(Path(t.as_missing().import_file), council, t.missing)

    # closures to remove: one per council and one for every council
    for council in (OWN, OTHER):
        cli.ok(
            "calendar",
            "closure",
            "add",
            "2027-12-28",
            "--council",
            council,
            "--reason",
            "年末休業",
            user=ADMIN,
        )
    cli.ok("calendar", "closure", "add", "2027-12-29", "--reason", "年末休業", user=ADMIN)
    # outbox: a sweep as of 2027-06-01 (claim deadlines, the weekly digest) enqueued and delivered; then
    # one as of TODAY enqueued (session reminders, digests) but not yet delivered: pending mail of both
    # councils, as a scheduler leaves it between its two halves
    cli.ok("remind", "run", user=ADMIN, today="2027-06-01")
    from casetrack import services
    from casetrack.services.reminders import enqueue_due
    from casetrack.settings import load_settings

    ctx = services.Context(
        db_url=cli.db_url,
        today=dt.date.fromisoformat(TODAY),
        user=ADMIN,
        settings=load_settings(str(cli.config)),
    )
    assert enqueue_due(ctx, ctx.today) > 0
    outbox = cli.ok("outbox", "list", user=ADMIN)
    for council in (OWN, OTHER):
        mine = [r for r in outbox if (r["case_id"] or "").startswith(council + "-")]
        assert {r["status"] for r in mine} >= {"sent", "pending"}, mine  # and rungs skipped by catch-up
    return targets, orgs


# -- one database per backend, built once, restored from a template ------------------------------


class Env:
    """The module's database: built once into a template and copied to the working database. A test that
    changed the working database leaves ``dirty`` set (True: unknown, a set: those tables); the next
    test then gets the template's rows back (PostgreSQL: only the changed tables; SQLite: the file)."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.config = write_config(folder / "casetrack.toml")
        self.dirty: bool | set[str] = False
        self._engine: sa.Engine | None = None
        if backend == "sqlite":
            self.template = folder / "template.db"
            self.work = folder / "work.db"
            self.template_url = f"sqlite:///{self.template}"
            self.url = f"sqlite:///{self.work}"
        else:
            import os

            self.base = sa.engine.make_url(os.environ[PG_ENV])
            tag = uuid.uuid4().hex[:10]
            self.template_name, self.work_name = f"ct_access_tpl_{tag}", f"ct_access_{tag}"
            self.template_url = self.base.set(database=self.template_name).render_as_string(
                hide_password=False
            )
            self.url = self.base.set(database=self.work_name).render_as_string(hide_password=False)
            self._pg_admin(f'CREATE DATABASE "{self.template_name}"')
        builder = Runner(self.template_url, self.config)
        self.targets, self.orgs = build_world(builder, folder)
        _dispose(self.template_url)
        if backend == "sqlite":
            with sqlite3.connect(self.template) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.restore()
        self.cli = Runner(self.url, self.config)
        meta = sa.MetaData()
        meta.reflect(self.engine)
        self.tables = [t for t in meta.sorted_tables if t.name != "alembic_version"]
        assert {"cases", "outbox", "access_log", "app_user"} <= {t.name for t in self.tables}
        with self.engine.connect() as conn:
            self.template_rows = {
                t.name: [dict(r) for r in conn.execute(sa.select(t)).mappings()] for t in self.tables
            }
        self.template_snapshot = self.snapshot()

    @property
    def engine(self) -> sa.Engine:
        """Our own connections to the working database (for snapshots and restores)."""
        if self._engine is None:
            self._engine = sa.create_engine(self.url)
        return self._engine

    def _close_connections(self) -> None:
        _dispose(self.url)
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _pg_admin(self, *statements: str) -> None:
        engine = sa.create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        try:
            with engine.connect() as conn:
                for statement in statements:
                    conn.execute(sa.text(statement))
        finally:
            engine.dispose()

    def restore(self) -> None:
        """The working database as the template, whole."""
        self._close_connections()
        if self.backend == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.work}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(self.template, self.work)
        else:
            self._pg_admin(
                f'DROP DATABASE IF EXISTS "{self.work_name}" WITH (FORCE)',
                f'CREATE DATABASE "{self.work_name}" TEMPLATE "{self.template_name}"',
            )
        self.dirty = False

    def _restore_tables(self, names: set[str]) -> None:
        """PostgreSQL: the template's rows back into ``names`` (triggers, append-only ones included, off
        for this transaction), and their id sequences after them."""
        with self.engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for table in reversed(self.tables):
                if table.name in names:
                    conn.execute(table.delete())
            for table in self.tables:
                if table.name in names:
                    if self.template_rows[table.name]:
                        conn.execute(table.insert(), self.template_rows[table.name])
                    if "id" in table.c and isinstance(table.c.id.type, sa.Integer):
                        conn.execute(
                            sa.text(
                                'SELECT setval(seq, (SELECT coalesce(max(id), 0) + 1 FROM "{t}"), false) '
                                "FROM pg_get_serial_sequence(:t, 'id') AS seq WHERE seq IS NOT NULL".replace(
                                    "{t}", table.name
                                )
                            ),
                            {"t": f'"{table.name}"'},
                        )
        self.dirty = False

    def fresh(self) -> Env:
        if self.dirty is True or (self.dirty and self.backend == "sqlite"):
            self.restore()
        elif self.dirty:
            self._restore_tables(self.dirty)
        return self

    def settle(self, now: Snapshot | None = None) -> None:
        """After a test: which tables differ from the template (the access log may grow)."""
        now = now or self.snapshot()
        self.dirty = {t for t in now.diff(self.template_snapshot) if t != "access_log"}

    def close(self) -> None:
        self._close_connections()
        if self.backend == "postgresql":
            self._pg_admin(
                f'DROP DATABASE IF EXISTS "{self.work_name}" WITH (FORCE)',
                f'DROP DATABASE IF EXISTS "{self.template_name}" WITH (FORCE)',
            )

    def snapshot(self) -> Snapshot:
        """Every row of every table in key order; of the append-only access log, its count and last id.
        Read through the driver's own cursor: ~1,400 of these per run, each every row of the world."""
        if not hasattr(self, "_snapshot_sql"):
            queries = {
                t.name: sa.select(sa.func.count(), sa.func.max(t.c.id))
                if t.name == "access_log"
                else sa.select(t).order_by(*(t.primary_key.columns or t.c))
                for t in self.tables
            }
            self._snapshot_sql = {
                name: str(q.compile(dialect=self.engine.dialect)) for name, q in queries.items()
            }
        tables: dict[str, list[tuple[Any, ...]]] = {}
        with self.engine.connect() as conn:
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for name, sql in self._snapshot_sql.items():
                cursor.execute(sql)
                tables[name] = [tuple(r) for r in cursor.fetchall()]
            cursor.close()
        return Snapshot(tables, {t.name: [c.name for c in t.c] for t in self.tables})


def _dispose(url: str) -> None:
    """Close casetrack's pooled connections to ``url`` (before its file or database is replaced)."""
    from casetrack.store import db as store_db

    engine = store_db._engines.pop(url, None)
    if engine is not None:
        engine.dispose()


@dataclass
class Snapshot:
    tables: dict[str, list[tuple[Any, ...]]]
    columns: dict[str, list[str]] = field(compare=False)

    def council_rows(self, council: str) -> dict[str, list[Any]]:
        """The rows that belong to ``council``: by their case id, or by their own council column."""
        out = {}
        for table, rows in self.tables.items():
            names = self.columns[table]
            key = "id" if table == "cases" else "case_id" if "case_id" in names else None
            mine = []
            for row in rows if table != "access_log" else ():
                values = dict(zip(names, row, strict=True))
                case_id = values.get(key) if key else None
                if (case_id or "").startswith(council + "-") or (
                    case_id is None and values.get("council") == council
                ):
                    mine.append(row)
            out[table] = mine
        return out

    def diff(self, other: Snapshot) -> list[str]:
        return [name for name in self.tables if self.tables[name] != other.tables.get(name)]


@pytest.fixture(scope="module", params=BACKENDS)
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    environment = Env(request.param, tmp_path_factory.mktemp(f"access-{request.param}"))
    try:
        yield environment
    finally:
        environment.close()


@pytest.fixture
def world(env: Env) -> Iterator[Env]:
    """The module's world as built. A test that ends normally says what it changed (``settle``); one that
    fails leaves the world marked unknown, and the next test gets a whole copy of the template."""
    env.fresh()
    env.dirty = True
    yield env


# -- the matrix --------------------------------------------------------------------------------------

# Steps a command takes before it acts: actions (checked against the policy) and these scope checks.
LOOKUP = "lookup a case"  # out of reach: exit 4, as for a case id that does not exist
COUNCIL = "name a council"  # create or change something in a council: out of reach, exit 5
FILTER = "filter by council"  # a listing: out of reach, exit 0 and no rows
ROWS = "file rows of a council"  # an import: out of reach, exit 2 naming the row
EVERY = "every council"  # change every council at once: reach `own` is not enough, exit 5
OUT_OF_REACH = {LOOKUP: 4, COUNCIL: 5, FILTER: 0, ROWS: 2, EVERY: 5}
STATIC = ()  # no step: the command reads shipped files only, never the database


@dataclass(frozen=True)
class Row:
    name: str
    steps: tuple[str, ...]
    argv: Callable[[Targets, Env, str], list[str]]  # (targets of the side, env, acting user)
    json: bool = True  # takes --format json
    writes: bool = False  # changes the database when it succeeds
    stdin: str | None = None
    sided: bool = True  # has an own/other council dimension

    @property
    def scope_step(self) -> str | None:
        return next((s for s in self.steps if s in OUT_OF_REACH), None)


def expected(row: Row, role: str, side: str) -> int:
    """The exit code the policy implies for ``role`` running ``row`` on a target in ``side``'s council."""
    out_of_reach = side == OTHER and policy.REACH[role] == policy.OWN
    for step in row.steps:
        if step in policy.ACTIONS:
            if not policy.allows(role, step):
                return 5
        elif step == EVERY:
            if policy.REACH[role] != policy.ALL:
                return 5
        elif out_of_reach:
            return OUT_OF_REACH[step]
    return 0


def case_row(name: str, action: str, argv: Callable[[Targets, Env, str], list[str]], **kw: Any) -> Row:
    return Row(name, (action, LOOKUP), argv, **kw)


def _other_user(t: Targets, actor: str) -> str:
    return next(u for u in (f"coord{t.council}", f"sup{t.council}") if u != actor)


SCHEDULE = ["2027-05-31", "2027-11-30", "2028-05-31", "2028-11-30", "2029-05-31", "2029-10-31"]

ROWS_: list[Row] = [
    # -- one case: reads
    case_row("case show", "case.read", lambda t, e, u: ["case", "show", t.consult]),
    case_row("case history", "case.read", lambda t, e, u: ["case", "history", t.monitor]),
    case_row("case events", "case.read", lambda t, e, u: ["case", "events", t.applied]),
    case_row("fee list", "case.read", lambda t, e, u: ["fee", "list", t.monitor]),
    case_row("fee statement", "case.read", lambda t, e, u: ["fee", "statement", t.monitor], json=False),
    case_row(
        "monitoring list --case", "case.read", lambda t, e, u: ["monitoring", "list", "--case", t.monitor]
    ),
    case_row(
        "workflow diagram --case",
        "case.read",
        lambda t, e, u: ["workflow", "diagram", "405", "--case", t.monitor],
        json=False,
    ),
    # -- one case: adviser-side work and council decisions (the event's action comes from the policy)
    case_row(
        "case advance apply",
        policy.event_action("apply"),
        lambda t, e, u: ["case", "advance", t.consult, "apply"],
        writes=True,
    ),
    case_row(
        "case advance accept",
        policy.event_action("accept"),
        lambda t, e, u: ["case", "advance", t.applied, "accept"],
        writes=True,
    ),
    case_row(
        "case advance decide_payment",
        policy.event_action("decide_payment"),
        lambda t, e, u: ["case", "advance", t.claimed, "decide_payment"],
        writes=True,
    ),
    case_row(
        "case estimate",
        "case.work",
        lambda t, e, u: ["case", "estimate", t.consult, "plan=300000"],
        writes=True,
    ),
    case_row("doc add", "case.work", lambda t, e, u: ["doc", "add", t.consult, "plan"], writes=True),
    case_row(
        "doc get",
        "case.read",
        lambda t, e, u: [
            "doc",
            "get",
            t.consult,
            str(t.filed_doc),
            "--out",
            str(Path(t.import_file).with_name(f"got-{u}.pdf")),
        ],
    ),
    case_row(
        "fee claim",
        "case.work",
        lambda t, e, u: ["fee", "claim", t.submitted, "plan", "--fee", "200000"],
        writes=True,
    ),
    case_row(
        "fee decide", "case.decide", lambda t, e, u: ["fee", "decide", t.monitor, str(t.claim)], writes=True
    ),
    case_row(
        "fee reject",
        "case.decide",
        lambda t, e, u: ["fee", "reject", t.monitor, str(t.claim), "--reason", "領収書の不備"],
        writes=True,
    ),
    case_row(
        "monitoring record",
        "case.work",
        lambda t, e, u: ["monitoring", "record", t.monitor, "2", "--held-on", TODAY],
        writes=True,
    ),
    case_row(
        "monitoring waive",
        "case.decide",
        lambda t, e, u: ["monitoring", "waive", t.monitor, "3", "--reason", "事業者の事情"],
        writes=True,
    ),
    case_row(
        "monitoring schedule",
        "case.work",
        lambda t, e, u: ["monitoring", "schedule", t.agreed, *SCHEDULE],
        writes=True,
    ),
    case_row(
        "case assign",
        "case.assign",
        lambda t, e, u: ["case", "assign", t.consult, "--coordinator", f"sup{t.council}"],
        writes=True,
    ),
    # correcting a history row: reading the case, then the right to the corrected row's event
    Row(
        "case correct (adviser row)",
        ("case.read", LOOKUP, policy.event_action("apply")),
        lambda t, e, u: ["case", "correct", t.applied, "2", "--note", "申込日の訂正"],
        writes=True,
    ),
    Row(
        "case correct (decision row)",
        ("case.read", LOOKUP, policy.event_action("accept")),
        lambda t, e, u: ["case", "correct", t.submitted, "3", "--note", "利用決定日の訂正"],
        writes=True,
    ),
    # -- create or change something in a council
    Row(
        "case open",
        ("case.open", COUNCIL),
        lambda t, e, u: [
            "case",
            "open",
            "--program",
            "early",
            "--council",
            t.council,
            "--company",
            str(t.company),
            "--support-org",
            str(e.orgs.tax),
            "--lender",
            f"{e.orgs.bank_main}:main",
        ],
        writes=True,
    ),
    Row("import cases", ("case.open", ROWS), lambda t, e, u: ["import", "cases", t.import_file], writes=True),
    Row(
        "calendar closure add",
        ("settings.write", COUNCIL),
        lambda t, e, u: [
            "calendar",
            "closure",
            "add",
            "2027-12-01",
            "--council",
            t.council,
            "--reason",
            "臨時休業",
        ],
        writes=True,
    ),
    Row(
        "calendar closure remove",
        ("settings.write", COUNCIL),
        lambda t, e, u: ["calendar", "closure", "remove", "2027-12-28", "--council", t.council],
        writes=True,
    ),
    Row(
        "user add",
        ("user.manage", COUNCIL),
        lambda t, e, u: ["user", "add", f"new{t.council}", "--council", t.council, "--role", "coordinator"],
        writes=True,
    ),
    Row(
        "user disable",
        ("user.manage", COUNCIL),
        lambda t, e, u: ["user", "disable", _other_user(t, u)],
        writes=True,
    ),
    Row(
        "user enable",
        ("user.manage", COUNCIL),
        lambda t, e, u: ["user", "enable", _other_user(t, u)],
        writes=True,
    ),
    Row(
        "user set-password (another user)",
        ("user.manage", COUNCIL),
        lambda t, e, u: ["user", "set-password", _other_user(t, u)],
        writes=True,
        stdin=PASSWORD + "\n",
    ),
    Row(
        "user edit (another user)",
        ("user.manage", COUNCIL),
        lambda t, e, u: ["user", "edit", _other_user(t, u), "--display-name", "別名 花子"],
        writes=True,
    ),
    Row(
        "user history (another user)",
        ("user.manage", COUNCIL),
        lambda t, e, u: ["user", "history", _other_user(t, u)],
    ),
    # -- listings filtered on a council
    Row(
        "case list --council", ("case.read", FILTER), lambda t, e, u: ["case", "list", "--council", t.council]
    ),
    Row(
        "monitoring list --council",
        ("case.read", FILTER),
        lambda t, e, u: ["monitoring", "list", "--council", t.council],
    ),
    Row(
        "audit stalled --council",
        ("case.read", FILTER),
        lambda t, e, u: ["audit", "stalled", "--council", t.council],
    ),
    Row(
        "caseload --council",
        ("case.read", FILTER),
        lambda t, e, u: ["caseload", "--council", t.council, "--by", "coordinator"],
    ),
    # what-if names the council it replays (like a closure of that council): out of reach is exit 5
    Row(
        "whatif --council",
        ("case.read", COUNCIL),
        lambda t, e, u: ["whatif", "--closure", "2027-03-31", "--council", t.council],
    ),
    Row(
        "case reassign --council",
        ("case.reassign", FILTER),
        lambda t, e, u: [
            "case",
            "reassign",
            "--from",
            f"coord{t.council}",
            "--to",
            f"sup{t.council}",
            "--council",
            t.council,
        ],
        writes=True,
    ),
    Row(
        "audit verify --council",
        ("audit.verify", FILTER),
        lambda t, e, u: ["audit", "verify", "--council", t.council],
    ),
    *(
        Row(
            f"export {what} --council",
            ("case.export", FILTER),
            lambda t, e, u, what=what: ["export", what, "--council", t.council],
            json=False,
        )
        for what in ("cases", "monitoring", "findings")
    ),
    # -- no council to name
    *(
        Row(name, (action,), argv, sided=False, **kw)
        for name, action, argv, kw in [
            ("council list", "registry.read", lambda t, e, u: ["council", "list"], {}),
            ("company list", "registry.read", lambda t, e, u: ["company", "list"], {}),
            ("org list", "registry.read", lambda t, e, u: ["org", "list"], {}),
            ("calendar closure list", "registry.read", lambda t, e, u: ["calendar", "closure", "list"], {}),
            (
                "company add",
                "registry.write",
                lambda t, e, u: [
                    "company",
                    "add",
                    "--name",
                    "新規登録株式会社",
                    "--fiscal-year-end-month",
                    "3",
                ],
                {"writes": True},
            ),
            (
                "org add",
                "registry.write",
                lambda t, e, u: ["org", "add", "--name", "新規税理士事務所", "--kind", "tax_accountant"],
                {"writes": True},
            ),
            (
                "company edit",
                "registry.write",
                lambda t, e, u: ["company", "edit", str(t.company), "--phone", "03-1111-2222"],
                {"writes": True},
            ),
            ("company history", "registry.read", lambda t, e, u: ["company", "history", str(t.company)], {}),
            (
                "org edit",
                "registry.write",
                lambda t, e, u: ["org", "edit", str(e.orgs.tax), "--phone", "03-1111-2222"],
                {"writes": True},
            ),
            ("org history", "registry.read", lambda t, e, u: ["org", "history", str(e.orgs.tax)], {}),
            ("user list", "user.read", lambda t, e, u: ["user", "list"], {}),
            (
                "user set-password (self)",
                "user.self",
                lambda t, e, u: ["user", "set-password", u],
                {"writes": True, "stdin": PASSWORD + "\n"},
            ),
            (
                "user edit (self)",
                "user.self",
                lambda t, e, u: ["user", "edit", u, "--display-name", "自分 太郎"],
                {"writes": True},
            ),
            ("user history (self)", "user.self", lambda t, e, u: ["user", "history", u], {}),
            (
                "outbox retry --dead",
                "outbox.retry",
                lambda t, e, u: ["outbox", "retry", "--dead"],
                {"writes": True},
            ),
            ("audit access", "access.read", lambda t, e, u: ["audit", "access"], {}),
            ("remind run", "remind.run", lambda t, e, u: ["remind", "run"], {"writes": True}),
            ("remind run --dry-run", "remind.run", lambda t, e, u: ["remind", "run", "--dry-run"], {}),
            ("outbox list", "outbox.read", lambda t, e, u: ["outbox", "list"], {}),
            ("init", "system.init", lambda t, e, u: ["init"], {"writes": True}),
            ("doctor", "system.doctor", lambda t, e, u: ["doctor"], {}),
            (
                "scheduler run",
                "scheduler.run",
                lambda t, e, u: ["scheduler", "run", "--interval", "3600"],
                {"json": False},
            ),
        ]
    ),
    Row(
        "calendar closure add (every council)",
        ("settings.write", EVERY),
        lambda t, e, u: ["calendar", "closure", "add", "2027-12-02", "--reason", "臨時休業"],
        writes=True,
        sided=False,
    ),
    Row(
        "calendar closure remove (every council)",
        ("settings.write", EVERY),
        lambda t, e, u: ["calendar", "closure", "remove", "2027-12-29"],
        writes=True,
        sided=False,
    ),
    # -- shipped files only: the policy table and the workflows (no database, so no user to check)
    *(
        Row(name, STATIC, argv, sided=False, json=fmt)
        for name, argv, fmt in [
            ("policy show", lambda t, e, u: ["policy", "show"], True),
            ("workflow list", lambda t, e, u: ["workflow", "list"], True),
            ("workflow show", lambda t, e, u: ["workflow", "show", "early"], True),
            ("workflow validate", lambda t, e, u: ["workflow", "validate"], True),
            ("workflow diagram", lambda t, e, u: ["workflow", "diagram", "early"], False),
        ]
    ),
]
assert len({r.name for r in ROWS_}) == len(ROWS_)

# never run when allowed: it runs until it is signalled (tests/scheduling covers it)
LONG_RUNNING = {"scheduler run"}
# not in the matrix: the web server, and the tour that makes its own throw-away database
NOT_IN_MATRIX = {"serve", "demo"}


def matrix() -> Iterator[Any]:
    for row in ROWS_:
        for role in policy.ROLES:
            for side in (OWN, OTHER) if row.sided else (OWN,):
                code = expected(row, role, side)
                if row.name in LONG_RUNNING and code == 0:
                    continue
                where = ("own" if side == OWN else "other") if row.sided else "-"
                name = row.name.replace(" ", "_")
                yield pytest.param(row, role, side, code, id=f"{name}:{role}:{where}:exit{code}")


def invoke(world: Env, row: Row, targets: Targets, user: str) -> Result:
    args = row.argv(targets, world, user)
    if row.json:
        args = [*args, "--format", "json"]
    return world.cli(*args, user=user, stdin=row.stdin)


def assert_error_shape(result: Result, row: Row, slug: str) -> None:
    assert "Traceback" not in result.err + result.out
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.err
    if row.json:
        body = json.loads(result.out)
        assert body["ok"] is False and body["code"] == slug, body


# -- tests ------------------------------------------------------------------------------------------


def command_of(argv: list[str]) -> str:
    """The command path ``argv`` runs ("case show", "export"), read off the click tree."""
    command: click.Command = click_root
    path = []
    for word in argv:
        if not isinstance(command, click.Group) or word not in command.commands:
            break
        command = command.commands[word]
        path.append(word)
    assert not isinstance(command, click.Group), argv
    return " ".join(path)


def _leaf_commands(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[str]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _leaf_commands(command, (*path, name))
        else:
            yield " ".join((*path, name))


def test_the_matrix_covers_every_command_and_every_action() -> None:
    dummy = Targets("13", "c", "c", "c", "c", "c", "c", 1, 1, "f.csv", "m")
    env = type("DummyEnv", (), {"orgs": Orgs(1, 2, 3, 4)})()
    covered = {command_of(row.argv(dummy, env, "x")) for row in ROWS_}
    missing = sorted(set(_leaf_commands(click_root)) - covered - NOT_IN_MATRIX)
    assert not missing, f"commands not in the access matrix: {missing}"
    actions = {step for row in ROWS_ for step in row.steps if step in policy.ACTIONS}
    assert set(policy.ACTIONS) - actions == set(), "actions no command of the matrix exercises"
    for role in policy.ROLES:  # every role is refused something and allowed something
        codes = {expected(row, role, OWN) for row in ROWS_ if row.steps}
        assert {0, 5} <= codes, (role, codes)


@pytest.mark.parametrize(("row", "role", "side", "code"), list(matrix()))
def test_access_matrix(world: Env, row: Row, role: str, side: str, code: int) -> None:
    user = ACTOR[role]
    targets = world.targets[side]
    before = world.snapshot()
    result = invoke(world, row, targets, user)
    after = world.snapshot()
    assert result.code == code, (
        f"{row.name} as {role} ({user}) on council {side}: expected exit {code}, got "
        f"{result.code}\nstdout: {result.out[:800]}\nstderr: {result.err}"
    )
    if code in (4, 5):
        assert_error_shape(result, row, "not_found" if code == 4 else "not_permitted")
    if code != 0 or not row.writes:
        # refused: nothing written, not even an access-log row; an allowed read: only access-log rows
        changed = before.diff(after) if code != 0 else [t for t in before.diff(after) if t != "access_log"]
        assert not changed, f"{row.name} as {role} (exit {result.code}) changed {changed}"
    if code == 2:  # an import row of a council out of reach: reported, row by row
        body = json.loads(result.out)
        assert body["code"] == "import_rejected"
        assert any(d.startswith("row 2:") and f"協議会 {side}" in d for d in body["details"]), body["details"]
    if policy.REACH[role] == policy.OWN:
        assert before.council_rows(OTHER) == after.council_rows(OTHER), (
            f"{row.name} as {role} of council {OWN} changed rows of council {OTHER}"
        )
    if side == OTHER and policy.REACH[role] == policy.OWN:
        if row.scope_step in (LOOKUP, ROWS):  # exactly what a case id that does not exist gives
            ghost = invoke(world, row, targets.as_missing(), user)
            assert world.snapshot() == after
            seen = Result(result.code, result.out, result.err)
            for real, fake in targets.substitutions():
                seen = Result(seen.code, seen.out.replace(real, fake), seen.err.replace(real, fake))
            assert (seen.code, seen.out, seen.err) == (ghost.code, ghost.out, ghost.err)
        if row.scope_step == FILTER and code == 0:
            assert_no_rows(row, result)
    elif row.scope_step == FILTER and code == 0:
        assert has_rows(row, result), (
            f"{row.name} as {role} found nothing in council {side}: {result.out[:300]}"
        )
    world.settle(after)  # what the database holds now (the ghost's run, if any, changed nothing)


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def assert_no_rows(row: Row, result: Result) -> None:
    if not row.json:
        assert _csv(result.out) == [], result.out
        return
    body = result.json
    if isinstance(body, dict) and "moved" in body:  # case reassign
        assert body["moved"] == 0 and body["cases"] == [], body
    elif isinstance(body, dict):  # audit verify
        assert body["checked"] == 0 and body["broken"] == [], body
    else:
        assert body == [], body


def has_rows(row: Row, result: Result) -> bool:
    if not row.json:
        return bool(_csv(result.out))
    body = result.json
    if isinstance(body, dict):  # audit verify, case reassign
        return bool(body["moved"] if "moved" in body else body["checked"])
    return bool(body)


# -- no row of another council leaks --------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    name: str
    action: str
    argv: list[str]
    json: bool = True
    shows: bool = True  # each council's rows carry its marks (not bare counts, states or programs)


LISTINGS = [
    Listing("case list", "case.read", ["case", "list"]),
    Listing("monitoring list", "case.read", ["monitoring", "list"]),
    Listing("audit stalled", "case.read", ["audit", "stalled"]),
    *(
        Listing(
            f"caseload --by {by}",
            "case.read",
            ["caseload", "--by", by],
            shows=by in ("coordinator", "council"),
        )
        for by in ("state", "coordinator", "program", "council")
    ),
    Listing("audit verify", "audit.verify", ["audit", "verify"], shows=False),
    Listing("outbox list", "outbox.read", ["outbox", "list"]),
    Listing("outbox list --status pending", "outbox.read", ["outbox", "list", "--status", "pending"]),
    Listing("user list", "user.read", ["user", "list"]),
    *(
        Listing(f"export {what}", "case.export", ["export", what], json=False)
        for what in ("cases", "monitoring", "findings")
    ),
    Listing("export cases --redact", "case.export", ["export", "cases", "--redact"], json=False),
]


def markers(world: Env, council: str) -> set[str]:
    """Text that only a row of ``council`` carries: its case ids, its companies, its council's name and
    its own staff (names and e-mail addresses)."""
    t = world.targets[council]
    companies = {
        f"{PREFIX[council]}{what}株式会社" for what in ("相談", "申請", "計画", "請求", "合意", "伴走")
    }
    staff = {f"coord{council}", f"sup{council}"}
    return {
        *t.case_ids(),
        *companies,
        COUNCIL_NAME[council],
        *staff,
        *(f"{s}@council.example.jp" for s in staff),
    }


def text_marks(world: Env, council: str, text: str) -> list[str]:
    found = sorted(m for m in markers(world, council) if m in text)
    return found + re.findall(rf"\b{council}-\d{{4}}-\d{{4}}\b", text)


def marks(world: Env, council: str, listing: Listing, text: str) -> list[str]:
    """What of ``council`` the output of ``listing`` shows: marks in the text, and rows whose council
    field (JSON ``council``, a caseload ``key`` by council, the CSV column 協議会) is that council."""
    if listing.json:
        body = json.loads(text)
        if listing.name == "user list":  # the test supervisor acts for both councils: in both lists
            body = [u for u in body if u["name"] != TESTER]
            text = json.dumps(body, ensure_ascii=False)
        found = text_marks(world, council, text)

        def walk(value: Any) -> Iterator[str]:
            if isinstance(value, dict):
                for k, v in value.items():
                    if k in ("council", "key") and v == council:
                        yield f"{k}={v}"
                    yield from walk(v)
            elif isinstance(value, list):
                for v in value:
                    yield from walk(v)

        return found + list(walk(body))
    found = text_marks(world, council, text)
    return found + [f"協議会={row['協議会']}" for row in _csv(text) if row.get("協議会") == council]


ACTORS_BY_COUNCIL = [
    ("coord13", "coordinator", "13", "27"),
    ("sup13", "supervisor", "13", "27"),
    ("coord27", "coordinator", "27", "13"),
    ("sup27", "supervisor", "27", "13"),
]


@pytest.mark.parametrize("listing", LISTINGS, ids=[x.name.replace(" ", "_") for x in LISTINGS])
def test_no_row_of_another_council_leaks(world: Env, listing: Listing) -> None:
    """Council staff see their council's rows and nothing of another council's, in JSON and in CSV; hq
    sees both councils; an admin is refused case data and sees both in what the policy grants it."""
    fmt = ["--format", "json"] if listing.json else []
    for user, role, own, other in ACTORS_BY_COUNCIL:
        result = world.cli(*listing.argv, *fmt, user=user)
        assert result.code == (0 if policy.allows(role, listing.action) else 5), (user, result.err)
        if result.code == 0:
            leaked = marks(world, other, listing, result.out)
            assert not leaked, f"{listing.name} as {user} shows council {other}: {leaked}"
            if listing.shows:
                assert marks(world, own, listing, result.out), (
                    f"{listing.name} as {user} shows nothing of {own}"
                )
    for role in ("hq", "admin"):  # reach `all`
        result = world.cli(*listing.argv, *fmt, user=ACTOR[role])
        assert result.code == (0 if policy.allows(role, listing.action) else 5), (role, result.err)
        for council in (OWN, OTHER):
            if result.code != 0:
                assert not text_marks(world, council, result.out + result.err), result.out
            elif listing.shows:
                assert marks(world, council, listing, result.out), f"{listing.name} as {role} lacks {council}"
    world.settle()


def test_audit_verify_checks_exactly_the_councils_in_reach(world: Env) -> None:
    checked = {
        user: world.cli.ok("audit", "verify", user=user)["checked"]
        for user in ("sup13", "coord27", "hq1", "admin2")
    }
    assert checked["sup13"] > 0 and checked["coord27"] > 0
    assert checked["sup13"] + checked["coord27"] == checked["hq1"] == checked["admin2"]
    world.settle()


def test_a_claim_id_of_another_council_is_not_found_like_any_other(world: Env) -> None:
    """`fee decide` on one's own case with the claim id of another council's case says exactly what a
    claim id that does not exist says."""
    own, other = world.targets[OWN], world.targets[OTHER]
    before = world.snapshot()
    seen = world.cli("fee", "decide", own.monitor, str(other.claim), "--format", "json", user="sup13")
    ghost = world.cli("fee", "decide", own.monitor, "999999", "--format", "json", user="sup13")
    assert seen.code == ghost.code == 4
    real, fake = f"claim {other.claim} of", "claim 999999 of"
    assert real in seen.err
    assert (seen.out.replace(real, fake), seen.err.replace(real, fake)) == (ghost.out, ghost.err)
    assert world.snapshot() == before
    world.settle()


def test_an_import_row_naming_another_councils_case_reads_like_a_missing_one(world: Env) -> None:
    """The existing case id is not confirmed ("already exists") to someone who cannot see it."""
    t = world.targets[OTHER]
    existing = t.import_file.replace(".csv", "-existing.csv")
    seen = world.cli("import", "cases", existing, "--format", "json", user="sup13")
    ghost = world.cli("import", "cases", t.as_missing().import_file, "--format", "json", user="sup13")
    assert seen.code == ghost.code == 2
    details = seen.json["details"]
    assert not any("already exists" in d for d in details), details
    norm = [d.replace(t.consult, t.missing) for d in details]
    assert norm == ghost.json["details"]
    # while its own council's existing id is reported as such
    own = world.targets[OWN]
    mine = world.cli(
        "import", "cases", own.import_file.replace(".csv", "-existing.csv"), "--format", "json", user="sup13"
    )
    assert mine.code == 2 and any("already exists" in d for d in mine.json["details"])
    world.settle()


# -- who acts: unknown and disabled users ---------------------------------------------------------

NOBODY = {"nobody": "not a user", "gone13": "a disabled coordinator", "retired": "a disabled admin"}


@pytest.mark.parametrize("user", list(NOBODY), ids=[f"{u} ({what})" for u, what in NOBODY.items()])
@pytest.mark.parametrize("row", ROWS_, ids=[r.name for r in ROWS_])
def test_unknown_and_disabled_users_are_refused_everything(world: Env, row: Row, user: str) -> None:
    """Every command that reads the database refuses them (exit 5) and writes nothing; the commands that
    read only shipped files (the policy table, the workflows) need no database and no user."""
    before = world.snapshot()
    result = invoke(world, row, world.targets[OWN], user)
    if not row.steps:
        assert result.code == 0, result.err
    else:
        assert result.code == 5, (row.name, user, result.code, result.out[:300], result.err)
        assert_error_shape(result, row, "not_permitted")
    assert world.snapshot() == before
    world.settle()


def test_a_user_disabled_by_an_admin_can_do_nothing_more(world: Env) -> None:
    cli = world.cli
    assert cli.ok("case", "list", user="coord13")
    assert cli.ok("user", "disable", "coord13", user=ADMIN) == {"name": "coord13", "active": False}
    for args in (
        ["case", "list"],
        ["case", "show", world.targets[OWN].consult],
        ["outbox", "list"],
        ["doc", "add", world.targets[OWN].consult, "plan"],
        ["user", "set-password", "coord13"],
    ):
        before = world.snapshot()
        result = cli(*args, "--format", "json", user="coord13", stdin=PASSWORD + "\n")
        assert result.code == 5, (args, result.err)
        assert "coord13" in result.err and "disabled" in result.err
        assert world.snapshot() == before
    assert cli.ok("user", "enable", "coord13", user=ADMIN)["active"] is True
    assert cli.ok("case", "list", user="coord13")
    world.settle()


def test_the_last_active_admin_cannot_be_disabled(world: Env) -> None:
    cli = world.cli
    assert cli.ok("user", "disable", "admin2", user=ADMIN)["active"] is False  # root remains
    before = world.snapshot()
    result = cli("user", "disable", ADMIN, "--format", "json", user=ADMIN)
    assert result.code == 1, result.err
    assert result.json["code"] == "refused" and "last active admin" in result.json["error"]
    assert world.snapshot() == before
    assert cli("case", "list", user="admin2").code == 5  # the disabled admin: nothing
    assert cli.ok("user", "enable", "admin2", user=ADMIN)["active"] is True
    assert cli.ok("user", "disable", ADMIN, user="admin2")["active"] is False  # another admin is left
    assert cli("user", "list", user=ADMIN).code == 5
    world.settle()


# -- a council's sweep and the other councils' mail -----------------------------------------------


def test_a_councils_sweep_delivers_only_its_councils_mail(world: Env) -> None:
    """`remind run` by council 13's staff sends council 13's pending mail and leaves council 27's pending
    mail alone: neither sent by the wrong council's sweep nor dropped as if its item were done."""
    cli = world.cli

    def pending(council: str) -> list[dict[str, Any]]:
        return [
            r
            for r in cli.ok("outbox", "list", "--status", "pending", user=ADMIN)
            if (r["case_id"] or "").startswith(council + "-")
            or (r["case_id"] is None and f"coord{council}@" in (r["to_addr"] or ""))
        ]

    mine, theirs = pending(OWN), pending(OTHER)
    assert mine and theirs
    before = world.snapshot()
    result = cli.ok("remind", "run", user="coord13")
    assert (result["sent"], result["dropped"], result["pending"]) == (len(mine), 0, 0), result
    assert not pending(OWN)
    assert pending(OTHER) == theirs
    assert world.snapshot().council_rows(OTHER) == before.council_rows(OTHER)
    # council 27's own sweep then delivers it
    assert cli.ok("remind", "run", user="sup27")["sent"] == len(theirs)
    assert not pending(OTHER)
    statuses = {r["id"]: r["status"] for r in cli.ok("outbox", "list", user=ADMIN)}
    assert all(statuses[r["id"]] == "sent" for r in theirs)
    world.settle()

"""Engines, connection settings and the unit of work.

SQLite: WAL, ``synchronous=FULL``, ``busy_timeout``, foreign keys on, and write transactions that
begin ``IMMEDIATE`` (so two writers queue instead of failing half-way). PostgreSQL by URL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, create_engine, event, text
from sqlalchemy import Engine as Engine  # re-exported: services name it in annotations
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError

from ..domain.text import fold
from ..errors import BadInput, CasetrackError, Conflict, DatabaseUnavailable, InternalError, NotFound

BUSY_TIMEOUT_MS = 10_000


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "casetrack" / "casetrack.db"


def normalise_url(db: str | None) -> str:
    """A SQLAlchemy URL from ``--db``: a URL, a plain file path, or None for the default file."""
    if not db:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def redact(url: str) -> str:
    """The URL with its password masked — also a URL too malformed to parse (user:password@ → user:***@)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", url)


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()
        dbapi_conn.create_function(
            "casetrack_fold", 1, fold, deterministic=True
        )  # PostgreSQL: migration 0016

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        write = conn.get_execution_options().get("casetrack_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def sqlite_file_missing(url: str) -> str | None:
    """The path of a SQLite database file that does not exist (yet), else None. Asked at every unit of
    work: the URL is parsed once (``_sqlite_file``), the file looked for each time."""
    path = _sqlite_file(url)
    return None if path is None or Path(path).exists() else path


@lru_cache(maxsize=64)
def _sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names (None: not SQLite, in memory, or not a URL at all)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # get_engine reports the malformed URL
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return parsed.database


_engines: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    engine = _engines.get(url)
    if engine is not None:
        return engine
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise DatabaseUnavailable(
            f"cannot open database: {redact(url)!r} is not a database URL or path",
            ja=[f"データベースを開けません：{redact(url)!r} はデータベースの URL でもパスでもありません。"],
        ) from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not Path(database).parent.is_dir():
            raise DatabaseUnavailable(
                f"cannot open database {redact(url)}: folder {Path(database).parent} does not exist",
                ja=[
                    f"データベース {redact(url)} を開けません：フォルダ {Path(database).parent} がありません。"
                ],
            )
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _sqlite_pragmas(engine)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, pool_pre_ping=False, connect_args={"connect_timeout": 5})
    else:
        raise DatabaseUnavailable(
            f"cannot open database {redact(url)}: only SQLite and PostgreSQL are supported",
            ja=[f"データベース {redact(url)} を開けません：使えるのは SQLite と PostgreSQL だけです。"],
        )
    _engines[url] = engine
    return engine


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Connection]:
    """One unit of work. Repositories never commit; this commits on success, rolls back otherwise. A
    database error the use case did not handle leaves it as the one error ``translate_error`` names
    (conflict, database unavailable, internal), whichever front end called."""
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot open database {redact(str(engine.url))}: {_first_line(exc)}",
            ja=[f"データベース {redact(str(engine.url))} を開けません：{_first_line(exc)}"],
        ) from None
    try:
        if write:
            conn = conn.execution_options(casetrack_write=True)
        with conn.begin():
            yield conn
    except SQLAlchemyError as exc:  # rolled back: one meaning for every front end (CLI exit code, web status)
        raise translate_error(exc) from exc
    finally:
        conn.close()


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def schema_revision(conn: Connection) -> str | None:
    try:
        with conn.begin_nested():
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError):
        return None


def translate_error(exc: BaseException) -> CasetrackError:
    """A database error the services did not foresee, as one readable error (CLI.md exit codes)."""
    if isinstance(exc, IntegrityError):
        return Conflict(
            "the database refused the change because of a concurrent one; nothing written — retry",
            ja=[
                "同時に行われた別の変更のため、データベースが変更を受け付けませんでした。何も書き込んでいません。やり直してください。"
            ],
        )
    if isinstance(exc, OperationalError):
        return DatabaseUnavailable(
            f"database error: {_first_line(exc)}", ja=[f"データベースのエラー：{_first_line(exc)}"]
        )
    return InternalError(
        f"internal error: database error: {type(exc).__name__}: {_first_line(exc)} "
        "(run with --debug for the traceback)",
        ja=[
            f"内部エラー（データベース）：{type(exc).__name__}: {_first_line(exc)}（--debug で詳細を表示します）"
        ],
    )


def refresh_statistics(engine: Engine) -> None:
    """ANALYZE, so the query planner knows the tables' sizes (after init, upgrades and bulk loads). On
    SQLite the statistics are rows of ``sqlite_stat1``: they must be committed, or the planner goes on
    guessing (and drives the due-window query from the cases instead of the open-sessions index). On
    PostgreSQL VACUUM too: a bulk load or an upgrade that rewrites every row (migration 0021 folds each
    company's name) leaves pages not yet marked all-visible (and dead rows), so a council's companies
    are read from the table instead of from the (council, company_id) index alone — 523 ms instead of
    134 ms for a coordinator's company search at 100,000 cases."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM (ANALYZE)")


def set_council_scope(conn: Connection, scope: frozenset[str] | None) -> None:
    """PostgreSQL: tell row-level security (migration 0008) which councils this transaction may see;
    '*' for every council. Transaction-local, so a pooled connection carries nothing over."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT set_config('casetrack.councils', :c, true)"), {"c": _council_setting(scope)}
        )


def _council_setting(scope: frozenset[str] | None) -> str:
    """``casetrack.councils`` for ``scope``: '*' for every council, else the codes, comma-separated."""
    return "*" if scope is None else ",".join(sorted(scope))


def set_scope_and_user(conn: Connection, scope: frozenset[str] | None, user: str) -> None:
    """PostgreSQL: ``set_council_scope`` and ``set_acting_user`` in one statement — every unit of work
    begins with both, and each statement is a round trip."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT set_config('casetrack.councils', :c, true), set_config('casetrack.user', :u, true)"),
            {"c": _council_setting(scope), "u": user},
        )


def set_acting_user(conn: Connection, user: str) -> None:
    """PostgreSQL: tell row-level security (migration 0018) who acts in this transaction: their own
    staff row, sessions and access-log rows are theirs to see. Transaction-local, like the councils."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('casetrack.user', :u, true)"), {"u": user})


def set_browser_session(conn: Connection, session_id: str) -> None:
    """PostgreSQL: the web session (SHA-256 of its cookie's token) a browser came with, looked up
    before its user is known (migration 0018)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('casetrack.session', :s, true)"), {"s": session_id})


def setup_role(engine: Engine, name: str) -> tuple[bool, str | None, bool]:
    """Before the schema may be current: (any user exists, ``name``'s role, ``name`` active)."""
    with transaction(engine, write=False) as conn:
        set_acting_user(conn, name)
        anyone = False
        if conn.dialect.name == "postgresql":  # from migration 0018 on, a non-owner sees only some users
            try:
                with conn.begin_nested():
                    anyone = bool(conn.execute(text("SELECT casetrack_any_user()")).scalar())
            except (OperationalError, ProgrammingError):
                pass
        try:
            with conn.begin_nested():
                anyone = anyone or conn.execute(text("SELECT 1 FROM app_user LIMIT 1")).first() is not None
                me = conn.execute(
                    text("SELECT role, active FROM app_user WHERE name = :n"), {"n": name}
                ).first()
        except (OperationalError, ProgrammingError):
            return False, None, False
    return anyone, (me[0] if me else None), bool(me[1]) if me else False


APPEND_ONLY_TABLES = ("case_history", "ledger_entry", "access_log", "master_change")


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """PostgreSQL: let ``role`` (which must not own the tables) use this schema as the application:
    read and write the data, but only read and append the history, the ledger and the access log, and
    never alter a table or a trigger. Row-level security then applies to it (migration 0008)."""
    if engine.dialect.name != "postgresql":
        raise BadInput(
            "--app-role applies to PostgreSQL only (SQLite has no roles)",
            ja=["--app-role は PostgreSQL だけで使えます（SQLite にはロールがありません）。"],
        )
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role):
        raise BadInput(
            f"role name {role!r}: lower-case letters, digits and '_' only",
            ja=[f"ロール名「{role}」には英小文字、数字、_ だけが使えます。"],
        )
    with engine.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is None:
            raise NotFound("database role", role)
        schema: str = conn.execute(text("SELECT current_schema()")).scalar_one()
        owners: set[str] = set(
            conn.execute(
                text("SELECT tableowner FROM pg_tables WHERE schemaname = :s"), {"s": schema}
            ).scalars()
        )
        if role in owners:
            raise BadInput(
                f"role {role} owns the tables: row-level security does not hold for an owner; "
                "grant to a role that does not own them",
                ja=[
                    f"ロール {role} はテーブルの所有者のため、行単位のセキュリティが効きません。所有者でないロールを指定してください。"
                ],
            )
        tables: list[str] = list(
            conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
            ).scalars()
        )
        statements = [
            f'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}',
        ]
        for table in tables:
            if table == "alembic_version":
                privileges = "SELECT"
            elif table in APPEND_ONLY_TABLES:
                privileges = "SELECT, INSERT"
            else:
                privileges = "SELECT, INSERT, UPDATE, DELETE"
            statements.append(f'GRANT {privileges} ON "{schema}"."{table}" TO {role}')
        # the functions row-level security calls as the owner (migration 0018)
        functions: list[str] = list(
            conn.execute(
                text(
                    "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                    "WHERE n.nspname = :s AND p.prosecdef AND p.proname LIKE 'casetrack\\_%'"
                ),
                {"s": schema},
            ).scalars()
        )
        statements += [f"GRANT EXECUTE ON FUNCTION {f} TO {role}" for f in sorted(functions)]
        for statement in statements:
            conn.execute(text(statement))
    return statements

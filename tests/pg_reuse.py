"""PostgreSQL test databases used again instead of made anew: ``CREATE DATABASE … TEMPLATE`` costs
0.1–0.3 s (the whole catalog copied through the WAL, more while the other worker's ``DROP DATABASE`` waits
for a checkpoint); putting a used database back to a known content costs a few milliseconds.

A database is taken again only when nothing but rows changed in it: its catalog (tables, columns,
constraints, triggers, policies, functions, privileges, the database's own settings, and whether anyone
vacuumed or analysed a table by hand) must hash as the set-up template's does, and no one else may be
connected to it. Anything else — a test that migrated down, granted a role, ran ANALYZE, left a
connection — and the database is dropped and the next test gets a fresh copy, as before.

Putting it back: every row written since its last reset is found by its ``xmin`` (newer than the reset's
own transaction) and every deleted row by the table's count, so only the tables a test touched are
emptied (``DELETE`` with triggers and foreign keys off, ``session_replication_role = replica``) and
copied back from the wanted content (``COPY … FORMAT binary``); every sequence is set back. A content is
the set-up template's, or a fixture chain's snapshot (``Templates.once``), read the same way."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

# What, besides rows, a test may change in its database: if any of it differs from the template's, the
# database is not used again.
CATALOG = """
SELECT md5(string_agg(item, '|' ORDER BY item)) FROM (
  SELECT concat_ws(':', 'c', c.oid, c.relname, c.relkind, c.relfilenode, c.relacl, c.relrowsecurity,
                   c.relforcerowsecurity, c.relnatts, c.relhastriggers)
    FROM pg_class c
   WHERE c.relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace,
                                'pg_toast'::regnamespace)
  UNION ALL SELECT concat_ws(':', 'a', a.attrelid, a.attnum, a.attname, a.atttypid, a.attnotnull,
                             a.attisdropped, a.atthasdef, a.attgenerated, a.attidentity, a.attacl)
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
   WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0
  UNION ALL SELECT concat_ws(':', 'd', oid, adrelid, adnum) FROM pg_attrdef
  UNION ALL SELECT concat_ws(':', 'k', oid, conname, convalidated, condeferrable) FROM pg_constraint
   WHERE connamespace = 'public'::regnamespace
  UNION ALL SELECT concat_ws(':', 't', oid, tgname, tgenabled) FROM pg_trigger
  UNION ALL SELECT concat_ws(':', 'p', oid, polname, polroles::text) FROM pg_policy
  UNION ALL SELECT concat_ws(':', 'f', oid, proname, proacl, prosecdef) FROM pg_proc
   WHERE pronamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
  UNION ALL SELECT concat_ws(':', 'n', oid, nspname, nspacl) FROM pg_namespace
  UNION ALL SELECT concat_ws(':', 'y', oid, typname) FROM pg_type WHERE typnamespace = 'public'::regnamespace
  UNION ALL SELECT concat_ws(':', 'x', oid, extname) FROM pg_extension
  UNION ALL SELECT concat_ws(':', 'v', oid, defaclacl) FROM pg_default_acl
  UNION ALL SELECT concat_ws(':', 'e', oid, evtname) FROM pg_event_trigger
  UNION ALL SELECT concat_ws(':', 's', setrole, setconfig) FROM pg_db_role_setting
   WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
  UNION ALL SELECT concat_ws(':', 'D', datacl, datallowconn, datconnlimit) FROM pg_database
   WHERE datname = current_database()
  UNION ALL SELECT concat_ws(':', 'S', relid, vacuum_count, analyze_count) FROM pg_stat_user_tables
) AS catalog(item)
"""

OTHERS = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
)

MOST_ROWS = 5_000  # a table holding more is not emptied row by row (dead rows); the database is dropped


@dataclass(frozen=True)
class Content:
    """Every table's rows (COPY binary) and every sequence's position, read from one database."""

    tables: dict[str, bytes]
    counts: dict[str, int]
    sequences: dict[str, tuple[int, bool]]  # name → (value, is_called) for setval


@dataclass
class Held:
    """A database kept for use again: the content it was last reset to (or built up to) and the
    transaction of that reset — every row a test wrote afterwards is newer."""

    content: Content
    xid: int  # 32-bit transaction id


@dataclass
class Reuse:
    """One worker's reusable databases on one server."""

    conninfo: Callable[[str], str]  # database name → libpq connection string
    drop: Callable[[str], None]  # drops a database (in the background)
    catalog: str | None = None  # the set-up template's catalog hash
    tables: list[str] = field(default_factory=list)
    held: dict[str, Held] = field(default_factory=dict)  # database name → what it holds
    spare: list[str] = field(default_factory=list)  # databases no test is using
    _open: dict[str, psycopg.Connection[Any]] = field(default_factory=dict)

    def connect(self, name: str) -> psycopg.Connection[Any]:
        return psycopg.connect(self.conninfo(name), autocommit=True)

    def connection(self, name: str) -> psycopg.Connection[Any]:
        """Our own connection to ``name``, kept open from test to test: a new server process reads the
        catalog afresh (~40 ms for the first look at it), a kept one has it at hand. Idle between our
        statements; ``release`` closes it before the database is copied or dropped."""
        conn = self._open.get(name)
        if conn is None or conn.closed:
            conn = self._open[name] = self.connect(name)
        return conn

    def release(self, name: str) -> None:
        conn = self._open.pop(name, None)
        if conn is not None:
            conn.close()

    def forget(self, name: str) -> None:
        """``name`` is not used again (it is being dropped)."""
        self.release(name)
        self.held.pop(name, None)

    # -- reading ------------------------------------------------------------------------------------
    def read(self, conn: psycopg.Connection[Any]) -> Content:
        """The content of the database behind ``conn`` (which must have the template's tables)."""
        tables: dict[str, bytes] = {}
        counts: dict[str, int] = {}
        for table in self.tables:
            data = bytearray()
            with conn.cursor().copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                for chunk in copy:
                    data += chunk
            tables[table] = bytes(data)
        row = conn.execute(
            "SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in self.tables)
        ).fetchone()
        assert row is not None
        counts = dict(zip(self.tables, row, strict=True))
        sequences = {
            name: (value, True) if value is not None else (start, False)
            for name, value, start in conn.execute(
                "SELECT sequencename, last_value, start_value FROM pg_sequences WHERE schemaname = 'public'"
            )
        }
        return Content(tables, counts, sequences)

    def learn(self, template: str) -> Content:
        """Read the set-up template: its tables and its content (its catalog is read from its first copy:
        a copy starts without the template's own vacuum and analyse counts)."""
        with self.connect(template) as conn:
            self.tables = [
                r[0]
                for r in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
                )
            ]
            return self.read(conn)

    def _catalog(self, conn: psycopg.Connection[Any]) -> str:
        row = conn.execute(CATALOG).fetchone()
        assert row is not None
        return str(row[0])

    @staticmethod
    def _xid(conn: psycopg.Connection[Any]) -> int:
        row = conn.execute("SELECT txid_current() % 4294967296").fetchone()
        assert row is not None
        return int(row[0])

    # -- keeping -----------------------------------------------------------------------------------
    def hold(self, name: str, content: Content) -> None:
        """``name`` was just made from a database holding ``content`` (nothing written to it since)."""
        conn = self.connection(name)
        if self.catalog is None:
            self.catalog = self._catalog(conn)
        self.held[name] = Held(content, self._xid(conn))

    def snapshot(self, name: str) -> Content | None:
        """The content of ``name`` as a fixture chain left it, to copy into later tests' databases; None
        where its catalog is not the template's (it cannot be put into a reused database)."""
        if name not in self.held:
            return None
        conn = self.connection(name)
        if self._catalog(conn) != self.catalog:
            return None
        content = self.read(conn)
        self.held[name] = Held(content, self._xid(conn))
        return content

    def give_back(self, name: str) -> bool:
        """A test is done with ``name``: kept for the next test (True), or to be dropped (False)."""
        if name not in self.held:
            return False
        try:
            conn = self.connection(name)
            deadline = time.monotonic() + 1.0
            while (others := conn.execute(OTHERS).fetchone()) and others[0]:
                if time.monotonic() > deadline:  # a connection the test left open
                    raise LookupError
                time.sleep(0.005)  # a closed connection's backend leaves within milliseconds
            if self._catalog(conn) != self.catalog:
                raise LookupError
        except (LookupError, psycopg.Error):
            self.forget(name)
            return False
        self.spare.append(name)
        return True

    def take(self, content: Content) -> str | None:
        """A spare database, put back to ``content``; None where there is none (or it cannot be)."""
        while self.spare:
            name = self.spare.pop()
            try:
                self.reset(name, content)
            except (LookupError, psycopg.Error):  # too many rows, or locked: a fresh one instead
                self.forget(name)
                self.drop(name)
                continue
            return name
        return None

    def reset(self, name: str, content: Content) -> None:
        """Put database ``name`` back to ``content``: the tables written since its last reset, and every
        table whose rows differ between what it held and ``content``."""
        held = self.held[name]
        was = held.content
        conn = self.connection(name)
        newer = f"age('{held.xid}'::xid)"
        row = conn.execute(
            "SELECT "
            + ", ".join(
                f'(SELECT ARRAY[count(*), count(*) FILTER (WHERE age(xmin) < {newer})] FROM "{t}")'
                for t in self.tables
            )
        ).fetchone()
        assert row is not None
        changed = []
        for table, (count, written) in zip(self.tables, row, strict=True):
            if count > MOST_ROWS:
                raise LookupError(table)
            if written or count != was.counts[table] or was.tables[table] != content.tables[table]:
                changed.append(table)
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")  # no triggers, no FK checks
            conn.execute("SET LOCAL lock_timeout = '5s'")
            for table in changed:
                conn.execute(f'DELETE FROM "{table}"')
                if content.counts[table]:
                    with conn.cursor().copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                        copy.write(content.tables[table])
            if content.sequences:
                conn.execute(
                    "SELECT "
                    + ", ".join(
                        f"setval('\"{seq}\"', {value}, {'true' if called else 'false'})"
                        for seq, (value, called) in content.sequences.items()
                    )
                )
            xid = self._xid(conn)
        self.held[name] = Held(content, xid)

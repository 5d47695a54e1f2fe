"""A read use case is one read transaction (one snapshot), counted on the engine as the database sees it:
SQLAlchemy's ``begin`` and ``before_cursor_execute`` events on the real engine the CLI and the web use.

The case page (GET /cases/{id}) is three transactions: the session's lookup (which reads the user's role
and councils with it, so there is no separate lookup of the actor), one read of everything the page shows,
and the access-log row that reading writes — a write transaction of its own, because a read that wrote
would take SQLite's write lock and queue behind every writer. `casetrack case show` is three too: the
actor's lookup (the CLI has no session to read it with), the read, the access-log row. In each, the case
row is read once. Every other page reads what it shows in one transaction too, beside the session's
lookup and the staff's display names that the page's header shows (read with the case page's data)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from casetrack.store.db import get_engine
from tests.web.conftest import COORDINATOR, SUPERVISOR, Site, holdback_case

CASE_ROW = re.compile(r"^SELECT cases\.id, cases\.program\b")  # the case row itself (Repo.case)


@dataclass
class Counted:
    reads: int = 0
    writes: int = 0
    statements: list[str] = field(default_factory=list)

    @property
    def transactions(self) -> int:
        return self.reads + self.writes

    @property
    def case_reads(self) -> int:
        return sum(1 for s in self.statements if CASE_ROW.search(s))


@contextmanager
def counted(url: str) -> Iterator[Counted]:
    engine = get_engine(url)
    seen = Counted()

    def begin(conn: Any) -> None:
        if conn.get_execution_options().get("casetrack_write", False):
            seen.writes += 1
        else:
            seen.reads += 1

    def execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.statements.append(statement)

    event.listen(engine, "begin", begin)
    event.listen(engine, "before_cursor_execute", execute)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", begin)
        event.remove(engine, "before_cursor_execute", execute)


def test_the_case_page_is_one_read(site: Site) -> None:
    case_id = holdback_case(site)  # claims, a ledger entry, sessions, documents, lenders, agreements
    for user in (
        SUPERVISOR,
        COORDINATOR,
    ):  # the supervisor's page also offers 担当替え (the staff read with it)
        client = site.signed_in(user)
        with counted(site.db_url) as seen:
            page = client.get(f"/cases/{case_id}")
        assert page.status_code == 200, page.text[:300]
        assert (seen.reads, seen.writes) == (2, 1), (user, seen.reads, seen.writes)
        assert seen.case_reads == 1, [s for s in seen.statements if CASE_ROW.search(s)]


def test_case_show_is_one_read(site: Site) -> None:
    case_id = holdback_case(site)
    with counted(site.db_url) as seen:
        shown = site.cli.ok("case", "show", case_id)
    assert shown["id"] == case_id and shown["money"]["balanced"]
    assert (seen.reads, seen.writes) == (2, 1), (seen.reads, seen.writes)
    assert seen.case_reads == 1, [s for s in seen.statements if CASE_ROW.search(s)]


def test_the_today_page_is_one_read(site: Site) -> None:
    """Today: the session's lookup, one read of findings, decisions, sessions due, counts and undelivered
    e-mails, and the staff's display names for the page's header; a supervisor's reading of the undelivered
    e-mails is logged (one write)."""
    for user, writes in ((SUPERVISOR, 1), (COORDINATOR, 0)):
        client = site.signed_in(user)
        with counted(site.db_url) as seen:
            page = client.get("/")
        assert page.status_code == 200, page.text[:300]
        assert (seen.reads, seen.writes) == (3, writes), (user, seen.reads, seen.writes)


def test_the_record_and_calendar_pages_are_one_read_each(site: Site) -> None:
    """The calendar, a company, an organisation and their histories: the session's lookup, the page's one
    read, the staff's display names for the header; a company's page logs its reading (one write)."""
    w = site.world
    client = site.signed_in(SUPERVISOR)
    for url, writes in (
        ("/calendar", 0),
        (f"/companies/{w.company}", 1),
        (f"/companies/{w.company}/history", 0),
        (f"/orgs/{w.bank_main}", 0),
        (f"/orgs/{w.bank_main}/history", 0),
    ):
        with counted(site.db_url) as seen:
            page = client.get(url)
        assert page.status_code == 200, (url, page.text[:300])
        assert (seen.reads, seen.writes) == (3, writes), (url, seen.reads, seen.writes)

"""Scope by construction (STYLE.md): every repository is built with a scope, and every read of council
data sees only the councils in it. On SQLite nothing else stands behind the scope (PostgreSQL has
row-level security), so each public read method of each repository is called twice on data of council 13
seeded through the real CLI: with council 27 in scope it sees nothing of it (None, empty, not counted),
with council 13 in scope it sees it. The repositories and their methods are found by introspection: a new
repository, or a new method without a case here (or a reason in NOT_COUNCIL, or a place in WRITES),
fails ``test_every_repository_method_is_accounted_for``."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

import casetrack.store
from casetrack.domain.case_rows import Case
from casetrack.domain.whatif_records import WhatIfCase
from casetrack.services.context import Context
from casetrack.store.browse import CaseQuery
from casetrack.store.calendar_page import CaseDateWindow
from casetrack.store.db import get_engine
from casetrack.store.scope import Scope, ScopedRepo
from casetrack.store.work import Work
from tests.cli.helpers import drive_405, drive_early, fresh_company, open_early
from tests.conftest import ADMIN, Cli, World

FAR = dt.date(2099, 1, 1)
WHEN = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
SPAN = (dt.date(2026, 1, 1), dt.date(2030, 12, 31))
LIVE = [("monitoring", None)]


class Parts(tuple[Any, ...]):
    """A probe's answer in parts: invisible when no part shows anything, seen when every part does."""


@dataclass(frozen=True)
class Seeded:
    """Council 13's data, and nothing of council 27's."""

    case: str  # 405, monitoring: lenders, lead support org, estimates, agreements, documents (one stored
    #            file), history, the decided plan claim, ledger (a holdback), sessions, the outbox's mail
    claimed: str  # early, payment_claimed: its plan claim still claimed, no consent letters
    reused: Case  # the case row of an early case opened with a re-use reason
    row: Case  # the 405 case's row
    company: int  # the 405 case's company: its cases are all council 13's
    org: int  # the 405 case's lead support org
    document: int  # the document whose file is stored
    user: int  # sato, council 13's supervisor (changed once: a history)
    outbox: int  # a message about the 405 case


Probe = Callable[[Work, Seeded], Any]

REPO: dict[str, Probe] = {
    "company": lambda w, s: w.company(s.company),
    "company_visible": lambda w, s: w.company_visible(s.company),
    "list_companies": lambda w, s: [c for c in w.list_companies() if c.id == s.company],
    "cases_led_by": lambda w, s: w.cases_led_by(s.org),
    "cases_of_company": lambda w, s: w.cases_of_company(s.company),
    "master_history": lambda w, s: Parts(
        (w.master_history("company", s.company), w.master_history("user", s.user))
    ),
    "list_users": lambda w, s: [u for u in w.list_users() if u.id == s.user],
    "case": lambda w, s: w.case(s.case),
    "list_cases": lambda w, s: w.list_cases(),
    "open_cases_of": lambda w, s: w.open_cases_of("sato", {"405": ["monitoring"]}),
    "case_lenders": lambda w, s: w.case_lenders(s.case),
    "case_support_orgs": lambda w, s: w.case_support_orgs(s.case),
    "case_estimates": lambda w, s: w.case_estimates(s.case),
    "case_agreements": lambda w, s: w.case_agreements(s.case),
    "document": lambda w, s: w.document(s.case, s.document),
    "document_file": lambda w, s: w.document_file(s.document),
    "case_documents": lambda w, s: w.case_documents(s.case),
    "case_history": lambda w, s: w.case_history(s.case),
    "history_has_event": lambda w, s: w.history_has_event(s.case, "accept"),
    "case_claims": lambda w, s: w.case_claims(s.case),
    "case_ledger": lambda w, s: w.case_ledger(s.case),
    "case_sessions": lambda w, s: w.case_sessions(s.case),
    "list_sessions": lambda w, s: w.list_sessions(),
    "facts": lambda w, s: Parts(_facts_parts(w.facts(s.row))),
}

RECORDS: dict[str, Probe] = {
    "search_companies": lambda w, s: [c for c in w.records.search_companies(None)[1] if c.id == s.company],
    "company_cases": lambda w, s: w.records.company_cases(s.company),
    "org_cases": lambda w, s: w.records.org_cases(s.org),
}

BROWSE: dict[str, Probe] = {
    "search_cases": lambda w, s: Parts(w.browse.search_cases(CaseQuery(), limit=50, offset=0)),
    "state_counts": lambda w, s: w.browse.state_counts(["monitoring"], coordinator=None),
    "sessions_due": lambda w, s: Parts(w.browse.sessions_due(*SPAN, coordinator=None, limit=10, live=LIVE)),
    "cases_waiting": lambda w, s: Parts(w.browse.cases_waiting(["monitoring"], council=None, limit=10)),
    "reuse_waiting": lambda w, s: Parts(
        w.browse.reuse_waiting([("early", s.reused.rule_set, s.reused.state)], council=None, limit=10)
    ),
    "claims_waiting": lambda w, s: Parts(
        w.browse.claims_waiting([("early", "plan")], council=None, limit=10)
    ),
}

VIEWS: dict[str, Probe] = {
    "company_names": lambda w, s: w.audits.company_names([s.case]),
    "cases_in_states": lambda w, s: list(w.audits.cases_in_states(["monitoring"])),
    "overdue_sessions": lambda w, s: list(w.audits.overdue_sessions(FAR)),
    "open_holdbacks": lambda w, s: w.audits.open_holdbacks(),
    "open_counts": lambda w, s: w.audits.open_counts("council", ["monitoring"]),
    "ended_counts": lambda w, s: w.audits.ended_counts("council", ["monitoring"], *SPAN),
    "stalled_counts": lambda w, s: w.audits.stalled_counts("council", [("405", "monitoring", FAR)]),
    "overdue_case_counts": lambda w, s: w.audits.overdue_case_counts("council", FAR, LIVE),
    "missing_consents_in": lambda w, s: w.audits.missing_consents_in("payment_claimed"),
    "export_case_rows": lambda w, s: list(w.audits.export_case_rows(None)),
    "export_session_rows": lambda w, s: list(w.audits.export_session_rows(None)),
    "stored_files": lambda w, s: list(w.audits.stored_files(None)),
    "chains": lambda w, s: list(w.audits.chains(None)),
}

WINDOW = [CaseDateWindow("405", ("monitoring",), (SPAN,))]
CALENDAR: dict[str, Probe] = {
    "sessions_due_query": lambda w, s: w.conn.execute(w.calendar.sessions_due_query("13", *SPAN)).all(),
    "sessions_due": lambda w, s: w.calendar.sessions_due("13", *SPAN),
    "overdue_before": lambda w, s: Parts(
        w.calendar.overdue_before("13", FAR, {"405": ["monitoring"]}, limit=10)
    ),
    "dated_cases_query": lambda w, s: w.conn.execute(_some(w.calendar.dated_cases_query("13", WINDOW))).all(),
    "dated_cases": lambda w, s: w.calendar.dated_cases("13", WINDOW),
    "open_holdbacks_query": lambda w, s: w.conn.execute(
        _some(w.calendar.open_holdbacks_query("13", "405", ["monitoring"], [SPAN]))
    ).all(),
    "open_holdbacks": lambda w, s: w.calendar.open_holdbacks("13", "405", ["monitoring"], [SPAN]),
}

REMINDERS: dict[str, Probe] = {
    "open_sessions": lambda w, s: w.reminders.open_sessions("405", ["monitoring"], FAR),
    "cases_in": lambda w, s: w.reminders.cases_in("405", ["monitoring"]),
    "open_holdbacks": lambda w, s: w.reminders.open_holdbacks("405", ["monitoring"]),
    "sessions_due_between": lambda w, s: w.reminders.sessions_due_between(*SPAN, LIVE),
    "supervisors": lambda w, s: w.reminders.supervisors().get("13"),
    "scheduled_sessions_from": lambda w, s: w.reminders.scheduled_sessions_from(None, SPAN[0]),
    "statuses": lambda w, s: w.reminders.statuses([s.outbox]),
    "dead_ids": lambda w, s: w.reminders.dead_ids(),
    "due_for_delivery": lambda w, s: w.reminders.due_for_delivery(WHEN, 100),
    "pending_count": lambda w, s: w.reminders.pending_count(),
    "claim": lambda w, s: w.reminders.claim("probe", WHEN, WHEN + dt.timedelta(hours=1), 100),
    "list_outbox": lambda w, s: w.reminders.list_outbox(None),
}

WHATIF: dict[str, Probe] = {
    "open_cases": lambda w, s: w.whatif.open_cases(["monitoring"], None),
    "companies": lambda w, s: w.whatif.companies([s.company]),
    "scheduled_sessions": lambda w, s: list(w.whatif.scheduled_sessions(["monitoring"], None)),
    "sessions_of": lambda w, s: list(w.whatif.sessions_of([s.case])),
    "open_holdbacks": lambda w, s: w.whatif.open_holdbacks(None),
    "money": lambda w, s: Parts(w.whatif.money([s.case])),
    "facts": lambda w, s: Parts(_facts_parts(w.whatif.facts([_whatif_case(s.row)], {s.case})[s.case])),
}

CASES: dict[str, dict[str, Probe]] = {
    "Repo": REPO,
    "RecordsRepo": RECORDS,
    "BrowseRepo": BROWSE,
    "AuditRepo": VIEWS,
    "CalendarRepo": CALENDAR,
    "ReminderRepo": REMINDERS,
    "WhatIfRepo": WHATIF,
    "Work": {},
    "SignInRepo": {},
}

SIGN_IN = "a user's own sign-in rows (sessions, failed sign-ins), not council data"
NOT_COUNCIL: dict[str, dict[str, str]] = {
    "Repo": {
        "list_councils": "the council directory is public",
        "council": "the council directory is public",
        "company_any_council": "every council's by name: a company given by id to open or import a case for",
        "company_by_number": "every council's by design: a 法人番号 is public; a duplicate is named only if visible",
        "companies_without_number": "every council's by design: look-alikes, named by the caller only if visible",
        "org": "organisations (banks, advisers) are a public directory",
        "org_is_lender": "a yes/no about a public organisation: its kind cannot change while anyone lends with it",
        "orgs_by_id": "organisations are a public directory",
        "list_orgs": "organisations are a public directory",
        "any_user": "the set-up before the first admin: whether anyone exists at all",
        "councils_of": "who acts: read before the scope is known (Context.actor)",
        "further_councils": "who acts: read before the scope is known (Context.actor)",
        "user": "who acts: read before the scope is known (Context.actor)",
        "active_admins": "the last-admin rule counts admins wherever they act",
        "access_entries": "the access log: read by admins and 全国本部 only (policy), every council's by design",
        "prior_cases": "the prior-use rule counts every council's cases and names only the case's own council's",
    },
    "RecordsRepo": {"search_orgs": "organisations are a public directory"},
    "AuditRepo": {
        "master_chains": "audit verify of the master records (companies, organisations, users) whole"
    },
    "ReminderRepo": {
        "council_info": "the council directory is public",
        "closures": "closed days are public: every council's calendar counts business days",
        "existing_keys": "the sweep's own keys, computed from the cases in scope; a key says no more",
        "status_counts": "the installation's health (doctor): counts by status, no message",
        "last_sweep": "the installation's health (doctor): the last sweep's figures",
        "lease": "the scheduler's lease: which process sweeps",
        "oldest_pending": "the installation's health (doctor): an instant, no message",
    },
    "SignInRepo": {
        name: SIGN_IN for name in ("user", "session", "list_sessions", "sessions_of", "failures_since")
    },
}

WRITES: dict[str, set[str]] = {
    "Repo": {
        "upsert_councils",
        "insert_company",
        "update_company",
        "update_org",
        "insert_master_change",
        "insert_org",
        "insert_user",
        "update_user",
        "set_more_councils",
        "log_access",
        "next_case_number",
        "advance_case_counter",
        "insert_case",
        "update_case",
        "insert_links",
        "insert_agreements",
        "insert_document",
        "insert_document_file",
        "insert_history",
        "insert_claim",
        "decide_claim",
        "insert_ledger_entry",
        "replace_estimates",
        "insert_sessions",
        "replace_sessions",
        "update_session",
    },
    "ReminderRepo": {
        "add_closure",
        "remove_closure",
        "move_session",
        "enqueue",
        "enqueue_skipped",
        "supersede_pending",
        "revive",
        "settle",
        "extend_claims",
        "readdress_pending",
        "take_lease",
        "take_over_lease",
        "release_lease",
        "record_sweep",
    },
    "SignInRepo": {
        "acting_for",
        "insert_session",
        "set_flash",
        "touch",
        "end_session",
        "end_sessions_of",
        "end_sessions_but",
        "end_idle",
        "add_failure",
        "clear_failures",
        "prune_failures",
    },
}


def _facts_parts(facts: Any) -> tuple[Any, ...]:
    return facts.lenders, facts.support_orgs, facts.documents, facts.estimates, facts.claims, facts.sessions


def _whatif_case(row: Case) -> WhatIfCase:
    """The case as ``WhatIfRepo.open_cases`` reads it, from its row (read whole, outside any scope)."""
    return WhatIfCase(**{field: getattr(row, field) for field in WhatIfCase._fields})


def _some(query: Any) -> Any:
    assert query is not None, "the probe's arguments must make a query"
    return query


def _repositories() -> tuple[dict[str, type[ScopedRepo]], set[str]]:
    """(every ScopedRepo below the base, by name; every class named …Repo in the store's modules)."""
    named = set()
    for info in pkgutil.iter_modules(casetrack.store.__path__):
        if info.name != "migrations":
            module = importlib.import_module(f"casetrack.store.{info.name}")
            named |= {
                name
                for name, value in vars(module).items()
                if inspect.isclass(value)
                and value.__module__ == module.__name__
                and name.endswith("Repo")
                and value is not ScopedRepo
            }

    def below(cls: type[ScopedRepo]) -> Iterator[type[ScopedRepo]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    return {cls.__name__: cls for cls in below(ScopedRepo)}, named


def _public_methods(cls: type) -> set[str]:
    return {
        name for name, value in vars(cls).items() if inspect.isfunction(value) and not name.startswith("_")
    }


def test_every_repository_method_is_accounted_for() -> None:
    repositories, named = _repositories()
    assert named <= set(repositories), f"repositories not built on ScopedRepo: {named - set(repositories)}"
    assert set(repositories) == set(CASES), "a repository class without its cases here"
    for name, cls in repositories.items():
        scope = inspect.signature(cls).parameters.get("scope")
        assert scope is not None and scope.kind is inspect.Parameter.KEYWORD_ONLY, name
        assert scope.default is inspect.Parameter.empty, f"{name} can be built without a scope"
        methods = _public_methods(cls)
        tested, exempt, writes = set(CASES[name]), set(NOT_COUNCIL.get(name, {})), WRITES.get(name, set())
        assert not (tested & exempt) and not (tested & writes) and not (exempt & writes), name
        assert methods - tested - exempt - writes == set(), (
            f"{name}: public methods with no case, reason or write"
        )
        assert (tested | exempt | writes) - methods == set(), f"{name}: listed here, gone from the class"


def test_a_repository_cannot_be_built_without_a_scope(cli: Cli) -> None:
    from casetrack.store.repo import Repo

    with get_engine(cli.db_url).connect() as conn:
        with pytest.raises(TypeError):
            Repo(conn)  # type: ignore[call-arg]
        with pytest.raises(TypeError):
            Repo(conn, None)  # type: ignore[misc]


@pytest.fixture
def seeded(cli: Cli, world: World, tmp_path: Path) -> Seeded:
    # its lead support org has no e-mail address: the mail to it goes dead, the coordinator's stays pending
    case = drive_405(cli, world, "monitoring", coordinator="sato", support=[world.bank_adviser])
    claimed = drive_early(cli, world, "payment_claimed", company=fresh_company(cli, 1))
    reused = open_early(cli, world, company=fresh_company(cli, 2), reuse_reason="前回の計画の見直し")
    cli.ok("company", "edit", str(world.company), "--representative", "山田 太郎")
    cli.ok("user", "edit", "sato", "--display-name", "佐藤 花子", user=ADMIN)
    (tmp_path / "plan.pdf").write_bytes(b"%PDF-1.4 plan")
    cli.ok(
        "doc",
        "add",
        case,
        "plan",
        "--on",
        "2026-12-21",
        "--file",
        str(tmp_path / "plan.pdf"),
        today="2026-12-21",
    )
    config = tmp_path / "casetrack.toml"  # the server refuses: the mail stays pending (a later try)
    config.write_text('[mail]\ntransport = "smtp"\n[smtp]\nhost = "127.0.0.1"\nport = 9\n', encoding="utf-8")
    assert cli("--config", str(config), "remind", "run", today="2027-05-10").code in (0, 1)
    ctx = Context(cli.db_url, dt.date(2026, 11, 25), ADMIN, trusted=True)
    ctx.authorize("case.read")
    with ctx.read() as w:
        row = w.case(case)
        reused_row = w.case(reused)
        document = next(d.id for d in w.case_documents(case) if d.stored)
        user = next(u.id for u in w.list_users() if u.name == "sato")
        outbox = next(m.id for m in w.reminders.list_outbox(None) if m.case_id == case)
    assert row is not None and reused_row is not None
    return Seeded(case, claimed, reused_row, row, world.company, world.bank_adviser, document, user, outbox)


def _seen(value: Any) -> tuple[bool, bool]:
    """(does it show anything, does every part show something)."""
    parts = list(value) if isinstance(value, Parts) else [value]
    shown = [bool(p) for p in parts]
    return any(shown), all(shown)


def test_another_council_s_rows_are_invisible_to_every_read(cli: Cli, seeded: Seeded) -> None:
    engine = get_engine(cli.db_url)
    failures = []
    for cls, probes in CASES.items():
        for method, probe in probes.items():
            for councils, visible in (({"27"}, False), ({"13"}, True)):
                with engine.connect() as conn:
                    transaction = conn.begin()  # rolled back: a probe may claim messages
                    try:
                        shown, whole = _seen(probe(Work(conn, scope=Scope(councils)), seeded))
                    finally:
                        transaction.rollback()
                if visible and not whole:
                    failures.append(f"{cls}.{method} does not see council 13's rows with 13 in scope")
                if not visible and shown:
                    failures.append(f"{cls}.{method} shows council 13's rows with only 27 in scope")
    assert failures == []


def test_the_unit_of_work_gives_every_repository_the_actor_s_councils(cli: Cli, seeded: Seeded) -> None:
    cli.ok("user", "add", "osaka", "--council", "27", "--role", "coordinator", user=ADMIN)
    ctx = Context(cli.db_url, dt.date(2026, 11, 25), "osaka")
    ctx.authorize("case.read")
    with ctx.read() as work:
        given = [
            work,
            *(
                getattr(work, name)
                for name, value in vars(Work).items()
                if isinstance(value, cached_property)
            ),
        ]
        assert {type(r).__name__ for r in given} == set(CASES) - {"Repo"}  # every repository, once
        assert [r.scope for r in given] == [frozenset({"27"})] * len(given)
        assert work.case(seeded.case) is None and work.records.company_cases(seeded.company) == []

"""The sign-in and records repositories return frozen records (domain/signin_records.py,
domain/directory_records.py), read the same on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from casetrack.domain.directory_records import CompanyEntry, OrgEntry, RecordCase
from casetrack.domain.signin_records import LiveSession, NewSession, SessionEntry, SignInUser
from casetrack.store.db import get_engine
from casetrack.store.scope import Scope
from casetrack.store.work import Work
from tests.cli.helpers import open_405
from tests.conftest import ADMIN, Cli, World

AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def test_a_company_s_and_an_organisation_s_records(cli: Cli, world: World) -> None:
    case = open_405(cli, world, support=[world.tax])
    with get_engine(cli.db_url).connect() as conn:
        work = Work(conn, scope=Scope(frozenset({"13"})))
        total, companies = work.records.search_companies("みどり")
        assert total == 1 and companies == [
            CompanyEntry(world.company, "株式会社みどり工房", "1180301018771", 3, "13", 1)
        ]
        total, orgs = work.records.search_orgs("みなと")
        assert total == 1 and orgs[0] == OrgEntry(
            world.tax, "みなと税理士法人", "tax_accountant", True, "office@minato-tax.example.jp", False, None
        )
        (mine,) = work.records.company_cases(world.company)
        assert isinstance(mine, RecordCase) and (mine.id, mine.program, mine.company_name, mine.roles) == (
            case,
            "405",
            None,
            (),
        )
        (supported,) = work.records.org_cases(world.tax)
        assert (supported.id, supported.company_name, supported.roles) == (
            case,
            "株式会社みどり工房",
            ("support_lead",),
        )
        with pytest.raises(dataclasses.FrozenInstanceError):
            supported.roles = ()  # type: ignore[misc]
        assert Work(conn, scope=Scope(frozenset({"27"}))).records.company_cases(world.company) == []


def test_a_session_with_its_user(cli: Cli, world: World) -> None:
    cli.ok("user", "edit", "sato", "--council", "13", "--council", "27", user=ADMIN)
    with get_engine(cli.db_url).connect() as conn:
        transaction = conn.begin()
        try:
            signin = Work(conn, scope=Scope(frozenset())).signin.acting_for("sato", None)
            user = signin.user("sato")
            assert user is not None and (user.name, user.role, user.active) == ("sato", "supervisor", True)
            assert isinstance(user, SignInUser) and signin.user("nobody") is None
            signin.insert_session(NewSession("a" * 64, "sato", "csrf", AT, AT, "192.0.2.1", "Firefox"))
            live = signin.session("a" * 64)
            assert live == LiveSession(
                "a" * 64,
                "sato",
                "csrf",
                AT,
                AT,
                None,
                "supervisor",
                True,
                False,
                None,
                frozenset({"13", "27"}),
            )
            assert signin.list_sessions("sato") == [SessionEntry("a" * 64, AT, AT, "192.0.2.1", "Firefox")]
            assert signin.session("b" * 64) is None
        finally:
            transaction.rollback()

"""``Repo`` returns the case row itself as a frozen record (``Case``; ``CaseWithCompany`` with its company's
name in the case list), typed the same on SQLite and PostgreSQL, and another council's case stays out of
sight of every read of it."""

from __future__ import annotations

import dataclasses

import pytest

from casetrack.domain.case_rows import Case, CaseWithCompany
from casetrack.store.db import get_engine
from casetrack.store.scope import Scope
from casetrack.store.work import Work
from tests.cli.helpers import drive_405
from tests.conftest import Cli, World
from tests.records import assert_frozen, assert_typed

OPEN = {"405": ["monitoring"]}


@pytest.fixture
def case(cli: Cli, world: World) -> str:
    """A 405 case of council 13 in monitoring, coordinated by sato."""
    return drive_405(cli, world, "monitoring", coordinator="sato")


def test_the_case_row_comes_back_typed_and_frozen(cli: Cli, world: World, case: str) -> None:
    with get_engine(cli.db_url).connect() as conn:
        work = Work(conn, scope=Scope(frozenset({"13"})))
        row = work.case(case)
        assert type(row) is Case
        assert_typed(row)
        assert_frozen(row)
        assert (row.id, row.council, row.program, row.state, row.coordinator) == (
            case,
            "13",
            "405",
            "monitoring",
            "sato",
        )
        assert row.company_id == world.company and row.history_head is not None
        assert row.accepted_on is not None and row.plan_date is not None and row.version > 1
        (listed,) = [c for c in work.list_cases() if c.id == case]
        assert type(listed) is CaseWithCompany and listed.company_name
        assert_typed(listed)
        assert_frozen(listed)
        assert Case(**{f.name: getattr(listed, f.name) for f in dataclasses.fields(Case)}) == row
        (mine,) = [c for c in work.open_cases_of("sato", OPEN) if c.id == case]
        assert type(mine) is Case and mine == row
        assert [c for c in work.cases_of_company(world.company) if c.id == case] == [row]
        assert work.facts(row).id == case


def test_a_partial_update_sets_only_its_fields_and_bumps_the_version(cli: Cli, case: str) -> None:
    with get_engine(cli.db_url).connect() as conn:
        transaction = conn.begin()  # rolled back
        try:
            work = Work(conn, scope=Scope(frozenset({"13"})))
            row = work.case(case)
            assert row is not None
            assert work.update_case(case, row.version, {"window_months": 3})
            assert not work.update_case(case, row.version, {})  # the version moved on
            after = work.case(case)
            assert after == dataclasses.replace(row, window_months=3, version=row.version + 1)
        finally:
            transaction.rollback()


def test_another_council_s_case_stays_invisible(cli: Cli, world: World, case: str) -> None:
    with get_engine(cli.db_url).connect() as conn:
        work = Work(conn, scope=Scope(frozenset({"27"})))
        assert work.case(case) is None
        assert all(c.council != "13" for c in work.list_cases())
        assert work.list_cases(council="13") == []
        assert work.open_cases_of("sato", OPEN) == []
        assert work.cases_of_company(world.company) == []

"""The core repository's people and master data come back as frozen records (domain/master_records.py):
councils, companies, organisations, their changes, users and the access log, read and written the same
on SQLite and PostgreSQL; a company or a user of another council's stays invisible through them."""

from __future__ import annotations

import datetime as dt

from casetrack.domain import chain
from casetrack.domain.master_records import (
    AccessEntry,
    Company,
    Council,
    MasterChange,
    NewCompany,
    NewMasterChange,
    NewOrganisation,
    NewUser,
    Organisation,
    StaffMember,
    User,
)
from casetrack.domain.text import fold
from casetrack.store.db import get_engine
from casetrack.store.scope import Scope
from casetrack.store.work import Work
from tests.cli.helpers import open_405
from tests.conftest import ADMIN, Cli, World
from tests.records import assert_frozen

AT = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
NUMBER = "1180301018771"


def test_the_people_and_the_master_data_are_typed_frozen_records(cli: Cli, world: World) -> None:
    open_405(cli, world, support=[world.tax])  # council 13's case: the company is council 13's
    cli.ok("company", "edit", str(world.company), "--representative", "山田 太郎")
    cli.ok(
        "user",
        "edit",
        "sato",
        "--display-name",
        "佐藤 花子",
        "--council",
        "13",
        "--council",
        "27",
        user=ADMIN,
    )
    cli.ok("user", "list", user=ADMIN)  # a read of people's names: an access-log row
    with get_engine(cli.db_url).connect() as conn:
        work = Work(conn, scope=Scope(frozenset({"13"})))
        council = work.council("13")
        assert isinstance(council, Council) and (council.code, council.prefecture) == ("13", "東京都")
        assert all(isinstance(c, Council) for c in work.list_councils()) and work.council("99") is None

        company = work.company(world.company)
        assert isinstance(company, Company)
        assert (company.id, company.name, company.corporate_number, company.fiscal_year_end_month) == (
            world.company,
            "株式会社みどり工房",
            NUMBER,
            3,
        )
        assert (company.prefecture, company.representative, company.duplicate_of) == ("13", "山田 太郎", None)
        assert company.change_head is not None and len(company.change_head) == 64
        assert work.company_by_number(NUMBER) == company == work.company_any_council(world.company)
        assert company in work.list_companies()

        org = work.org(world.tax)
        assert org == Organisation(
            world.tax,
            "みなと税理士法人",
            org.name_folded if org else None,
            "tax_accountant",
            True,
            "office@minato-tax.example.jp",
            False,
            None,
            None,
        )
        assert work.orgs_by_id([world.tax, world.bank_main])[world.tax] == org
        assert all(isinstance(o, Organisation) for o in work.list_orgs())

        (change,) = work.master_history("company", world.company)
        assert isinstance(change, MasterChange)
        assert (change.entity, change.entity_id, change.seq, change.field, change.before, change.after) == (
            "company",
            world.company,
            1,
            "representative",
            None,
            "山田 太郎",
        )
        assert change.hash == company.change_head and isinstance(change.id, int)
        assert type(change.effective_on) is dt.date and change.recorded_at.tzinfo is not None

        user = work.user("sato")
        assert isinstance(user, User) and (user.council, user.role, user.display_name, user.active) == (
            "13",
            "supervisor",
            "佐藤 花子",
            True,
        )
        assert isinstance(user.created_at, dt.datetime) and user.must_change_password is False
        (sato,) = [u for u in work.list_users() if u.name == "sato"]
        assert sato == StaffMember(
            user.id, "sato", "13", "sato@council.example.jp", "佐藤 花子", "supervisor", True, ("27",)
        )
        fields = [c.field for c in work.master_history("user", user.id)]
        assert sorted(fields) == ["councils", "display_name"]

        (entry,) = [e for e in work.access_entries(ADMIN, None, None) if e.what == "user list"]
        assert isinstance(entry, AccessEntry) and isinstance(entry.at, dt.datetime) and entry.rows >= 3

        for record in (council, company, org, change, user, sato, entry):
            assert_frozen(record)


def test_the_writes_take_records_and_typed_changes(cli: Cli, world: World) -> None:
    with get_engine(cli.db_url).connect() as conn:
        transaction = conn.begin()
        try:
            work = Work(conn, scope=Scope.EVERY)
            company_id = work.insert_company(NewCompany("株式会社あさひ", None, 9, dt.date(2001, 4, 1), "27"))
            change = work.insert_master_change(
                NewMasterChange(
                    "company",
                    company_id,
                    "name",
                    "株式会社あさひ",
                    "株式会社アサヒ",
                    AT.date(),
                    AT,
                    ADMIN,
                    None,
                )
            )
            work.update_company(company_id, {"name": "株式会社アサヒ"})
            company = work.company(company_id)
            assert company is not None and (company.name, company.founded_on, company.change_head) == (
                "株式会社アサヒ",
                dt.date(2001, 4, 1),
                change.hash,
            )
            assert company.name_folded == fold("株式会社アサヒ")  # written again with the name
            assert (change.seq, change.prev_hash) == (1, chain.GENESIS)
            assert work.master_history("company", company_id) == [change]

            org_id = work.insert_org(NewOrganisation("ひかり銀行", "bank", False, None, True))
            work.update_org(org_id, {"email": "desk@hikari.example.jp", "certified": True})
            org = work.org(org_id)
            assert org is not None and (org.kind, org.is_bank, org.certified, org.email) == (
                "bank",
                True,
                True,
                "desk@hikari.example.jp",
            )

            work.insert_user(NewUser("kato", "27", None, "coordinator", True, AT), ["01", "27"])
            work.update_user("kato", {"display_name": "加藤", "active": False})
            kato = work.user("kato")
            assert kato is not None and (kato.display_name, kato.active, kato.password_hash) == (
                "加藤",
                False,
                None,
            )
            assert [u.more_councils for u in work.list_users() if u.name == "kato"] == [("01",)]

            work.log_access(at=AT, user=ADMIN, action="user.read", what="typed", rows=2)
            newest = work.access_entries(ADMIN, AT, 1)
            assert [(e.at, e.action, e.what, e.rows) for e in newest] == [(AT, "user.read", "typed", 2)]
        finally:
            transaction.rollback()


def test_an_id_outside_the_scope_stays_invisible(cli: Cli, world: World) -> None:
    open_405(cli, world, support=[world.tax])
    cli.ok("company", "edit", str(world.company), "--representative", "山田 太郎")
    cli.ok("user", "edit", "sato", "--display-name", "佐藤 花子", user=ADMIN)
    with get_engine(cli.db_url).connect() as conn:
        mine, theirs = Work(conn, scope=Scope(frozenset({"13"}))), Work(conn, scope=Scope(frozenset({"27"})))
        sato = mine.user("sato")
        assert sato is not None and mine.company(world.company) is not None
        assert theirs.company(world.company) is None
        assert world.company not in {c.id for c in theirs.list_companies()}
        assert theirs.master_history("company", world.company) == []
        assert "sato" not in {u.name for u in theirs.list_users()}
        assert theirs.master_history("user", sato.id) == []
        # the company's 法人番号 is found (a duplicate is refused), but only the visible one is named
        found = theirs.company_by_number(NUMBER)
        assert isinstance(found, Company) and not theirs.company_visible(found.id)

"""A company whose cases are all another council's is not found by `company edit` or `company history`
either (as by `company list`), and a look-alike name registered by another council's company is refused
without naming it (as a 法人番号 already is)."""

from __future__ import annotations

from tests.conftest import ADMIN, Cli, World

OSAKA = "osaka"  # a supervisor of council 27 only


def _site(cli: Cli, world: World) -> None:
    cli.ok("user", "add", OSAKA, "--council", "27", "--role", "supervisor", user=ADMIN)
    cli.ok("user", "add", "honbu", "--council", "00", "--role", "hq", user=ADMIN)
    # 喫茶ひまわり's only case is council 27's
    cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "27",
        "--company",
        str(world.company_dec),
        "--support-org",
        str(world.tax),
        "--on",
        "2026-06-01",
        user=OSAKA,
    )


def test_edit_and_history_of_another_councils_company_are_not_found(cli: Cli, world: World) -> None:
    _site(cli, world)
    edit = cli(
        "company", "edit", str(world.company_dec), "--address", "大阪市北区", user="tester"
    )  # 13/27/01
    assert edit.code == 0  # the suite's supervisor acts for council 27 too
    cli.ok("user", "add", "kato", "--council", "13", user=ADMIN)
    refused = cli("company", "edit", str(world.company_dec), "--address", "東京都港区", user="kato")
    assert refused.code == 4 and "大阪市北区" not in refused.err and "ひまわり" not in refused.err
    history = cli("company", "history", str(world.company_dec), user="kato")
    assert history.code == 4 and "大阪市北区" not in history.out
    assert [r["after"] for r in cli.ok("company", "history", str(world.company_dec), user="honbu")] == [
        "大阪市北区"
    ]
    assert [r["after"] for r in cli.ok("company", "history", str(world.company_dec), user=OSAKA)] == [
        "大阪市北区"
    ]


def test_a_look_alike_of_another_councils_company_is_not_named(cli: Cli, world: World) -> None:
    _site(cli, world)
    cli.ok("user", "add", "kato", "--council", "13", user=ADMIN)
    theirs = cli("company", "add", "--name", "喫茶 ひまわり", "--fiscal-year-end-month", "12", user="kato")
    assert theirs.code == 3
    assert "already registered" in theirs.err and f"company {world.company_dec}" not in theirs.err
    assert "ひまわり" not in theirs.err.replace("喫茶 ひまわり", "")
    mine = cli("company", "add", "--name", "喫茶 ひまわり", "--fiscal-year-end-month", "12", user=OSAKA)
    assert mine.code == 3 and f"company {world.company_dec} (喫茶ひまわり" in mine.err
    forced = cli.ok(
        "company",
        "add",
        "--name",
        "喫茶 ひまわり",
        "--fiscal-year-end-month",
        "12",
        "--force",
        "--reason",
        "別の喫茶店",
        user="kato",
    )
    assert forced["duplicate_of"] is None  # linked, but not named to council 13
    linked = {c["id"]: c["duplicate_of"] for c in cli.ok("company", "list", user="honbu")}
    assert linked[forced["id"]] == world.company_dec
    assert {c["id"]: c["duplicate_of"] for c in cli.ok("company", "list", user="kato")}[forced["id"]] is None

"""That a company consulted a council is confidential (it signals financial trouble): a company and its
cases are visible only to the councils that have or had a case with it, and to hq and admin; a refusal
never names another council's case (「他の協議会の案件」)."""

from __future__ import annotations

from tests.cli.helpers import R405_DATES, doc, drive_405, open_405
from tests.conftest import ADMIN, Cli, World

OSAKA = "osaka"  # a supervisor of council 27 only


def _names(cli: Cli, user: str) -> set[str]:
    return {c["name"] for c in cli.ok("company", "list", user=user)}


def _site(cli: Cli, world: World) -> str:
    cli.ok("user", "add", OSAKA, "--council", "27", "--role", "supervisor", user=ADMIN)
    cli.ok("user", "add", "honbu", "--council", "00", "--role", "hq", user=ADMIN)
    cli.ok("user", "add", "kobe", "--council", "28", "--role", "coordinator", user=ADMIN)
    # council 13's 405 case of みどり工房 reached 支払申請済 in 2024 (a use: DOMAIN.md §6)
    dates = {
        **R405_DATES,
        "open": "2024-04-01",
        "apply": "2024-04-10",
        "accept": "2024-04-20",
        "start_negotiation": "2024-06-01",
        "agree": "2024-08-01",
        "claim_payment": "2024-09-02",
    }
    return drive_405(cli, world, "payment_claimed", dates)


def test_company_list_per_role_and_council(cli: Cli, world: World) -> None:
    _site(cli, world)
    everyone = {"株式会社みどり工房", "喫茶ひまわり"}
    # 喫茶ひまわり has no case anywhere yet (registered, not in any program): every council may pick it
    assert _names(cli, "tester") == everyone  # 13/27/01: the case of council 13, and the caseless one
    assert _names(cli, OSAKA) == {"喫茶ひまわり"}  # council 27 has no case with anyone
    assert _names(cli, "kobe") == {"喫茶ひまわり"}
    assert _names(cli, "honbu") == everyone and _names(cli, ADMIN) == everyone
    # once council 27 opens a case with 喫茶ひまわり, it is council 27's (and hq's) to see, no longer kobe's
    open_405(cli, world, company=world.company_dec, council="27", user=OSAKA, on="2026-06-01")
    assert _names(cli, OSAKA) == {"喫茶ひまわり"}
    assert _names(cli, "kobe") == set()


def test_a_registered_corporate_number_of_another_council_is_not_named(cli: Cli, world: World) -> None:
    _site(cli, world)
    mine = cli(
        "company",
        "add",
        "--name",
        "別名",
        "--corporate-number",
        "1180301018771",
        "--fiscal-year-end-month",
        "3",
        user="tester",
    )
    assert (
        mine.code == 3 and f"already registered as company {world.company} (株式会社みどり工房)" in mine.err
    )
    theirs = cli(
        "company",
        "add",
        "--name",
        "別名",
        "--corporate-number",
        "1180301018771",
        "--fiscal-year-end-month",
        "3",
        user="kobe",
    )
    assert theirs.code == 3  # a conflict with a registered company (issue "Rule fidelity"), unnamed here
    assert "already registered" in theirs.err and "みどり工房" not in theirs.err
    assert f"company {world.company}" not in theirs.err


def test_a_refusal_names_another_councils_case_only_as_such(cli: Cli, world: World) -> None:
    first = _site(cli, world)
    # council 27 opens a 405 case for the same company: prior use needs a re-use reason (any council)
    second = open_405(cli, world, council="27", user=OSAKA, on="2026-06-01")
    doc(cli, second, "schedule_chart", "2026-06-02")
    result = cli(
        "case",
        "advance",
        second,
        "apply",
        "--on",
        "2026-06-03",
        "--format",
        "json",
        today="2026-06-03",
        user=OSAKA,
    )
    assert result.code == 1
    text = result.err + result.out
    assert first not in text and first.split("-", 1)[1] not in text
    assert (
        "同じ事業の過去の利用（他の協議会の案件）があるため再利用の理由（--reuse-reason）が必要です" in text
    )
    events = cli.ok("case", "events", second, today="2026-06-03", user=OSAKA)
    assert first not in str(events) and "他の協議会の案件" in str(events)
    # council 13 itself still sees its own case named
    third = open_405(cli, world, on="2026-06-01")
    doc(cli, third, "schedule_chart", "2026-06-02")
    own = cli("case", "advance", third, "apply", "--on", "2026-06-03", today="2026-06-03")
    assert own.code == 1 and f"同じ事業の過去の利用（{first}、他の協議会の案件）" not in own.err
    assert f"同じ事業の過去の利用（{first}）" in own.err


def test_exports_of_a_council_carry_no_other_councils_company(cli: Cli, world: World) -> None:
    _site(cli, world)
    open_405(cli, world, company=world.company_dec, council="27", user=OSAKA, on="2026-06-01")
    exported = cli("export", "cases", user=OSAKA)
    assert exported.code == 0, exported.err
    assert "喫茶ひまわり" in exported.out and "みどり工房" not in exported.out


def test_another_councils_company_is_not_found_by_its_id(cli: Cli, world: World) -> None:
    """kobe (council 28) may not read the history of みどり工房 (council 13's case only), nor edit it, nor
    learn from a refusal which company holds a 法人番号 it types; tester (13) may."""
    _site(cli, world)
    assert cli("company", "history", str(world.company), "--format", "json", user="kobe").code == 4
    edit = cli("company", "edit", str(world.company), "--name", "別の名前", "--format", "json", user="kobe")
    assert edit.code == 4
    assert "株式会社みどり工房" in _names(cli, "honbu") and "別の名前" not in _names(
        cli, "honbu"
    )  # unchanged
    assert cli("company", "history", str(world.company), "--format", "json", user="tester").code == 0
    taken = cli("company", "edit", str(world.company_dec), "--corporate-number", "1180301018771", user="kobe")
    assert taken.code == 2 and "already registered" in taken.err
    assert "みどり工房" not in taken.err and f"company {world.company}" not in taken.err


def test_a_look_alike_of_another_councils_company_is_not_named(cli: Cli, world: World) -> None:
    _site(cli, world)
    kaede = cli.ok(
        "company", "add", "--name", "有限会社かえで", "--fiscal-year-end-month", "3", "--prefecture", "13"
    )["id"]
    open_405(cli, world, company=kaede, on="2026-06-01")  # council 13's case: now council 13's company
    mine = cli(
        "company", "add", "--name", "有限会社かえで", "--fiscal-year-end-month", "3", "--prefecture", "13"
    )
    assert mine.code == 3 and f"company {kaede} (有限会社かえで" in mine.err
    theirs = cli(
        "company",
        "add",
        "--name",
        "有限会社かえで",
        "--fiscal-year-end-month",
        "3",
        "--prefecture",
        "13",
        user="kobe",
    )
    assert (
        theirs.code == 3 and "another council's case" in theirs.err and f"company {kaede}" not in theirs.err
    )
    assert "有限会社かえで" not in {c["name"] for c in cli.ok("company", "list", user="kobe")}

"""Input as Japanese offices type it, through the real CLI: full-width digits, era dates, case ids
without zeros, companies and organisations by name or 法人番号, workflow things by their Japanese
labels; names with invisible or control characters and amounts in other scripts' digits refused."""

from __future__ import annotations

import pytest

from tests.cli import helpers as h
from tests.conftest import Cli, World


def _open_by_names(cli: Cli, *extra: str) -> dict[str, object]:
    return cli.ok(
        "case",
        "open",
        "--program",
        "早期経営改善計画策定支援",
        "--track",
        "通常枠",
        "--council",
        "１３",
        "--company",
        "株式会社みどり工房",
        "--support-org",
        "みなと税理士法人",
        "--lender",
        "さくら銀行:main",
        "--lender",
        "東都信用金庫",
        "--on",
        "2026/05/01",
        *extra,
        today="2026-05-01",
    )


def test_open_a_case_naming_everything_as_people_do(cli: Cli, world: World) -> None:
    case = _open_by_names(cli)
    assert (case["program"], case["track"], case["opened_on"]) == ("early", "standard", "2026-05-01")
    assert case["company"]["id"] == world.company
    assert [x["id"] for x in case["lenders"]] == [world.bank_main, world.bank_second]
    assert case["lenders"][0]["main"] is True
    # the case by its id without zeros, a document by its Japanese name, dates in 和暦
    doc = cli.ok("doc", "add", "13-2026-1", "事前相談書", "--on", "令和8年5月15日", today="2026-05-15")
    assert (doc["kind"], doc["on"]) == ("pre_consultation_letter", "2026-05-15")
    assert (
        cli.ok("doc", "add", "13-2026-1", "利用申請書", "--on", "R8.5.20", today="2026-05-20")["kind"]
        == "application"
    )
    moved = cli.ok("case", "advance", "１３－２０２６－１", "apply", "--on", "R8.5.20", today="2026-05-20")
    assert (moved["id"], moved["state"]) == (case["id"], "applied")
    assert [r["id"] for r in cli.ok("case", "list", "--state", "利用申請済", today="2026-05-20")] == [
        case["id"]
    ]


def test_company_by_corporate_number_in_full_width_digits(cli: Cli, world: World) -> None:
    case = cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        "１１８０３０１０１８７７１",
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        today="2026-05-01",
    )
    assert case["company"]["id"] == world.company


def test_an_ambiguous_or_unknown_name_lists_the_candidates_with_ids(cli: Cli, world: World) -> None:
    # a second company of the same name (another business: registered on purpose, with the reason)
    twin = int(
        cli.ok(
            "company",
            "add",
            "--name",
            "喫茶ひまわり",
            "--fiscal-year-end-month",
            "3",
            "--prefecture",
            "27",
            "--force",
            "--reason",
            "大阪の同名の別事業者",
        )["id"]
    )
    before = h.case_count(cli)
    result = cli(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        "喫茶ひまわり",
        "--support-org",
        str(world.tax),
    )
    assert result.code == 2 and f"id {world.company_dec}" in result.err and f"id {twin}" in result.err
    result = cli(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        "みどり工房",
        "--support-org",
        str(world.tax),
    )
    assert result.code == 2 and f"id {world.company} 株式会社みどり工房" in result.err
    result = cli(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        "みなと会計",
    )
    assert result.code == 2 and "no organisation has that name" in result.err
    assert h.case_count(cli) == before


@pytest.mark.parametrize(
    ("name", "char", "position"),
    [
        ("株式会社\r\nみどり", "U+000D", 5),
        ("\u200b\u200b\u200b", "U+200B", 1),
        ("さくら\u202e銀行", "U+202E", 4),
        ("みどり\x07工房", "U+0007", 4),
    ],
)
def test_names_with_invisible_characters_are_refused(
    cli: Cli, world: World, name: str, char: str, position: int
) -> None:
    before = cli.ok("company", "list")
    result = cli("company", "add", "--name", name, "--fiscal-year-end-month", "3")
    assert result.code == 2 and char in result.err and f"character {position}" in result.err
    assert len(result.err.splitlines()) == 1 and cli.ok("company", "list") == before


def test_full_width_names_and_amounts_are_read_after_nfkc(cli: Cli, world: World) -> None:
    added = cli.ok("company", "add", "--name", "ＡＢＣ商事　株式会社", "--fiscal-year-end-month", "3")
    assert added["name"] == "ABC商事 株式会社"
    cid = h.drive_early(cli, world, "plan_submitted")
    claim = cli.ok(
        "fee",
        "claim",
        cid,
        "計画策定支援費用",
        "--fee",
        "２００，０００円",
        "--on",
        "2026-10-01",
        today="2026-10-01",
    )
    assert (claim["component"], claim["fee"], claim["subsidy"]) == ("plan", 200_000, 133_333)


def test_arabic_indic_digits_are_not_yen(cli: Cli, world: World) -> None:
    cid = h.drive_early(cli, world, "plan_submitted")
    result = cli("fee", "claim", cid, "plan", "--fee", "٢٠٠٠٠٠", "--on", "2026-10-01", today="2026-10-01")
    assert result.code == 2 and "not an amount" in result.err
    assert cli.ok("fee", "list", cid, today="2026-10-01") == []

"""The case list people can work with: search folded (さくら = サクラ = ｻｸﾗ, full-width letters and digits
as typed, case), the same on the CLI's `case list --q`; sorting on every column by bookmarkable URLs;
進行中のみ. On both databases (the stored folded name, migration 0021)."""

from __future__ import annotations

import re

import pytest

from casetrack.domain.text import fold
from tests.conftest import Cli, World
from tests.web.conftest import SUPERVISOR, Site


def _ids(html: str) -> list[str]:
    return re.findall(r'<td[^>]*><a href="/cases/([^"]+)">', html)


@pytest.fixture
def kana(site: Site) -> dict[str, str]:
    """Two more council-13 cases: サクラ精工株式会社 (katakana) and ＡＢＣ商事 (full-width letters); one
    of them withdrawn (closed, not 進行中)."""
    cli = site.cli
    sakura = cli.ok("company", "add", "--name", "サクラ精工株式会社", "--fiscal-year-end-month", "3")["id"]
    abc = cli.ok(
        "company",
        "add",
        "--name",
        "ＡＢＣ商事",
        "--corporate-number",
        "7010001008844",
        "--fiscal-year-end-month",
        "3",
    )["id"]
    out = {}
    for key, company, on in (("sakura", sakura, "2026-10-05"), ("abc", abc, "2026-10-06")):
        out[key] = cli.ok(
            "case",
            "open",
            "--program",
            "early",
            "--council",
            "13",
            "--company",
            str(company),
            "--support-org",
            str(site.world.tax),
            "--lender",
            f"{site.world.bank_main}:main",
            "--on",
            on,
            today=on,
        )["id"]
    cli.ok("case", "advance", out["abc"], "withdraw", "--reason", "事業者の申出", "--on", "2026-11-01")
    return out


def test_fold_by_hand() -> None:
    assert fold("サクラ") == fold("ｻｸﾗ") == fold("さくら") == "さくら"
    assert fold("ＡＢＣ商事") == "abc商事"
    assert fold("１２３") == "123"
    assert fold("ヴ") == "ゔ"


@pytest.mark.parametrize(
    ("q", "which"),
    [
        ("さくら", ["sakura"]),
        ("サクラ", ["sakura"]),
        ("ｻｸﾗ", ["sakura"]),
        ("精工", ["sakura"]),
        ("abc", ["abc"]),
        ("ＡＢＣ", ["abc"]),
        ("Abc", ["abc"]),
        ("ａｂｃ商事", ["abc"]),
        ("７０１０００１００８８４４", ["abc"]),
        ("7010001008844", ["abc"]),  # 法人番号, full-width digits too
        ("みどり", ["early"]),
        ("ミドリ", ["early"]),
        ("ﾐﾄﾞﾘ", ["early"]),  # 株式会社みどり工房; ﾄﾞ → ド → ど
        ("さくら銀行", []),  # a bank is not a company
    ],
)
def test_search_folds_on_the_page_and_on_the_cli(
    site: Site, kana: dict[str, str], q: str, which: list[str]
) -> None:
    every = {**site.cases, **kana}
    expected = sorted(every[w] for w in which)
    page = site.signed_in(SUPERVISOR).get("/cases", params={"q": q})
    assert page.status_code == 200
    assert sorted(_ids(page.text)) == expected
    listed = site.cli.ok("case", "list", "--q", q, "--council", "13")
    assert sorted(r["id"] for r in listed) == expected


def test_sorting_by_every_column_is_bookmarkable(site: Site, kana: dict[str, str]) -> None:
    client = site.signed_in(SUPERVISOR)
    ids = {"early": site.cases["early"], "monitoring": site.cases["monitoring"], **kana}
    # companies by name (code-point order of the names as stored): ＡＢＣ商事 is stored as typed after NFKC,
    # ABC商事 (U+0041), before サクラ (U+30B5) and 株式会社あさひ… / 株式会社みどり… (U+682A)
    by_company = _ids(client.get("/cases?sort=company").text)
    assert by_company[:2] == [ids["abc"], ids["sakura"]] and len(by_company) == 4
    assert _ids(client.get("/cases?sort=company&order=desc").text) == by_company[::-1]
    # state since: monitoring (imported 2026-07-01), early 2026-09-01, sakura 10-05, abc withdrawn 11-01
    since = _ids(client.get("/cases?sort=state_since").text)
    assert since == [ids["monitoring"], ids["early"], ids["sakura"], ids["abc"]]
    for column in ("id", "program", "corporate_number", "state", "coordinator"):
        for order in ("asc", "desc"):
            page = client.get(f"/cases?sort={column}&order={order}")
            assert page.status_code == 200 and sorted(_ids(page.text)) == sorted(ids.values()), column
    page = client.get("/cases?sort=state_since")
    assert 'aria-sort="ascending"' in page.text
    assert 'href="/cases?sort=state_since&amp;order=desc"' in page.text  # the header flips the order
    assert client.get("/cases?sort=password").status_code == 400
    assert client.get("/cases?sort=id&order=sideways").status_code == 400


def test_open_only_leaves_out_the_ended(site: Site, kana: dict[str, str]) -> None:
    client = site.signed_in(SUPERVISOR)
    every = _ids(client.get("/cases").text)
    open_only = _ids(client.get("/cases?open=1").text)
    assert kana["abc"] in every and kana["abc"] not in open_only
    assert sorted(open_only) == sorted([site.cases["early"], site.cases["monitoring"], kana["sakura"]])
    page = client.get("/cases?open=1&sort=company")
    assert "進行中のみ" in page.text and 'name="open" value="1" checked' in page.text
    assert "open=1" in (re.search(r'href="(/cases/export\.csv[^"]*)"', page.text) or [""])[0]


def test_cli_q_is_too_long_is_bad_input(cli: Cli, world: World) -> None:
    result = cli("case", "list", "--q", "あ" * 101)
    assert result.code == 2

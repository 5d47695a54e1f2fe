"""Imported case ids and the case counter: after an import that brings its own 案件番号, `case open` in
the same council and fiscal year numbers on after the highest imported one (case ids are
COUNCIL-FISCALYEAR-NNNN; the fiscal year starts on April 1)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tests.conftest import Cli, World

HEADER = [
    "案件番号",
    "事業",
    "枠",
    "協議会",
    "事業者",
    "決算月",
    "状態コード",
    "状態の開始日",
    "代表認定支援機関",
    "受付日",
]


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))


def _open(cli: Cli, world: World, council: str, on: str) -> str:
    return str(
        cli.ok(
            "case",
            "open",
            "--program",
            "early",
            "--council",
            council,
            "--company",
            str(world.company),
            "--support-org",
            str(world.tax),
            "--on",
            on,
            today=on,
        )["id"]
    )  # opened on that day


def test_case_open_numbers_on_after_the_highest_imported_id(cli: Cli, world: World, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    _write_csv(
        path,
        [
            HEADER,
            [
                "13-2026-0001",
                "early",
                "standard",
                "13",
                "一号商店",
                "3",
                "consultation",
                "2026-04-02",
                "みなと税理士法人",
                "2026-04-02",
            ],
            [
                "13-2026-0007",
                "early",
                "standard",
                "13",
                "七号商店",
                "3",
                "consultation",
                "2026-06-01",
                "みなと税理士法人",
                "2026-06-01",
            ],
            # no 案件番号: numbered on import, after the ids the file brings (opened 2026-07-01 → FY 2026)
            [
                "",
                "early",
                "standard",
                "13",
                "無番号商店",
                "3",
                "consultation",
                "2026-07-01",
                "みなと税理士法人",
                "2026-07-01",
            ],
            [
                "27-2026-0002",
                "early",
                "standard",
                "27",
                "大阪商店",
                "3",
                "consultation",
                "2026-05-01",
                "みなと税理士法人",
                "2026-05-01",
            ],
        ],
    )
    imported = cli.ok("import", "cases", str(path))
    assert imported["cases"] == ["13-2026-0001", "13-2026-0007", "13-2026-0008", "27-2026-0002"]

    # council 13, FY 2026 (2026-04-01 … 2027-03-31): 0001, 0007 imported, 0008 numbered on import
    assert _open(cli, world, "13", "2026-11-01") == "13-2026-0009"
    assert _open(cli, world, "13", "2027-03-31") == "13-2026-0010"
    # council 27, FY 2026: 0002 imported
    assert _open(cli, world, "27", "2026-11-01") == "27-2026-0003"
    # other fiscal years and councils are untouched: 2026-03-31 is FY 2025, 2027-04-01 FY 2027
    assert _open(cli, world, "13", "2026-03-31") == "13-2025-0001"
    assert _open(cli, world, "13", "2027-04-01") == "13-2027-0001"
    assert _open(cli, world, "01", "2026-11-01") == "01-2026-0001"


def test_a_lower_imported_number_does_not_pull_the_counter_back(
    cli: Cli, world: World, tmp_path: Path
) -> None:
    """A first import brings 13-2026-0007; a second one the free 13-2026-0003: the next case opened is
    still 0008. A taken id refuses the whole file and moves nothing."""
    first, second, taken = tmp_path / "first.csv", tmp_path / "second.csv", tmp_path / "taken.csv"
    row = [
        "early",
        "standard",
        "13",
        "商店",
        "3",
        "consultation",
        "2026-05-01",
        "みなと税理士法人",
        "2026-05-01",
    ]
    _write_csv(first, [HEADER, ["13-2026-0007", *row]])
    _write_csv(second, [HEADER, ["13-2026-0003", *row]])
    _write_csv(taken, [HEADER, ["13-2026-0007", *row]])
    cli.ok("import", "cases", str(first))
    cli.ok("import", "cases", str(second))
    result = cli("import", "cases", str(taken))
    assert result.code == 2 and "13-2026-0007 already exists" in result.err
    assert _open(cli, world, "13", "2026-05-02") == "13-2026-0008"

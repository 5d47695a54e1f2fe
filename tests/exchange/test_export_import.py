"""Export (CSV/xlsx) and import of cases through the real CLI: encodings, formula injection,
和暦 date cells, the round trip, and all-or-nothing imports with every bad row reported."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from tests.cli.helpers import drive_405
from tests.conftest import ADMIN, Cli, World


def _csv_rows(data: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def _export(cli: Cli, tmp_path: Path, *args: str) -> bytes:
    out = tmp_path / "export.bin"
    result = cli("export", *args, "--out", str(out))
    assert result.code == 0, result.err
    return out.read_bytes()


def test_csv_is_utf8_with_bom_and_crlf(cli: Cli, world: World, tmp_path: Path) -> None:
    cid = drive_405(cli, world, "drafting")
    data = _export(cli, tmp_path, "cases")
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")
    header, *rows = _csv_rows(data)
    assert header[:5] == ["案件番号", "事業", "枠", "協議会", "事業者"]
    row = dict(zip(header, rows[0], strict=True))
    assert row["案件番号"] == cid and row["事業者"] == "株式会社みどり工房" and row["状態"] == "計画策定中"
    assert row["金融機関"] == "さくら銀行・東都信用金庫（保証付）" or "さくら銀行" in row["金融機関"]


def test_cp932_export_and_a_character_it_cannot_encode(cli: Cli, world: World, tmp_path: Path) -> None:
    drive_405(cli, world, "drafting")
    data = _export(cli, tmp_path, "cases", "--encoding", "cp932")
    assert not data.startswith(b"\xef\xbb\xbf")
    assert "株式会社みどり工房" in data.decode("cp932")
    company = cli.ok("company", "add", "--name", "髙橋🍣商店", "--fiscal-year-end-month", "3")["id"]
    cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(company),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        "--on",
        "2026-04-01",
    )
    out = tmp_path / "bad.csv"
    result = cli("export", "cases", "--encoding", "cp932", "--out", str(out))
    assert result.code == 2
    # rows counted as import counts them (header = row 1): 13-2026-0001 is row 2, the 🍣 case row 3
    assert result.err.startswith("error:") and "row 3 " in result.err and "🍣" in result.err
    assert "row 2" not in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not out.exists()  # nothing half-written


def test_defuse_covers_every_dangerous_first_character() -> None:
    from casetrack.exchange.writers import defuse

    for text in ("=1", "+1", "-1", "@x", "\tx", "\rx"):
        assert defuse(text) == "'" + text
    assert defuse("株式会社=") == "株式会社=" and defuse("") == ""


def test_undefuse_takes_back_exactly_the_apostrophe_defuse_adds() -> None:
    from casetrack.exchange.writers import defuse, undefuse

    for text in ("=1", "+1", "-1", "@x", "\tx", "\rx", "'=1", "'x", "''", "'", "x'=", ""):
        assert undefuse(defuse(text)) == text
    assert defuse("'=1") == "''=1" and defuse("'x") == "'x"
    assert undefuse("'=1") == "=1" and undefuse("''=1") == "'=1" and undefuse("'x") == "'x"


# names are stripped on entry, so a leading tab or CR never reaches a cell through them
@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)"])
def test_formula_cells_are_defused(cli: Cli, world: World, tmp_path: Path, name: str) -> None:
    company = cli.ok("company", "add", "--name", name, "--fiscal-year-end-month", "3")["id"]
    cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(company),
        "--support-org",
        str(world.tax),
        "--on",
        "2026-04-01",
    )
    header, *rows = _csv_rows(_export(cli, tmp_path, "cases"))
    cell = dict(zip(header, rows[0], strict=True))["事業者"]
    assert cell == "'" + name  # a leading apostrophe: shown as text, never evaluated
    xlsx = tmp_path / "cases.xlsx"
    assert cli("export", "cases", "--format", "xlsx", "--out", str(xlsx)).code == 0
    ws = openpyxl.load_workbook(xlsx).active
    col = [c.value for c in ws[1]].index("事業者") + 1
    stored = ws.cell(row=2, column=col)
    assert stored.data_type == "s" and stored.value == name  # a string cell, not a formula


def test_xlsx_has_japanese_headers_date_cells_in_wareki_yen_and_a_frozen_header(
    cli: Cli, world: World, tmp_path: Path
) -> None:
    drive_405(cli, world, "drafting")
    xlsx = tmp_path / "cases.xlsx"
    assert cli("export", "cases", "--format", "xlsx", "--out", str(xlsx)).code == 0
    ws = openpyxl.load_workbook(xlsx).active
    headers = [c.value for c in ws[1]]
    assert "利用決定日" in headers and "補助額" in headers
    assert ws.freeze_panes == "A2"
    accepted = ws.cell(row=2, column=headers.index("利用決定日") + 1)
    assert accepted.value == dt.datetime(2026, 4, 20) and accepted.is_date  # drive_405 accepts on 2026-04-20
    assert "ggge" in accepted.number_format and "年" in accepted.number_format
    assert ws.cell(row=1, column=1).font.bold


def test_xlsx_yen_columns_are_wide_enough_to_show_the_amount(cli: Cli, world: World, tmp_path: Path) -> None:
    """A yen cell narrower than its formatted amount shows as ### in Excel and LibreOffice."""
    drive_405(
        cli, world, "monitoring"
    )  # the plan subsidy is decided: 補助額 and 支払済 hold seven-digit amounts
    xlsx = tmp_path / "cases.xlsx"
    assert cli("export", "cases", "--format", "xlsx", "--out", str(xlsx)).code == 0
    ws = openpyxl.load_workbook(xlsx).active
    headers = [c.value for c in ws[1]]
    for header in ("補助額", "支払済"):
        column = headers.index(header) + 1
        amount = ws.cell(row=2, column=column).value
        assert isinstance(amount, int) and amount >= 1_000_000
        shown = len(f"{amount:,}") + 2  # digits and commas, then 円 (a wide character: two columns)
        letter = openpyxl.utils.get_column_letter(column)
        assert ws.column_dimensions[letter].width >= shown, (
            header,
            amount,
            ws.column_dimensions[letter].width,
        )


# Every column of `export cases`, by what an import does with it (templates/import/README.md).
IMPORTED = [
    "案件番号",
    "事業",
    "枠",
    "協議会",
    "事業者",
    "法人番号",
    "決算月",
    "状態コード",
    "状態の開始日",
    "担当",
    "代表認定支援機関",
    "代表認定支援機関のメール",
    "代表認定支援機関の種別",
    "代表認定支援機関の認定",
    "金融機関",
    "メイン行",
    "受付日",
    "利用決定日",
    "計画日",
    "延長後の有効期限",
    "伴走支援の間隔（月）",
    "期中の伴走支援",
    "実施済みの伴走支援（回）",
]
DERIVED = ["状態", "適用ルール"]  # the state's label; the rule set in force on the acceptance date
MONEY = ["補助額", "支払済", "留保中"]  # not imported: amounts come only from claims and their ledger


def test_round_trip_keeps_every_field(
    cli: Cli, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], db_url: str
) -> None:
    r405 = drive_405(cli, world, "monitoring")
    first_session = cli.ok("case", "show", r405)["monitoring"][0]["due_on"]
    cli.ok("monitoring", "record", r405, "1", "--held-on", first_session, today=first_session)
    cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company_dec),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_second}:main",
        "--interim-monitoring",
        "--coordinator",
        "sato",
        "--on",
        "2026-05-01",
    )
    for fmt in ("csv", "xlsx"):
        first = tmp_path / f"first.{fmt}"
        assert cli("export", "cases", "--format", fmt, "--out", str(first)).code == 0
        other = Cli(f"sqlite:///{tmp_path / f'other-{fmt}.db'}", capsys)
        other.setup()
        other.ok("user", "add", "sato", "--council", "13", user=ADMIN)
        imported = other.ok(
            "import", "cases", str(first), today=first_session
        )  # the 405 case's dates run to it
        assert imported["imported"] == 2
        again = tmp_path / f"again.{fmt}"
        assert other("export", "cases", "--format", fmt, "--out", str(again)).code == 0
        if fmt == "csv":
            a, b = _csv_rows(first.read_bytes()), _csv_rows(again.read_bytes())
        else:
            a = [list(r) for r in openpyxl.load_workbook(first).active.iter_rows(values_only=True)]
            b = [list(r) for r in openpyxl.load_workbook(again).active.iter_rows(values_only=True)]
        assert a[0] == b[0] and sorted(a[0]) == sorted(
            IMPORTED + DERIVED + MONEY
        )  # every column is accounted for
        before = [dict(zip(a[0], r, strict=True)) for r in a[1:]]
        after = [dict(zip(b[0], r, strict=True)) for r in b[1:]]
        for column in IMPORTED + DERIVED:
            assert [r[column] for r in before] == [r[column] for r in after], column
        empty = "" if fmt == "csv" else None
        # the 405 case (drive_405: plan fee 3,300,000 → subsidy 2,000,000, half held back) has money
        # before; after the import it has none until its claims are recorded again
        yen = (lambda v: v) if fmt == "xlsx" else int
        assert [yen(before[0][m]) for m in MONEY] == [2_000_000, 1_000_000, 1_000_000]
        assert [after[0][m] for m in MONEY] == [empty] * 3
        # the values a round trip must keep (checked above) are really there to keep
        assert before[0]["代表認定支援機関のメール"] == "office@minato-tax.example.jp"
        assert (
            before[0]["代表認定支援機関の種別"] == "税理士" and before[0]["代表認定支援機関の認定"] == "はい"
        )
        assert (
            yen(before[0]["実施済みの伴走支援（回）"]) == 1 and before[1]["実施済みの伴走支援（回）"] == empty
        )
        history = other.ok("case", "history", imported["cases"][0])
        assert [h["event"] for h in history] == ["import"] and "imported from" in history[0]["note"]
        adviser = next(o for o in other.ok("org", "list") if o["name"] == "みなと税理士法人")
        assert (adviser["email"], adviser["kind"], adviser["certified"]) == (
            "office@minato-tax.example.jp",
            "tax_accountant",
            True,
        )
        sessions = other.ok("case", "show", imported["cases"][0])["monitoring"]
        assert [s["status"] for s in sessions] == ["held"] + ["scheduled"] * 5  # 36 months / 6 = 6 sessions
        # the imported 13-2026-0001 and 13-2026-0002 are taken: the next case of council 13 in FY 2026 is 0003
        company = other.ok("case", "show", imported["cases"][1])["company"]["id"]
        opened = other.ok(
            "case",
            "open",
            "--program",
            "early",
            "--council",
            "13",
            "--company",
            str(company),
            "--support-org",
            str(adviser["id"]),
            "--on",
            "2026-06-01",
        )
        assert opened["id"] == "13-2026-0003"


def _write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


HEADER = [
    "案件番号",
    "事業",
    "枠",
    "協議会",
    "事業者",
    "法人番号",
    "決算月",
    "状態コード",
    "状態の開始日",
    "担当",
    "代表認定支援機関",
    "金融機関",
    "メイン行",
    "受付日",
    "利用決定日",
    "計画日",
]


def test_import_cp932_file_computes_schedules_from_plan_dates(cli: Cli, world: World, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    _write_csv(
        path,
        [
            HEADER,
            [
                "",
                "405",
                "regular",
                "13",
                "髙橋精機株式会社",
                "",
                "3",
                "monitoring",
                "2026-05-10",
                "sato",
                "みなと税理士法人",
                "さくら銀行・東都信用金庫（保証付）",
                "さくら銀行",
                "2025-04-01",
                "2025-04-20",
                "2026-04-15",
            ],
        ],
        encoding="cp932",
    )
    result = cli.ok("import", "cases", str(path))
    (cid,) = result["cases"]
    shown = cli.ok("case", "show", cid)
    assert shown["company"]["name"] == "髙橋精機株式会社" and shown["state"] == "monitoring"
    # DOMAIN.md §8: plan date 2026-04-15, I = 6 → six sessions, the last nominally 2029-04-15
    assert [s["nominal_due_on"] for s in shown["monitoring"]] == [
        "2026-10-15",
        "2027-04-15",
        "2027-10-15",
        "2028-04-15",
        "2028-10-15",
        "2029-04-15",
    ]
    assert [x["name"] for x in shown["lenders"]] == ["さくら銀行", "東都信用金庫"]
    assert [x["guaranteed"] for x in shown["lenders"]] == [False, True]


def test_bad_rows_import_nothing_and_are_all_reported(cli: Cli, world: World, tmp_path: Path) -> None:
    before = cli.ok("case", "list")
    path = tmp_path / "ledger.csv"
    good = [
        "",
        "early",
        "standard",
        "13",
        "良い株式会社",
        "",
        "3",
        "drafting",
        "2026-05-10",
        "sato",
        "みなと税理士法人",
        "さくら銀行",
        "さくら銀行",
        "2026-04-01",
        "2026-05-10",
        "",
    ]
    _write_csv(
        path,
        [
            HEADER,
            good,
            ["", "999", "", "13", "x", "", "3", "drafting", "2026-05-10", "", "a", "", "", "", "", ""],
            [
                "",
                "early",
                "standard",
                "13",
                "y",
                "1180301018772",
                "13",
                "drafting",
                "2026/13/01",
                "nobody",
                "a",
                "",
                "",
                "",
                "",
                "",
            ],
            [
                "",
                "405",
                "regular",
                "99",
                "z",
                "",
                "3",
                "agreed",
                "2026-05-10",
                "",
                "a",
                "",
                "",
                "",
                "2026-04-01",
                "",
            ],
        ],
    )
    result = cli("import", "cases", str(path), "--format", "json")
    assert result.code == 2
    details = result.json["details"]
    assert any(d.startswith("row 3:") and "事業" in d for d in details)
    row4 = [d for d in details if d.startswith("row 4:")]
    assert any("check digit" in d for d in row4) and any("決算月" in d for d in row4)
    assert any("状態の開始日" in d for d in row4) and any("nobody" in d for d in row4)
    assert any(d.startswith("row 5:") and "協議会" in d for d in details)
    assert not any(d.startswith("row 2:") for d in details)
    assert cli.ok("case", "list") == before  # all or nothing
    assert cli("import", "cases", str(path), "--dry-run").code == 2
    _write_csv(path, [HEADER, good])
    dry = cli.ok("import", "cases", str(path), "--dry-run")
    assert dry == {**dry, "rows": 1, "imported": 0}
    assert cli.ok("case", "list") == before


def test_garbled_and_broken_files_are_bad_input(cli: Cli, tmp_path: Path) -> None:
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(bytes(range(128, 256)) * 4)
    result = cli("import", "cases", str(garbled))
    assert result.code == 2 and result.err.startswith("error:") and "cp932" in result.err
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"PK\x03\x04not really a zip")
    assert cli("import", "cases", str(fake)).code == 2
    missing = tmp_path / "cols.csv"
    _write_csv(missing, [["事業者", "事業"], ["a", "early"]])
    result = cli("import", "cases", str(missing))
    assert result.code == 2 and "missing column" in result.err
    assert cli("import", "cases", str(tmp_path / "nope.csv")).code == 2


def test_shipped_template_imports(cli: Cli, world: World, tmp_path: Path) -> None:
    """The template has every column of `export cases`, in the same order, and its rows import."""
    template = Path(__file__).resolve().parents[2] / "templates" / "import" / "cases.csv"
    result = cli.ok("import", "cases", str(template), "--dry-run")
    assert result["rows"] == 2
    header = _csv_rows(template.read_bytes())[0]
    assert header == _csv_rows(_export(cli, tmp_path, "cases"))[0]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_names_round_trip_exactly(
    cli: Cli, world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    """The CSV export writes '=SUM(1+1) (defused); importing that file gives back =SUM(1+1): the one
    apostrophe before = + - @ TAB CR is the export's, not the name's. A name that really starts with
    an apostrophe keeps it (the export doubles it when a dangerous character follows)."""
    adviser = cli.ok("org", "add", "--name", "@相談所", "--kind", "other", "--certified")["id"]
    names = ["=SUM(1+1)", "-税理士", "'引用符商店", "'+1"]
    for name in names:
        company = cli.ok("company", "add", "--name", name, "--fiscal-year-end-month", "3")["id"]
        cli.ok(
            "case",
            "open",
            "--program",
            "early",
            "--council",
            "13",
            "--company",
            str(company),
            "--support-org",
            str(adviser),
            "--on",
            "2026-04-01",
        )
    first = tmp_path / f"first.{fmt}"
    assert cli("export", "cases", "--format", fmt, "--out", str(first)).code == 0
    if fmt == "csv":
        header, *rows = _csv_rows(first.read_bytes())
        assert [dict(zip(header, r, strict=True))["事業者"] for r in rows] == [
            "'=SUM(1+1)",
            "'-税理士",
            "'引用符商店",
            "''+1",
        ]
    other = Cli(f"sqlite:///{tmp_path / 'other.db'}", capsys).setup()
    imported = other.ok("import", "cases", str(first))
    shown = [other.ok("case", "show", cid) for cid in imported["cases"]]
    assert [s["company"]["name"] for s in shown] == names
    assert {o["name"] for o in other.ok("org", "list")} == {"@相談所"}
    again = tmp_path / f"again.{fmt}"
    assert other("export", "cases", "--format", fmt, "--out", str(again)).code == 0
    if fmt == "csv":
        assert again.read_bytes() == first.read_bytes()
    else:
        rows_a = list(openpyxl.load_workbook(first).active.iter_rows(values_only=True))
        rows_b = list(openpyxl.load_workbook(again).active.iter_rows(values_only=True))
        assert rows_a == rows_b


LAYOUT = [
    "事業",
    "枠",
    "協議会",
    "事業者",
    "決算月",
    "状態コード",
    "状態の開始日",
    "担当",
    "代表認定支援機関",
    "代表認定支援機関のメール",
    "代表認定支援機関の種別",
    "代表認定支援機関の認定",
    "金融機関",
    "メイン行",
    "受付日",
    "利用決定日",
    "計画日",
    "伴走支援の間隔（月）",
    "実施済みの伴走支援（回）",
]


def _monitoring_row(held: str, company: str = "伴走株式会社") -> list[str]:
    # 405 accepted 2024-03-01, plan date 2024-04-15, every 6 months over 36: due 2024-10-15 (Tue),
    # 2025-04-15 (Tue), 2025-10-15 (Wed), 2026-04-15 (Wed), 2026-10-15 (Thu), 2027-04-15 (Thu); no moves
    return [
        "405",
        "regular",
        "13",
        company,
        "3",
        "monitoring",
        "2024-11-01",
        "sato",
        "新しい税理士法人",
        "new@tax.example.jp",
        "tax_accountant",
        "はい",
        "さくら銀行（保証付）・東都信用金庫",
        "さくら銀行",
        "2024-02-01",
        "2024-03-01",
        "2024-04-15",
        "6",
        held,
    ]


def test_sessions_held_before_the_import_raise_no_overdue_findings(
    cli: Cli, world: World, tmp_path: Path
) -> None:
    """Today 2026-11-25. Without 実施済みの伴走支援（回） every past session is overdue; with 4, only the fifth
    (due 2026-10-15: 16 days to 10-31 + 25 = 41 days late) is."""
    path = tmp_path / "ledger.csv"
    _write_csv(path, [LAYOUT, _monitoring_row(""), _monitoring_row("4", "伴走二号株式会社")])
    plain, held = cli.ok("import", "cases", str(path))["cases"]
    found = cli.ok("audit", "stalled", "--code", "monitoring_overdue")
    assert sorted(f["since"] for f in found if f["case"] == plain) == [
        "2024-10-15",
        "2025-04-15",
        "2025-10-15",
        "2026-04-15",
        "2026-10-15",
    ]
    assert [(f["since"], f["days"]) for f in found if f["case"] == held] == [("2026-10-15", 41)]
    sessions = cli.ok("case", "show", held)["monitoring"]
    assert [(s["seq"], s["status"], s["held_on"]) for s in sessions] == [
        (1, "held", None),
        (2, "held", None),
        (3, "held", None),
        (4, "held", None),
        (5, "scheduled", None),
        (6, "scheduled", None),
    ]
    # the adviser the rows name is registered with the rows' e-mail, kind and certified flag
    adviser = next(o for o in cli.ok("org", "list") if o["name"] == "新しい税理士法人")
    assert (adviser["email"], adviser["kind"], adviser["certified"], adviser["is_bank"]) == (
        "new@tax.example.jp",
        "tax_accountant",
        True,
        False,
    )


def test_more_sessions_held_than_the_schedule_has_is_refused(cli: Cli, world: World, tmp_path: Path) -> None:
    """The schedule above has 6 sessions: 7 is refused, and so is any count for a case without a plan date."""
    path = tmp_path / "ledger.csv"
    drafting = [
        "405",
        "regular",
        "13",
        "計画中株式会社",
        "3",
        "drafting",
        "2026-05-01",
        "",
        "みなと税理士法人",
        "",
        "",
        "",
        "",
        "",
        "2026-04-01",
        "2026-05-01",
        "",
        "",
        "1",
    ]
    _write_csv(
        path,
        [
            LAYOUT,
            _monitoring_row("6"),
            _monitoring_row("7", "七回株式会社"),
            drafting,
            _monitoring_row("二", "漢数字株式会社"),
        ],
    )
    before = cli.ok("case", "list")
    result = cli("import", "cases", str(path), "--format", "json")
    assert result.code == 2
    details = result.json["details"]
    assert not any(d.startswith("row 2:") for d in details)
    assert any(d.startswith("row 3:") and "only 6 session" in d for d in details)
    assert any(d.startswith("row 4:") and "no monitoring sessions" in d for d in details)
    assert any(d.startswith("row 5:") and "実施済みの伴走支援" in d for d in details)
    assert cli.ok("case", "list") == before


def test_a_registered_adviser_is_matched_by_name(cli: Cli, world: World, tmp_path: Path) -> None:
    """みなと税理士法人 is registered (office@minato-tax.example.jp): a row naming it with another e-mail
    uses the registered organisation as it is; no second one is created."""
    path = tmp_path / "ledger.csv"
    row = _monitoring_row("")
    row[8:12] = ["みなと税理士法人", "other@example.jp", "cpa", "いいえ"]
    _write_csv(path, [LAYOUT, row])
    orgs_before = cli.ok("org", "list")
    (cid,) = cli.ok("import", "cases", str(path))["cases"]
    assert cli.ok("org", "list") == orgs_before
    assert [s["name"] for s in cli.ok("case", "show", cid)["support_orgs"]] == ["みなと税理士法人"]


def _good_row(name: str) -> list[str]:
    return [
        "",
        "early",
        "standard",
        "13",
        name,
        "",
        "3",
        "consultation",
        "2026-05-10",
        "",
        "みなと税理士法人",
        "",
        "",
        "",
        "",
        "",
    ]


def _lines(rows: list[list[str]], encoding: str) -> list[bytes]:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return [line + b"\r\n" for line in buf.getvalue().encode(encoding).split(b"\r\n")[:-1]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_undecodable_bytes_are_reported_by_row(cli: Cli, world: World, tmp_path: Path, encoding: str) -> None:
    """Header = row 1, five good rows (2–6), then row 7 with the bytes 85 20: 0x85 starts no UTF-8
    character, and in cp932 a lead byte 0x85 needs a second byte of 0x40 or more (0x20 is a space)."""
    lines = _lines([HEADER] + [_good_row(f"良品{n}株式会社") for n in range(2, 7)], encoding)
    bad = _lines([_good_row("壊れ株式会社")], "cp932" if encoding == "cp932" else "utf-8")[0]
    lines.append(bad.replace("壊れ".encode("cp932" if encoding == "cp932" else "utf-8"), b"\x85 "))
    path = tmp_path / "garbled.csv"
    path.write_bytes(b"".join(lines))
    before = cli.ok("case", "list")
    result = cli("import", "cases", str(path))
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    if encoding == "utf-8-sig":
        assert "row 7: bytes 85 are not UTF-8" in result.err, result.err
    else:
        assert "row 7: bytes 85 are neither UTF-8 nor cp932" in result.err, result.err
    assert "row 2" not in result.err and "row 6" not in result.err
    assert cli.ok("case", "list") == before


def test_a_row_in_the_other_encoding_is_named(cli: Cli, world: World, tmp_path: Path) -> None:
    """A cp932 file whose row 3 was pasted in as UTF-8; a quoted cell with a line break in row 2 makes
    row 3 the file's fourth line, and the message counts rows as the import does. (株式会社あ in UTF-8
    ends in e3 81 82: cp932 reads e3 81 as one character, then 82 needs a second byte, and ',' is none.
    UTF-8 text that happens to be valid cp932 cannot be told apart, and imports as garbled names.)"""
    first = _good_row("改行\n入り株式会社")
    lines = _lines([HEADER, first], "cp932") + _lines([_good_row("株式会社あ")], "utf-8")
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(lines))
    result = cli("import", "cases", str(path), "--format", "json")
    assert result.code == 2
    assert result.json["details"] == ["row 3 is UTF-8 text but the rest of the file is cp932 (Shift_JIS)"]


def test_mojibake_header_lists_the_expected_headers(cli: Cli, world: World, tmp_path: Path) -> None:
    """UTF-8 text once read as cp932 and saved again: it decodes, but no header is one of the layout."""
    garbled = [[h.encode("utf-8").decode("cp932", errors="replace") for h in HEADER], _good_row("株式会社")]
    path = tmp_path / "mojibake.csv"
    _write_csv(path, garbled)
    result = cli("import", "cases", str(path))
    assert result.code == 2 and len(result.err.strip().splitlines()) == 1
    assert "header row (row 1) does not match the layout" in result.err
    for header in ("案件番号", "事業", "状態コード", "代表認定支援機関", "実施済みの伴走支援（回）"):
        assert header in result.err
    assert "missing column" not in result.err

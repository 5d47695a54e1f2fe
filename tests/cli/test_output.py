"""Table and CSV output sanity (CLI.md: --format table|json|csv, table by default)."""

from __future__ import annotations

import csv
import io

from tests.cli.helpers import adv, drive_405, open_case, open_early
from tests.conftest import Cli, World


def test_case_show_table_names_company_and_japanese_state(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    result = cli("case", "show", cid)
    assert result.code == 0 and result.err == ""
    assert cid in result.out
    assert "株式会社みどり工房" in result.out
    assert "事前相談" in result.out  # consultation
    adv(cli, cid, "withdraw", "2026-04-05", "--reason", "取下げ")
    out = cli("case", "show", cid).out
    assert "取下げ" in out and "事前相談" not in out  # withdrawn


def test_case_show_table_explains_closed_day_move(cli: Cli, world: World) -> None:
    # plan date 2026-11-03: session 1 nominally 2027-05-03 (憲法記念日) is due 2027-05-06
    cid = drive_405(cli, world, "agreed")
    out = cli("case", "show", cid).out
    assert "全行同意" in out  # agreed
    line = next(x for x in out.splitlines() if "2027-05-06" in x and "2027-05-03" in x)
    assert line


def test_case_list_csv_has_header_row(cli: Cli, world: World) -> None:
    open_early(cli, world)
    open_case(
        cli,
        "405",
        company=world.company_dec,
        support=[world.tax],
        lenders=[f"{world.bank_main}:main", str(world.bank_second)],
        on="2026-05-01",
    )
    result = cli("case", "list", "--format", "csv")
    assert result.code == 0
    rows = list(csv.reader(io.StringIO(result.out)))
    header, data = rows[0], rows[1:]
    assert "id" in header and "state" in header and "program" in header
    assert len(data) == 2
    by_id = {r[header.index("id")]: dict(zip(header, r, strict=True)) for r in data}
    assert by_id["13-2026-0001"]["state"] == "consultation"
    assert by_id["13-2026-0002"]["program"] == "405"


def test_case_list_table_and_json_agree(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    rows = cli.ok("case", "list")
    assert [r["id"] for r in rows] == [cid]
    table = cli("case", "list")
    assert table.code == 0 and cid in table.out and "喫茶" not in table.out


def test_row_encoder_writes_what_json_dumps_writes() -> None:
    """The list writer's encoder (the C encoder built once) gives, row for row, exactly the text of
    ``json.dumps(row, ensure_ascii=False)`` with the CLI's date rules: dates as ISO days, times in UTC
    with Z, Japanese unescaped, quotes and control characters escaped."""
    import datetime as dt
    import json

    from casetrack.cli.output import _default, row_encoder

    rows = [
        {
            "case": "13-2026-0001",
            "since": dt.date(2026, 11, 3),
            "days": 12,
            "level": "overdue",
            "coordinator": None,
            "message": '「協議中」のまま95日経過しています（目安90日）。同意書が未提出の金融機関：さくら銀行、"みなと"信金',
        },
        {
            "at": dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=9))),
            "ok": True,
            "amount": 1_234_567,
            "rate": 0.5,
            "tab\tand\nnewline": ["a", 1, None, {"k": "\\"}],
            "nan": float("inf"),
        },
        [],
        {},
    ]
    encode = row_encoder()
    for row in rows:
        assert encode(row) == json.dumps(row, ensure_ascii=False, default=_default)
    assert encode(rows[1]).startswith('{"at": "2026-11-25T00:30:00Z", "ok": true')

"""write_xlsx as a reader of the file sees it: the header, the cell types and formats, the column
widths, the frozen header and the print layout; written in openpyxl's write-only mode, so the sheet is
never held in memory (the rows measured for the widths wait in a spool, on disk past its limit)."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
from typing import Any

import openpyxl
import pytest

from casetrack.exchange import writers
from casetrack.exchange.writers import WAREKI_FORMAT, YEN_FORMAT, Column, write_xlsx

COLUMNS = [
    Column("id", "案件番号"),
    Column("name", "事業者"),
    Column("on", "受付日", "date"),
    Column("month", "決算月", "int"),
    Column("subsidy", "補助額", "yen"),
    Column("main", "メイン行"),
    Column("note", "備考"),
]
ROWS: list[dict[str, Any]] = [
    {
        "id": "13-2026-0001",
        "name": "株式会社みどり工房",
        "on": dt.date(2026, 4, 1),
        "month": 3,
        "subsidy": 2_000_000,
        "main": True,
        "note": "=1+1",
    },
    {
        "id": "13-2026-0002",
        "name": "喫茶\x1bひまわり",
        "on": dt.datetime(2026, 5, 1, 9, 30),
        "month": 12,
        "subsidy": 0,
        "main": False,
        "note": "#N/A",
    },
    {
        "id": "13-2026-0003",
        "name": "長い社名" * 30,
        "on": "2026-06-01",
        "month": "三月",
        "subsidy": None,
        "main": None,
        "note": "@SUM(A1)",
    },
    {"id": "13-2026-0004"},
]


def _read(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def _write(rows: list[dict[str, Any]], columns: list[Column] = COLUMNS) -> bytes:
    out = io.BytesIO()
    assert write_xlsx(out, "案件", columns, iter(rows)) == len(rows)
    return out.getvalue()


def test_cells_formats_and_layout() -> None:
    ws = _read(_write(ROWS))
    assert ws.title == "案件" and ws.max_row == 5 and ws.max_column == 7
    header = list(ws[1])
    assert [c.value for c in header] == [c.header for c in COLUMNS] and all(c.font.bold for c in header)
    assert not any(c.font.bold for row in ws.iter_rows(min_row=2) for c in row)
    got = [[(c.value, c.data_type, c.number_format) for c in row] for row in ws.iter_rows(min_row=2)]
    general = "General"
    assert got[0] == [
        ("13-2026-0001", "s", general),
        ("株式会社みどり工房", "s", general),
        (dt.datetime(2026, 4, 1), "d", WAREKI_FORMAT),
        (3, "n", general),
        (2_000_000, "n", YEN_FORMAT),
        ("はい", "s", general),
        ("=1+1", "s", general),
    ]  # text, not a formula
    assert got[1][1:] == [
        ("喫茶\ufffdひまわり", "s", general),
        (dt.datetime(2026, 5, 1, 9, 30), "d", WAREKI_FORMAT),
        (12, "n", general),
        (0, "n", YEN_FORMAT),
        ("いいえ", "s", general),
        ("#N/A", "s", general),
    ]  # text, not an error value
    assert got[2][2:5] == [("2026-06-01", "s", general), ("三月", "s", general), (None, "n", general)]
    assert [v for v, _t, _f in got[3]] == ["13-2026-0004"] + [None] * 6
    widths = {k: v.width for k, v in ws.column_dimensions.items()}
    # the header (two columns a character) + 2, at least 8; a date 16; yen as shown (2,000,000円) + 2;
    # text as shown + 2, at most 50
    assert widths == {"A": 14, "B": 50, "C": 16, "D": 8, "E": 13, "F": 10, "G": 10}
    assert ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1"
    assert (ws.page_setup.orientation, ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (
        "landscape",
        1,
        0,
    )
    assert ws.sheet_properties.pageSetUpPr.fitToPage


def test_no_rows_is_a_header() -> None:
    ws = _read(_write([], [Column("a", "短")]))
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["短"]]
    assert ws.column_dimensions["A"].width == 8


def test_the_spool_on_disk_gives_the_same_file(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{**ROWS[n % 3], "id": f"13-2026-{n:04d}"} for n in range(50)]
    in_memory = _read(_write(rows))
    monkeypatch.setattr(writers, "SPOOL_BYTES", 1024)  # past the first batches: a temporary file
    monkeypatch.setattr(writers, "SPOOL_BATCH", 7)
    on_disk = _read(_write(rows))
    assert list(on_disk.iter_rows(values_only=True)) == list(in_memory.iter_rows(values_only=True))
    assert {k: v.width for k, v in on_disk.column_dimensions.items()} == {
        k: v.width for k, v in in_memory.column_dimensions.items()
    }


def test_the_sheet_is_not_held_in_memory() -> None:
    """3,000 rows × 7 columns: built in memory (openpyxl's normal mode) the sheet took ~7 MB at its
    peak; streamed, what stays is openpyxl's own and the spool of plain values."""
    rows = [{**ROWS[n % 3], "id": f"13-2026-{n:04d}"} for n in range(3000)]
    _write(rows[:10])  # openpyxl's modules and caches loaded before the count
    tracemalloc.start()
    try:
        _write(rows)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3_000_000, f"{peak / 1e6:.1f} MB"

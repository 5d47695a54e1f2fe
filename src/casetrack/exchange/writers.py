"""CSV (UTF-8 with BOM and CRLF, or cp932) and xlsx (openpyxl) writers.

Text cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a CR are never run as formulas: in
CSV they get a leading apostrophe (also when apostrophes come before that character, so the reader can
take exactly one away again), in xlsx they are stored as explicit strings. In xlsx a character
XML cannot hold (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) becomes U+FFFD. Dates are
real date cells in xlsx, shown in 和暦; yen get thousands separators.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import pickle
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

from ..errors import BadInput

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
WAREKI_FORMAT = '[$-411]ggge"年"m"月"d"日"'  # 令和8年4月1日 (Excel and LibreOffice)
YEN_FORMAT = '#,##0"円"'
SPOOL_BYTES = 16 * 1024 * 1024  # the rows measured for the widths, kept in memory up to this, then on disk
SPOOL_BATCH = 1000  # rows per pickle
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # Japanese
    kind: str = "text"  # text | date | yen | int


def _formula_like(text: str) -> bool:
    """Starts with a dangerous character, after any apostrophes."""
    return text.lstrip("'").startswith(DANGEROUS)


def defuse(text: str) -> str:
    """One more leading apostrophe for text that starts, after any apostrophes, with a dangerous
    character (``=1`` → ``'=1``, ``'=1`` → ``''=1``), so :func:`undefuse` gives every text back."""
    return "'" + text if _formula_like(text) else text


def undefuse(text: str) -> str:
    """The reverse of :func:`defuse`, on import: one leading apostrophe before a dangerous character
    (after any further apostrophes) is the export's and goes; other apostrophes are the text's."""
    return text[1:] if text.startswith("'") and _formula_like(text[1:]) else text


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_csv(
    out: BinaryIO, columns: Sequence[Column], rows: Iterable[dict[str, Any]], encoding: str = "utf-8"
) -> int:
    """Write CSV; UTF-8 gets a BOM so Excel opens it; every line ends in CRLF. Returns the row count."""
    utf8 = encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
    codec = "utf-8" if utf8 else encoding
    if utf8:
        out.write(codecs.BOM_UTF8)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    count = 0

    def flush(line_no: int) -> None:  # line_no: the spreadsheet row, header = 1 (as the import counts)
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        try:
            out.write(text.encode(codec))
        except UnicodeEncodeError as exc:
            bad = text[exc.start : exc.end]
            raise BadInput(
                f"row {line_no} (the header is row 1) cannot be written in {encoding}: the character "
                f"{bad!r} (U+{ord(bad[0]):04X}) has no {encoding} code; use the default UTF-8",
                ja=[
                    f"{line_no}行目（見出しが1行目）は {encoding} で書けません：文字 {bad!r}（U+{ord(bad[0]):04X}）に {encoding} の符号がありません。既定の UTF-8 を使ってください。"
                ],
            ) from None

    writer.writerow([c.header for c in columns])
    flush(1)
    for count, row in enumerate(rows, start=1):
        writer.writerow([defuse(_text(row.get(c.key))) for c in columns])
        flush(count + 1)
    return count


def _display_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _measured(columns: Sequence[Column], row: dict[str, Any], widths: list[int]) -> list[Any]:
    """The row's cell values as they are written — dates, yen and counts as they are, anything else as
    text XML can hold — widening ``widths`` to fit them."""
    values: list[Any] = []
    for i, col in enumerate(columns):
        value = row.get(col.key)
        if value is None:
            pass
        elif col.kind == "date" and isinstance(value, dt.date):
            widths[i] = max(widths[i], 16)
        elif col.kind in ("yen", "int") and isinstance(value, int):
            shown = f"{value:,}円" if col.kind == "yen" else str(value)  # too narrow: Excel shows ###
            widths[i] = max(widths[i], _display_width(shown) + 2)
        else:
            value = NOT_XML.sub("\ufffd", _text(value))  # openpyxl refuses ESC; U+FFFF breaks the file
            widths[i] = max(widths[i], min(_display_width(value) + 2, 50))
        values.append(value)
    return values


def _spool(rows: Iterable[list[Any]], spool: IO[bytes]) -> int:
    count = 0
    batch: list[list[Any]] = []
    for values in rows:
        count += 1
        batch.append(values)
        if len(batch) == SPOOL_BATCH:
            pickle.dump(batch, spool, pickle.HIGHEST_PROTOCOL)
            batch = []
    if batch:
        pickle.dump(batch, spool, pickle.HIGHEST_PROTOCOL)
    spool.seek(0)
    return count


def _unspool(spool: IO[bytes]) -> Iterator[list[Any]]:
    while True:
        try:
            yield from pickle.load(spool)
        except EOFError:
            return


def write_xlsx(
    path: Path | BinaryIO, sheet: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> int:
    """One sheet: a bold header row, frozen and printed on every page (landscape, one page wide), then
    the rows; each column as wide as its longest value (text: up to 50). openpyxl's write-only mode
    streams the cells into the file instead of building the sheet in memory, but needs the column
    widths before the first row: the rows are read once to measure them, kept meanwhile as plain cell
    values (in memory up to SPOOL_BYTES, past that in a temporary file), then written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, TYPE_STRING
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    widths = [max(_display_width(c.header) + 2, 8) for c in columns]
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        count = _spool((_measured(columns, row, widths) for row in rows), spool)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet)
        ws.freeze_panes = "A2"
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_title_rows = "1:1"
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w

        def cell(
            value: Any, *, number_format: str | None = None, text: bool = False, bold: bool = False
        ) -> Any:
            made = WriteOnlyCell(ws, value=value)
            if number_format:
                made.number_format = number_format
            if text:
                made.data_type = TYPE_STRING
            if bold:
                made.font = Font(bold=True)
            return made

        ws.append([cell(c.header, bold=True) for c in columns])
        kinds = [c.kind for c in columns]
        for values in _unspool(spool):
            for i, value in enumerate(values):  # plain values need no cell of their own
                if isinstance(value, str):
                    if value.startswith("=") or value in ERROR_CODES:  # never a formula or an error value
                        values[i] = cell(value, text=True)
                elif kinds[i] == "date" and isinstance(value, dt.date):
                    values[i] = cell(value, number_format=WAREKI_FORMAT)
                elif kinds[i] == "yen" and isinstance(value, int):
                    values[i] = cell(value, number_format=YEN_FORMAT)
            ws.append(values)
        wb.save(path)
    return count

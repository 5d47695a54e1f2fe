"""Reading spreadsheets: CSV (UTF-8, UTF-8 with BOM or cp932, detected) and xlsx. A CSV cell that
starts with an apostrophe followed by ``=``, ``+``, ``-``, ``@``, a tab or a CR (after any further
apostrophes) is read without that one apostrophe: it is how the CSV export defuses formula-like text
(see writers.py). xlsx cells are read as they are: the xlsx export stores such text as plain strings."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from ..errors import BadInput
from .writers import undefuse


def decode(data: bytes, path: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    for codec in ("utf-8", "cp932"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    raise BadInput(f"{path}: neither UTF-8 nor cp932 (Shift_JIS) text; save it as CSV UTF-8 or xlsx")


def read_table(path: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """(headers, [(spreadsheet row number, {header: value})]) from a CSV or xlsx file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    if data.startswith(b"PK\x03\x04"):
        return _xlsx(data, path)
    text = decode(data, path)
    if "\x00" in text:
        raise BadInput(f"{path}: not a text file (NUL bytes); expected CSV or xlsx")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise BadInput(f"{path}: not readable as CSV: {exc}") from None
    if not rows:
        raise BadInput(f"{path} is empty")
    headers = [h.strip() for h in rows[0]]
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(headers):
            out.append((n, {"__error__": f"{len(row)} cells but {len(headers)} headers"}))
            continue
        out.append((n, {h: (undefuse(row[i].strip()) if i < len(row) else "") for i, h in enumerate(headers)}))
    return headers, out


def _xlsx(data: bytes, path: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise BadInput(f"{path}: not a readable xlsx file ({type(exc).__name__})") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        headers = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise BadInput(f"{path} is empty") from None
    out = []
    for n, row in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in row):
            continue
        record = {}
        for i, h in enumerate(headers):
            value = row[i] if i < len(row) else None
            if isinstance(value, dt.datetime):
                value = value.date()
            record[h] = "" if value is None else value
        out.append((n, record))
    wb.close()
    return headers, out

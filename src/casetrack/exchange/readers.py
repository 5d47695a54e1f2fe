"""Reading spreadsheets: CSV (UTF-8, UTF-8 with BOM or cp932, detected) and xlsx. A CSV cell that
starts with an apostrophe followed by ``=``, ``+``, ``-``, ``@``, a tab or a CR (after any further
apostrophes) is read without that one apostrophe: it is how the CSV export defuses formula-like text
(see writers.py). xlsx cells are read as they are: the xlsx export stores such text as plain strings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from ..errors import BadInput
from .writers import undefuse

CODECS = {"utf-8": "UTF-8", "cp932": "cp932 (Shift_JIS)"}
ESCAPED = re.compile("[\udc80-\udcff]")  # bytes a codec could not decode (errors="surrogateescape")
SHOWN_ROWS = 5


def _records(text: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return []


def _header_known(text: str, known: Collection[str]) -> bool:
    if not known:
        return True
    first = next(csv.reader(io.StringIO(text[:65536], newline="")), [])
    return any(cell.strip() in known for cell in first)


def _escaped(cells: Sequence[str]) -> bytes:
    return bytes(ord(ch) - 0xDC00 for cell in cells for ch in ESCAPED.findall(cell))


def decode(data: bytes, path: str, known: Collection[str] = ()) -> str:
    """The text of a CSV file in UTF-8 (with or without BOM) or cp932. The encoding whose header row
    has ``known`` headers wins, then the one that decodes everything. A file no encoding decodes
    whole is refused naming the first rows (header = row 1) that do not decode, and their bytes."""
    bom = data.startswith(b"\xef\xbb\xbf")
    body = data[3:] if bom else data
    codecs = ("utf-8",) if bom else tuple(CODECS)
    ranked = []
    for n, codec in enumerate(codecs):
        text = body.decode(codec, errors="surrogateescape")
        clean = ESCAPED.search(text) is None
        if clean and _header_known(text, known):
            return text
        ranked.append((not _header_known(text, known), not clean, n, codec, text))
    ranked.sort(key=lambda r: r[:3])
    *_, codec, text = ranked[0]
    if ESCAPED.search(text) is None:
        return text  # decodes, but the header is not the expected one: the caller says so
    others = [c for c in codecs if c != codec]
    problems = []
    for row, cells in enumerate(_records(text), start=1):
        bad = _escaped(cells)
        if not bad:
            continue
        raw = b"\x00".join(cell.encode(codec, errors="surrogateescape") for cell in cells)
        fits = next((c for c in others if _decodes(raw, c)), None)
        if fits:
            problems.append(f"row {row} is {CODECS[fits]} text but the rest of the file is {CODECS[codec]}")
        else:
            shown = " ".join(f"{b:02x}" for b in bad[:8]) + (" …" if len(bad) > 8 else "")
            what = (
                "are not UTF-8 (the file starts with a UTF-8 BOM)" if bom else "are neither UTF-8 nor cp932"
            )
            problems.append(f"row {row}: bytes {shown} {what}")
    if not problems:  # the escaped bytes broke the CSV structure itself
        problems.append(f"bytes that are neither UTF-8 nor cp932 (first at byte {_first_bad(body, codec)})")
    more = f"; … {len(problems) - SHOWN_ROWS} more row(s)" if len(problems) > SHOWN_ROWS else ""
    raise BadInput(
        f"{path}: not readable as text; nothing imported: "
        + "; ".join(problems[:SHOWN_ROWS])
        + more
        + "; save the whole file as CSV UTF-8 or xlsx",
        problems,
        ja=[
            f"{path} は文字として読めない行があるため、何も取り込んでいません。ファイル全体を CSV UTF-8 か xlsx で保存し直してください（"
            + "; ".join(problems[:SHOWN_ROWS])
            + more
            + "）。"
        ],
    )


def _decodes(raw: bytes, codec: str) -> bool:
    try:
        raw.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _first_bad(body: bytes, codec: str) -> int:
    try:
        body.decode(codec)
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def read_table(path: str, known: Collection[str] = ()) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """(headers, [(spreadsheet row number, {header: value})]) from a CSV or xlsx file; ``known``
    headers help tell a CSV file's encoding."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise BadInput(
            f"cannot read {path}: {exc.strerror}", ja=[f"ファイル {path} を読めません（{exc.strerror}）。"]
        ) from None
    if data.startswith(b"PK\x03\x04"):
        return _xlsx(data, path)
    text = decode(data, path, known)
    if "\x00" in text:
        raise BadInput(
            f"{path}: not a text file (NUL bytes); expected CSV or xlsx",
            ja=[f"{path} はテキストファイルではありません（NUL を含みます）。CSV か xlsx にしてください。"],
        )
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise BadInput(
            f"{path}: not readable as CSV: {exc}", ja=[f"{path} を CSV として読めません（{exc}）。"]
        ) from None
    if not rows:
        raise BadInput(f"{path} is empty", ja=[f"{path} は空です。"])
    headers = [h.strip() for h in rows[0]]
    out = []
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(headers):
            out.append(
                (
                    n,
                    {
                        "__error__": f"{len(row)} cells but {len(headers)} headers",
                        "__error_ja__": f"セルが{len(row)}個ありますが、見出しは{len(headers)}個です",
                    },
                )
            )
            continue
        out.append(
            (n, {h: (undefuse(row[i].strip()) if i < len(row) else "") for i, h in enumerate(headers)})
        )
    return headers, out


def _xlsx(data: bytes, path: str) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise BadInput(
            f"{path}: not a readable xlsx file ({type(exc).__name__})",
            ja=[f"{path} は読める xlsx ファイルではありません（{type(exc).__name__}）。"],
        ) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        headers = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        raise BadInput(f"{path} is empty", ja=[f"{path} は空です。"]) from None
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

"""Output: json (one document), csv, or a table readable in a Japanese terminal."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import click

FORMATS = ("table", "json", "csv")
STREAM_CHUNK = 1000  # rows written at once by emit_stream (one write per row costs more than encoding it)


def none_line() -> str:
    """What an empty list prints (on stderr) in a table."""
    from .options import say

    return say("（該当なし）", "(none)")


def told(fmt: str, ja: str) -> None:
    """Say what was done, in Japanese, above a table (``--lang ja`` only: the English output stays as it
    was, the record alone)."""
    from .options import current_lang

    if fmt == "table" and current_lang() == "ja":
        click.echo(ja)


def _format_callback(ctx: click.Context, _param: click.Parameter, value: str) -> str:
    ctx.find_root().meta["casetrack.format"] = value
    return value


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        is_eager=True,
        callback=_format_callback,
        help="Output format.",
    )(func)


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def row_encoder() -> Callable[[Any], str]:
    """``json.dumps(row, ensure_ascii=False, default=…)`` for many rows: the C encoder built once
    (``json.dumps`` builds a new one per call, which costs more than encoding a small row)."""
    from json import encoder as std

    # typeshed does not declare c_make_encoder (None when the C accelerator is missing)
    make: Callable[..., Callable[[Any, int], Iterable[str]]] | None = getattr(std, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator
        return json.JSONEncoder(ensure_ascii=False, default=_default).encode
    encode = make(None, _default, std.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda row: "".join(encode(row, 0))


def to_json(data: Any) -> str:
    """One object is indented for people; a list is one row per line (the fast C encoder: big lists)."""
    if isinstance(data, list):
        if not data:
            return "[]"
        encode = row_encoder()
        return "[\n" + ",\n".join(encode(row) for row in data) + "\n]"
    return json.dumps(data, ensure_ascii=False, default=_default, indent=2)


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(cell(v) for v in value)
    return str(value)


def csv_cell(value: Any) -> str:
    """A CSV cell: as in tables, but whole numbers without thousands separators."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else cell(value)


def clipped(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` terminal columns (an ellipsis says it was cut)."""
    if limit is None or width(text) <= limit:
        return text
    out = ""
    for ch in text:
        if width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


TABLE_WIDTH = 120  # a default table fits this many terminal columns; --wide shows every column, uncut


@dataclass(frozen=True)
class Col:
    """A table column: the row key, the Japanese header people read, the widest it may be by default,
    and whether it is shown only with --wide."""

    key: str
    header: str
    limit: int | None = None
    wide_only: bool = False


def wide_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--wide", is_flag=True, help="Table: every column, nothing cut (wider than 120).")(
        func
    )


def people_table(rows: Sequence[dict[str, Any]], cols: Sequence[Col], wide: bool) -> str:
    """A table for people: Japanese headers, labels; by default the essential columns, long cells cut."""
    chosen = [c for c in cols if wide or not c.wide_only]
    return table(
        rows,
        [c.key for c in chosen],
        headers=[c.header for c in chosen],
        limits=None if wide else {c.key: c.limit for c in chosen},
    )


def table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    headers: Sequence[str] | None = None,
    limits: dict[str, int | None] | None = None,
) -> str:
    cut = limits or {}
    grid = [list(headers or columns)] + [[clipped(cell(r.get(c)), cut.get(c)) for c in columns] for r in rows]
    widths = [max(width(row[i]) for row in grid) for i in range(len(columns))]
    lines = []
    for n, row in enumerate(grid):
        lines.append("  ".join(v + " " * (widths[i] - width(v)) for i, v in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def emit(
    data: Any, fmt: str, columns: Sequence[str] | None = None, render: Callable[[Any], str] | None = None
) -> None:
    """Print ``data`` (a dict or a list of dicts) in ``fmt``."""
    if fmt == "json":
        click.echo(to_json(data))
        return
    rows = data if isinstance(data, list) else [data]
    if fmt == "csv":
        cols = list(columns or (rows[0].keys() if rows else []))
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(cols)
        for r in rows:
            writer.writerow([csv_cell(r.get(c)) for c in cols])
        sys.stdout.write(buf.getvalue())
        return
    if render is not None and not isinstance(data, list):
        click.echo(render(data))
        return
    if not isinstance(data, list):
        key_width = max((width(k) for k in data), default=0)
        click.echo("\n".join(f"{k}{' ' * (key_width - width(k))}  {cell(v)}" for k, v in data.items()))
        return
    if not rows:
        click.echo(none_line(), err=True)
        return
    click.echo(table(rows, list(columns or rows[0].keys())))


def emit_stream(rows: Iterator[dict[str, Any]], fmt: str, columns: Sequence[str]) -> int:
    """Write a list row by row (json: one row per line inside one array; csv), never all at once.
    Returns the number of rows."""
    out = sys.stdout
    count = 0
    if fmt == "json":
        encode = row_encoder()
        out.write("[")
        chunk: list[str] = []
        for count, row in enumerate(rows, start=1):
            chunk.append(("\n" if count == 1 else ",\n") + encode(row))
            if len(chunk) == STREAM_CHUNK:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk) + ("\n]\n" if count else "]\n"))
        return count
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        count += 1
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return count

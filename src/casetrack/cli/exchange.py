"""export (and, later, import)."""

from __future__ import annotations

import click

from .main import Globals, pass_globals


@click.command()
@click.argument("what", type=click.Choice(["cases", "monitoring", "findings"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", metavar="FILE", help="Write here (default for CSV: standard output).")
@click.option("--encoding", default="utf-8", show_default=True,
              help="CSV only: utf-8 (with BOM, for Excel) or cp932.")
@click.option("--council", "council_code", metavar="CODE")
@pass_globals
def export(g: Globals, what: str, fmt: str, out: str | None, encoding: str, council_code: str | None) -> None:
    """Export cases, monitoring sessions or audit findings for Excel (Japanese headers; dates in 和暦 in
    xlsx; yen with separators; cells that look like formulas are defused).

    \b
    Example:
      casetrack export cases --format xlsx --out cases.xlsx
      casetrack export monitoring --encoding cp932 > monitoring.csv
    """
    from .. import services

    result = services.export(g.context(), what, fmt=fmt, out=out, encoding=encoding, council=council_code)
    if out:
        click.echo(f"wrote {result['rows']} row(s) to {out}", err=True)


COMMANDS = [export]

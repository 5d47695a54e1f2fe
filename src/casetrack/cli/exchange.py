"""export (and, later, import)."""

from __future__ import annotations

import click

from .options import COUNCIL, Globals, pass_globals
from .output import emit, format_option


@click.command()
@click.argument("what", type=click.Choice(["cases", "monitoring", "findings"]))
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", metavar="FILE", help="Write here (default for CSV: standard output).")
@click.option(
    "--encoding", default="utf-8", show_default=True, help="CSV only: utf-8 (with BOM, for Excel) or cp932."
)
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE")
@click.option(
    "--redact",
    is_flag=True,
    help="Replace people's names (担当, 事業者) by pseudonyms, stable within this file only.",
)
@pass_globals
def export(
    g: Globals, what: str, fmt: str, out: str | None, encoding: str, council_code: str | None, redact: bool
) -> None:
    """Export cases, monitoring sessions or audit findings for Excel (Japanese headers; dates in 和暦 in
    xlsx; yen with separators; cells that look like formulas are defused).

    \b
    Example:
      casetrack export cases --format xlsx --out cases.xlsx
      casetrack export monitoring --encoding cp932 > monitoring.csv
      casetrack export cases --redact --out cases-redacted.csv

    Every export is recorded in the access log (casetrack audit access).
    """
    from .. import services

    result = services.export(
        g.context(), what, fmt=fmt, out=out, encoding=encoding, council=council_code, redact=redact
    )
    if out:
        from .options import say

        click.echo(
            say(f"{out} に {result['rows']}行を書き出しました。", f"wrote {result['rows']} row(s) to {out}"),
            err=True,
        )


@click.group("import")
def import_() -> None:
    """Bring a council's existing Excel ledger into casetrack."""


@import_.command("cases")
@click.argument("file", metavar="FILE")
@click.option("--dry-run", is_flag=True, help="Check every row; import nothing.")
@format_option
@pass_globals
def import_cases(g: Globals, file: str, dry_run: bool, fmt: str) -> None:
    """Import cases from CSV (UTF-8, UTF-8 with BOM or cp932) or xlsx in the layout of `export cases`
    (template: templates/import/cases.csv). All or nothing: any bad row → nothing imported and every
    bad row reported with its row number.

    \b
    Example:
      casetrack import cases ledger.xlsx --dry-run
    """
    from .. import services
    from ..services.importing import tty_progress

    result = services.import_cases(g.context(), file, dry_run=dry_run, progress=tty_progress)
    if fmt == "table":
        verb = "would import" if dry_run else "imported"
        from .options import say

        click.echo(
            say(
                f"{file} から案件 {result['rows']}件を"
                + ("取り込みます（試行：まだ取り込んでいません）。" if dry_run else "取り込みました。"),
                f"{verb} {result['rows']} case(s) from {file}",
            )
        )
    else:
        emit(result, fmt)


COMMANDS = [export, import_]

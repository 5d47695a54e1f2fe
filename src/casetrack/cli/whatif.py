"""whatif: what changed workflow files or extra closures would change for the open cases."""

from __future__ import annotations

import click

from .options import COUNCIL, Globals, pass_globals
from .output import Col, emit, format_option, people_table, row_encoder, wide_option

CHANGE_TABLE = [
    Col("case", "案件番号"),
    Col("council", "協議会", wide_only=True),
    Col("company", "事業者", 16),
    Col("what_label", "区分", 10),
    Col("ref_label", "対象", 26),
    Col("before_label", "変更前", 22),
    Col("after_label", "変更後", 22),
    Col("detail", "内容", wide_only=True),
]
CHANGE_CSV = [
    "case",
    "council",
    "company",
    "program",
    "what",
    "ref",
    "before",
    "after",
    "what_label",
    "ref_label",
    "before_label",
    "after_label",
]


@click.command("whatif")
@click.option(
    "--workflow",
    "workflow_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="A changed workflow file (repeatable): its program's rules replace the ones in force.",
)
@click.option(
    "--closure",
    "closures",
    multiple=True,
    metavar="DATE[:COUNCIL]",
    help="An extra closed day, of every council or of COUNCIL (repeatable).",
)
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE", help="Only this council's cases.")
@wide_option
@format_option
@pass_globals
def whatif(
    g: Globals,
    workflow_files: tuple[str, ...],
    closures: tuple[str, ...],
    council_code: str | None,
    wide: bool,
    fmt: str,
) -> None:
    """What a rule change would do to the open cases, before it is switched on: monitoring due dates,
    deadlines, whether the next events would pass, fee caps and payable amounts, and the audit's
    findings as of --today — with the changed workflow files and/or extra closed days. Reads only;
    writes nothing.

    \b
    Example:
      casetrack whatif --workflow new/early.yaml --closure 2027-05-06:13 --council 13
    """
    from .. import services

    result = services.whatif(
        g.context(), workflow_files=workflow_files, closures=closures, council=council_code
    )
    if fmt == "json":  # the changes one per line through the C encoder (tens of thousands at national size)
        encode = row_encoder()
        head = {k: v for k, v in result.items() if k != "changes"}
        rows = ",\n".join(encode(c) for c in result["changes"])
        click.echo(encode(head)[:-1] + ', "changes": [' + (f"\n{rows}\n" if rows else "") + "]}")
    elif fmt == "csv":
        emit(result["changes"], fmt, CHANGE_CSV)
    else:
        changes = result["changes"]
        click.echo(
            f"対象の案件 {result['cases_checked']:,}件、変更 {len(changes):,}件（{result['today']} 現在）"
        )
        if changes:
            click.echo(people_table(changes, CHANGE_TABLE, wide))


COMMANDS = [whatif]

"""audit stalled | verify | access, caseload."""

from __future__ import annotations

import datetime as dt

import click

from .options import COUNCIL, DATE, Globals, pass_globals
from .output import Col, emit, emit_stream, format_option, people_table, wide_option

FINDING_TABLE = [
    Col("case", "案件番号"),
    Col("council", "協議会", wide_only=True),
    Col("company", "事業者", 20),
    Col("state_label", "状態", 14),
    Col("code_label", "区分", 14),
    Col("level_label", "緊急度"),
    Col("since", "開始日", wide_only=True),
    Col("days", "日数"),
    Col("waiting_on_label", "対応待ち"),
    Col("coordinator", "担当", 10),
    Col("message", "内容", wide_only=True),
]
FINDING_CSV = [
    "case",
    "council",
    "company",
    "program",
    "program_label",
    "state",
    "state_label",
    "code",
    "code_label",
    "level",
    "level_label",
    "since",
    "days",
    "waiting_on",
    "waiting_on_label",
    "coordinator",
    "message",
]


CASELOAD_TABLE = [
    Col("key_label", "区分"),
    Col("open", "対応中"),
    Col("overdue_monitoring", "伴走支援の遅れ"),
    Col("stalled", "停滞"),
    Col("by_state", "状態別"),
    Col("ended", "今年度の終了"),
]


@click.group()
def audit() -> None:
    """Audits: what needs someone to act."""


@audit.command("stalled")
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE")
@click.option("--program", type=click.Choice(["early", "405"]))
@click.option("--coordinator", metavar="NAME")
@click.option(
    "--code",
    "codes",
    multiple=True,
    type=click.Choice(["stalled", "claim_deadline", "validity", "monitoring_overdue", "holdback_open"]),
    help="Only these findings (repeatable).",
)
@click.option("--fail-on-findings", is_flag=True, help="Exit 1 when there is any finding (for scripts).")
@wide_option
@format_option
@pass_globals
def audit_stalled(
    g: Globals,
    council_code: str | None,
    program: str | None,
    coordinator: str | None,
    codes: tuple[str, ...],
    fail_on_findings: bool,
    wide: bool,
    fmt: str,
) -> None:
    """Every case that needs someone to act as of --today: why, since when, waiting on whom. Most urgent
    first (passed deadlines and overdue sessions, then warnings; longest first).

    \b
    Example:
      casetrack audit stalled --council 13 --coordinator sato
    """
    from .. import services

    rows = services.audit_stalled_rows(
        g.context(), council=council_code, program=program, coordinator=coordinator, codes=codes
    )
    if fmt == "table":
        listed = list(rows)
        if listed:
            click.echo(people_table(listed, FINDING_TABLE, wide))
        else:
            from .output import none_line

            click.echo(none_line(), err=True)
        count = len(listed)
    else:
        count = emit_stream(rows, fmt, FINDING_CSV)
    if fail_on_findings and count:
        raise click.exceptions.Exit(1)


@audit.command("access")
@click.option("--user", "who", metavar="NAME", help="Only this user's reads.")
@click.option("--since", type=DATE, metavar="DATE", help="Only from this day on (Asia/Tokyo).")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@format_option
@pass_globals
def audit_access(g: Globals, who: str | None, since: dt.date | None, limit: int, fmt: str) -> None:
    """The access log, newest first: who read people's names and e-mails (exports, case show, staff
    and outbox lists), what and how many rows. hq and admin only.

    \b
    Example:
      casetrack audit access --user yamada --since 2026-11-01
    """
    from .. import services

    emit(
        services.list_access(g.context(), user=who, since=since, limit=limit),
        fmt,
        ["at", "user", "action", "what", "rows"],
    )


@audit.command("verify")
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE")
@format_option
@pass_globals
def audit_verify(g: Globals, council_code: str | None, fmt: str) -> None:
    """Recompute the hash chains of every case's history and ledger; report every broken link.
    Exits 1 when anything is broken.

    \b
    Example:
      casetrack audit verify --council 13
    """
    from .. import services

    result = services.audit_verify(g.context(), council=council_code)
    if fmt == "table":
        from .options import say

        click.echo(
            say(
                f"{result['checked']}行を確認しました："
                + (
                    "改ざんはありません。"
                    if result["ok"]
                    else f"{len(result['broken'])}か所で連鎖が切れています。"
                ),
                f"checked {result['checked']} row(s): "
                + ("all chains intact" if result["ok"] else f"{len(result['broken'])} broken link(s)"),
            )
        )
        for b in result["broken"]:
            click.echo(f"  {b['case'] or b.get('record')}  {b['table']} row {b['row']}: {b['reason']}")
    else:
        emit(result, fmt)
    if not result["ok"]:
        raise click.exceptions.Exit(1)


@click.command()
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE")
@click.option(
    "--by",
    type=click.Choice(["state", "coordinator", "program", "council"]),
    default="state",
    show_default=True,
)
@format_option
@pass_globals
def caseload(g: Globals, council_code: str | None, by: str, fmt: str) -> None:
    """Open cases by state, coordinator, program or council, with overdue-monitoring and stalled counts, and
    what closed, was withdrawn or lapsed this fiscal year (April–March).

    \b
    Example:
      casetrack caseload --council 13 --by coordinator
    """
    from .. import services

    rows = services.caseload(g.context(), by=by, council=council_code)
    if fmt == "table":
        from ..services.audits import state_labels

        names = state_labels()

        def counts(by_state: dict[str, int]) -> str:
            return "、".join(f"{names.get(k, k)} {n}" for k, n in by_state.items())

        rows = [
            {**r, "by_state": counts(r["by_state"]), "ended": counts(r["ended_this_fiscal_year"])}
            for r in rows
        ]
        if rows:
            click.echo(people_table(rows, CASELOAD_TABLE, wide=True))
        else:
            emit(rows, fmt)
        return
    if fmt != "json":
        rows = [{**r, "by_state": r["by_state"], "ended": r["ended_this_fiscal_year"]} for r in rows]
    emit(rows, fmt, ["key", "key_label", "open", "overdue_monitoring", "stalled", "by_state", "ended"])


COMMANDS = [audit, caseload]

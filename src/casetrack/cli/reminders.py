"""remind run, scheduler run, outbox list, calendar closures."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from .options import COUNCIL, DATE, Globals, pass_globals
from .output import Col, emit, format_option, people_table, wide_option

OUTBOX_TABLE = [
    Col("id", "番号"),
    Col("status_label", "状態", 12),
    Col("case_id", "案件番号"),
    Col("item_label", "種類"),
    Col("rung_label", "時期"),
    Col("send_on", "送信日"),
    Col("recipient_role_label", "宛先", wide_only=True),
    Col("to_addr", "メール", 20),
    Col("attempts", "試行"),
    Col("subject", "件名", wide_only=True),
    Col("last_error", "最後のエラー", 20),
]


@click.group()
def remind() -> None:
    """Reminder e-mails (DOMAIN.md §9)."""


PREVIEW_COLUMNS = ["case", "company", "item", "item_ref", "rung", "to", "subject", "send_on"]
SKIPPED_COLUMNS = [
    "case",
    "company",
    "item",
    "item_ref",
    "rung",
    "recipient_role",
    "send_on",
    "superseded_by",
]


@remind.command("run")
@click.option(
    "--dry-run", is_flag=True, help="Show what would be sent and skipped; enqueue and send nothing."
)
@format_option
@pass_globals
def remind_run(g: Globals, dry_run: bool, fmt: str) -> None:
    """One sweep as of --today: per item and recipient, enqueue the latest rung whose day has come (earlier
    unsent rungs are recorded as skipped, never sent later), then deliver the outbox. Exits 1, after
    printing the counts, when a message went dead in this sweep.

    \b
    Example:
      casetrack --config casetrack.toml remind run
      casetrack --config casetrack.toml remind run --dry-run --format json
    """
    from .. import services

    result = services.remind_run(g.context(), dry_run=dry_run)
    if fmt == "table":
        counts = {k: v for k, v in result.items() if k not in ("dry_run", "messages", "skipped")}
        if dry_run:
            counts["skipped"] = len(result["skipped"])
        from .options import say

        names = {
            "enqueued": "予約",
            "sent": "送信",
            "failed": "失敗（再試行）",
            "dropped": "取りやめ",
            "dead": "送信不能",
            "pending": "送信待ち",
            "skipped": "スキップ",
        }
        click.echo(
            say(
                ("試行：" if dry_run else "")
                + "、".join(f"{names.get(k, k)} {v}件" for k, v in counts.items()),
                ("dry run: " if dry_run else "") + ", ".join(f"{k} {v}" for k, v in counts.items()),
            )
        )
        if dry_run:
            click.echo(f"\n送信予定 {len(result['messages'])}件")
            if result["messages"]:
                emit(result["messages"], "table", PREVIEW_COLUMNS)
            click.echo(f"\nスキップ（後の段に置き換え） {len(result['skipped'])}件")
            if result["skipped"]:
                emit(result["skipped"], "table", SKIPPED_COLUMNS)
    else:
        emit(result, fmt)
    if result.get("dead"):
        from .options import say

        click.echo(
            say(
                f"エラー: この送信で {result['dead']}件が送信不能になりました"
                "（casetrack outbox list --status dead で確認し、直してから casetrack outbox retry --dead）",
                f"error: {result['dead']} message(s) went dead in this sweep "
                "(casetrack outbox list --status dead; fix, then casetrack outbox retry --dead)",
            ),
            err=True,
        )
        raise click.exceptions.Exit(1)


@click.group()
def scheduler() -> None:
    """The long-running scheduler."""


@scheduler.command("run")
@click.option(
    "--interval", type=float, help="Seconds between sweeps (default: [scheduler] interval_seconds, 60)."
)
@pass_globals
def scheduler_run(g: Globals, interval: float | None) -> None:
    """Sweep and deliver on a clock (APScheduler), one scheduler per database at a time; stops cleanly on
    SIGTERM or SIGINT. Prints one JSON line per tick on stdout.

    \b
    Example:
      casetrack --config casetrack.toml scheduler run
    """
    from ..scheduling import scheduler as clock
    from ..workflow.catalog import all_workflows

    all_workflows()  # a missing or broken workflows folder stops the start (exit 2): no silent empty sweeps
    ctx = g.context()
    fixed = g.today

    def report(event: dict[str, Any]) -> None:
        click.echo(json.dumps(event, ensure_ascii=False, default=str))
        sys.stdout.flush()

    clock.run(
        ctx,
        interval_seconds=interval or ctx.settings.scheduler.interval_seconds,
        today=(lambda: fixed) if fixed else None,
        report=report,
    )


@click.group()
def outbox() -> None:
    """The e-mail outbox."""


@outbox.command("list")
@click.option("--status", metavar="S", help="pending | sent | dead | dropped | skipped.")
@format_option
@wide_option
@pass_globals
def outbox_list(g: Globals, status: str | None, fmt: str, wide: bool) -> None:
    """Every e-mail enqueued, with its status, attempts and the server's last reply."""
    from .. import services

    rows = services.outbox_list(g.context(), status)
    if fmt == "table" and rows:
        click.echo(people_table(rows, OUTBOX_TABLE, wide))
        return
    emit(
        rows,
        fmt,
        [
            "id",
            "status",
            "status_label",
            "case_id",
            "item",
            "item_label",
            "rung",
            "rung_label",
            "due_on",
            "send_on",
            "recipient_role",
            "recipient_role_label",
            "to_addr",
            "attempts",
            "last_error",
            "subject",
        ],
    )


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int, metavar="[ID]...")
@click.option("--dead", "all_dead", is_flag=True, help="Every dead message (instead of IDs).")
@click.option(
    "--since", type=DATE, metavar="DATE", help="With --dead: only those meant to go out on or after DATE."
)
@format_option
@pass_globals
def outbox_retry(g: Globals, ids: tuple[int, ...], all_dead: bool, since: dt.date | None, fmt: str) -> None:
    """Put dead messages back to pending (attempts and last error kept, original Message-ID); they go at
    the next sweep. Fix the cause first (casetrack doctor checks the mail settings).

    \b
    Example:
      casetrack outbox retry 12 13
      casetrack --config casetrack.toml outbox retry --dead --since 2027-05-01
    """
    from .. import services

    result = services.outbox_retry(g.context(), list(ids), dead=all_dead, since=since)
    if fmt == "table":
        from .options import say

        click.echo(
            say(
                f"{result['retried']}件を送信待ちに戻しました：{'、'.join(map(str, result['ids'])) or '—'}",
                f"{result['retried']} message(s) back to pending: {', '.join(map(str, result['ids'])) or '—'}",
            )
        )
    else:
        emit(result, fmt)


@click.group()
def calendar() -> None:
    """Closed days beyond the national calendar."""


@calendar.group("closure")
def closure() -> None:
    """Council closures (休業日)."""


def _closure_change(
    g: Globals, day: dt.date, council: str | None, reason: str | None, remove: bool, fmt: str
) -> None:
    from .. import services

    result = services.change_closure(g.context(), day, council=council, reason=reason, remove=remove)
    if fmt == "table":
        click.echo(
            f"{'removed' if remove else 'added'} closure {day} for {result['council']}; "
            f"{len(result['moved'])} session(s) moved"
        )
        for m in result["moved"]:
            click.echo(
                f"  {m['case']} session {m['seq']}: {m['from']} → {m['to']} (nominal {m['nominal_due_on']})"
            )
    else:
        emit(result, fmt)


@closure.command("add")
@click.argument("day", type=DATE)
@click.option(
    "--council", "council_code", type=COUNCIL, metavar="CODE", help="Only this council (default: all)."
)
@click.option("--reason", metavar="TEXT")
@format_option
@pass_globals
def closure_add(g: Globals, day: dt.date, council_code: str | None, reason: str | None, fmt: str) -> None:
    """Close DAY; open sessions due on it move to the next business day.

    \b
    Example:
      casetrack calendar closure add 2027-08-13 --council 13 --reason 夏季休業
    """
    _closure_change(g, day, council_code, reason, False, fmt)


@closure.command("remove")
@click.argument("day", type=DATE)
@click.option("--council", "council_code", type=COUNCIL, metavar="CODE")
@format_option
@pass_globals
def closure_remove(g: Globals, day: dt.date, council_code: str | None, fmt: str) -> None:
    """Open DAY again; sessions moved off it move back."""
    _closure_change(g, day, council_code, None, True, fmt)


@closure.command("list")
@format_option
@pass_globals
def closure_list(g: Globals, fmt: str) -> None:
    """Closures from the database and the settings file."""
    from .. import services

    emit(services.list_closures(g.context()), fmt, ["day", "council", "reason", "source"])


@click.command()
@format_option
@pass_globals
def doctor(g: Globals, fmt: str) -> None:
    """Health check: the database, its schema, the workflows, the last sweep and the outbox backlog. Exits 1
    when anything is wrong — e.g. the scheduler has not swept for 3 intervals (for monitoring systems).

    \b
    Example:
      casetrack --config /etc/casetrack/casetrack.toml doctor
    """
    from .. import services

    report = services.doctor(g.context())
    if fmt == "table":
        click.echo(f"database {report['database']}")
        for c in report["checks"]:
            mark = "BAD" if not c["ok"] else "WARN" if c.get("warning") else "ok "
            click.echo(f"{mark:<4} {c['check']:<10} {c['detail']}")
    else:
        emit(report, fmt)
    if not report["ok"]:
        raise click.exceptions.Exit(1)


COMMANDS = [remind, scheduler, outbox, calendar, doctor]

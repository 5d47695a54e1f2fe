"""remind run, scheduler run, outbox list, calendar closures."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click

from .main import DATE, Globals, pass_globals
from .output import emit, format_option


@click.group()
def remind() -> None:
    """Reminder e-mails (DOMAIN.md §9)."""


@remind.command("run")
@click.option("--dry-run", is_flag=True, help="Count what is due; enqueue and send nothing.")
@format_option
@pass_globals
def remind_run(g: Globals, dry_run: bool, fmt: str) -> None:
    """One sweep as of --today: enqueue every rung whose day has come (once, ever), deliver the outbox.

    \b
    Example:
      casetrack --config casetrack.toml remind run
    """
    from .. import services

    result = services.remind_run(g.context(), dry_run=dry_run)
    if fmt == "table":
        click.echo(("dry run: " if dry_run else "") + ", ".join(f"{k} {v}" for k, v in result.items()
                                                                if k != "dry_run"))
    else:
        emit(result, fmt)


@click.group()
def scheduler() -> None:
    """The long-running scheduler."""


@scheduler.command("run")
@click.option("--interval", type=float, help="Seconds between sweeps (default: [scheduler] interval_seconds, 60).")
@pass_globals
def scheduler_run(g: Globals, interval: float | None) -> None:
    """Sweep and deliver on a clock (APScheduler), one scheduler per database at a time; stops cleanly on
    SIGTERM or SIGINT. Prints one JSON line per tick on stdout.

    \b
    Example:
      casetrack --config casetrack.toml scheduler run
    """
    from ..scheduling import scheduler as clock
    from ..workflow.registry import all_workflows

    all_workflows()  # a missing or broken workflows folder stops the start (exit 2): no silent empty sweeps
    ctx = g.context()
    fixed = g.today

    def report(event: dict[str, Any]) -> None:
        click.echo(json.dumps(event, ensure_ascii=False, default=str))
        sys.stdout.flush()

    clock.run(ctx, interval_seconds=interval or ctx.settings.scheduler.interval_seconds,
              today=(lambda: fixed) if fixed else None, report=report)


@click.group()
def outbox() -> None:
    """The e-mail outbox."""


@outbox.command("list")
@click.option("--status", type=click.Choice(["pending", "sent", "dead", "dropped"]))
@format_option
@pass_globals
def outbox_list(g: Globals, status: str | None, fmt: str) -> None:
    """Every e-mail enqueued, with its status, attempts and the server's last reply."""
    from .. import services

    emit(services.outbox_list(g.context(), status), fmt,
         ["id", "status", "case_id", "item", "rung", "due_on", "send_on", "recipient_role", "to_addr", "attempts",
          "last_error", "subject"])


@click.group()
def calendar() -> None:
    """Closed days beyond the national calendar."""


@calendar.group("closure")
def closure() -> None:
    """Council closures (休業日)."""


def _closure_change(g: Globals, day: dt.date, council: str | None, reason: str | None, remove: bool,
                    fmt: str) -> None:
    from .. import services

    result = services.change_closure(g.context(), day, council=council, reason=reason, remove=remove)
    if fmt == "table":
        click.echo(f"{'removed' if remove else 'added'} closure {day} for {result['council']}; "
                   f"{len(result['moved'])} session(s) moved")
        for m in result["moved"]:
            click.echo(f"  {m['case']} session {m['seq']}: {m['from']} → {m['to']} (nominal {m['nominal_due_on']})")
    else:
        emit(result, fmt)


@closure.command("add")
@click.argument("day", type=DATE)
@click.option("--council", "council_code", metavar="CODE", help="Only this council (default: all).")
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
@click.option("--council", "council_code", metavar="CODE")
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
            click.echo(f"{'ok ' if c['ok'] else 'BAD'}  {c['check']:<10} {c['detail']}")
    else:
        emit(report, fmt)
    if not report["ok"]:
        raise click.exceptions.Exit(1)


COMMANDS = [remind, scheduler, outbox, calendar, doctor]

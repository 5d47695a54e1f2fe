"""Entry point: global options, the command groups, and the one place errors become exit codes."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import traceback
from typing import Any

import click

from .. import __version__
from .lang import usage_ja
from .options import (  # noqa: F401 (re-exported)
    CASE_ID,
    COUNCIL,
    DATE,
    LANG_ENV,
    Globals,
    current_lang,
    lang_of,
    pass_globals,
    say,
    set_lang,
    tokyo_today,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--db",
    envvar="CASETRACK_DB",
    metavar="URL",
    help="SQLAlchemy URL (sqlite:///path, postgresql+psycopg://…) or a file path. "
    "Default: a SQLite file in the user data directory.",
)
@click.option(
    "--today",
    envvar="CASETRACK_TODAY",
    type=DATE,
    help="The date the command acts on (YYYY-MM-DD). Default: today in Asia/Tokyo.",
)
@click.option(
    "--user", envvar="CASETRACK_USER", help="Who is acting (recorded in history). Default: the OS user."
)
@click.option(
    "--config",
    envvar="CASETRACK_CONFIG",
    type=click.Path(dir_okay=False),
    help="TOML settings file (mail, SMTP, closures…).",
)
@click.option("--debug", is_flag=True, envvar="CASETRACK_DEBUG", help="Show tracebacks on errors.")
@click.option(
    "--lang",
    envvar=LANG_ENV,
    type=click.Choice(["ja", "en"]),
    default="ja",
    show_default=True,
    help="Language of messages and errors (ja: Japanese; en: English). JSON codes are the same in both.",
)
@click.version_option(__version__, prog_name="casetrack")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    today: dt.date | None,
    user: str | None,
    config: str | None,
    debug: bool,
    lang: str,
) -> None:
    """casetrack — case tracker for the 中小企業活性化協議会 plan-support programs (early / 405).

    \b
    Start here:
      casetrack init
      casetrack demo
      casetrack case list --format json
    """
    if today is not None:
        from ..domain.dates import FIRST_TODAY, LAST_TODAY

        if not FIRST_TODAY <= today <= LAST_TODAY:
            raise click.BadParameter(
                say(
                    f"{today} は範囲外です（{FIRST_TODAY.year}〜{LAST_TODAY.year}年の日付だけを扱います）",
                    f"{today} is outside {FIRST_TODAY.year}–{LAST_TODAY.year}: casetrack acts "
                    "on dates of this century only",
                ),
                param_hint="--today",
            )
    set_lang(lang)
    ctx.obj = Globals(db, today, user, config, debug, lang)
    ctx.meta["casetrack.debug"] = debug


def _register() -> None:
    from . import audits, cases, directory, exchange, fees, reminders, web, whatif, workflows

    for module in (directory, cases, fees, reminders, audits, exchange, workflows, whatif, web):
        for command in module.COMMANDS:
            cli.add_command(command)
    from .demo import demo

    cli.add_command(demo)


_register()


def _report(code: int, slug: str, message: str, details: list[str], as_json: bool) -> int:
    click.echo(f"{say('エラー', 'error')}: {message}", err=True)
    if as_json:
        click.echo(
            json.dumps({"ok": False, "code": slug, "error": message, "details": details}, ensure_ascii=False)
        )
    return code


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code (CLI.md)."""
    ctx_holder: dict[str, Any] = {}
    args = list(argv if argv is not None else sys.argv[1:])
    set_lang(lang_of(args))
    debug = "--debug" in (argv if argv is not None else sys.argv[1:]) or bool(
        os.environ.get("CASETRACK_DEBUG")
    )
    as_json = False
    try:
        with cli.make_context("casetrack", args) as ctx:
            ctx_holder["ctx"] = ctx
            try:
                cli.invoke(ctx)
            finally:
                as_json = ctx.meta.get("casetrack.format") == "json"
        return 0
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except BrokenPipeError:  # the reader (e.g. `| head`) has gone: not an error of ours
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except click.exceptions.Abort:
        click.echo(say("エラー: 中止しました", "error: aborted"), err=True)
        return 1
    except click.UsageError as exc:
        fmt_json = _wants_json(argv)
        message = exc.format_message() if current_lang() == "en" else usage_ja(exc)
        if exc.ctx is not None and exc.ctx.command_path:
            message = f"{exc.ctx.command_path}: {message}"
        return _report(2, "usage", message, [], fmt_json)
    except click.ClickException as exc:
        return _report(exc.exit_code or 1, "error", exc.format_message(), [], _wants_json(argv))
    except Exception as exc:  # the one place errors become exit codes
        from ..errors import CasetrackError

        as_json = as_json or _wants_json(argv)
        if debug:
            traceback.print_exc()
        if isinstance(exc, CasetrackError):
            return _report(exc.exit_code, exc.slug, *exc.text(current_lang()), as_json)
        if type(exc).__module__.startswith("sqlalchemy"):
            from ..services import translate_db_error

            err = translate_db_error(exc)
            return _report(err.exit_code, err.slug, *err.text(current_lang()), as_json)
        from ..errors import InternalError

        text = " ".join(str(exc).split())[:300]  # one line, whatever the exception's text
        return _report(
            InternalError.exit_code,
            InternalError.slug,
            say(
                f"内部エラー: {type(exc).__name__}: {text}（--debug で詳細を表示します）",
                f"internal error: {type(exc).__name__}: {text} (run with --debug for the traceback)",
            ),
            [],
            as_json,
        )


def _wants_json(argv: list[str] | None) -> bool:
    args = argv if argv is not None else sys.argv[1:]
    for i, a in enumerate(args):
        if a == "--format=json" or (a == "--format" and i + 1 < len(args) and args[i + 1] == "json"):
            return True
    return False

"""What every command shares: the global options' values (``Globals``), the parameter types that read
what offices type (dates, case ids, council codes) and ``pass_globals``. Imported by ``main`` and by
every command module; imports none of them (no cycle), and nothing heavy at import time."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # ParamType is generic in its value since click 8.4; pyproject allows 8.1
    from ..services.context import Context

    _DateParam = click.ParamType[dt.date]
    _TextParam = click.ParamType[str]
else:
    _DateParam = _TextParam = click.ParamType


LANG_ENV = "CASETRACK_LANG"
_LANG: ContextVar[str] = ContextVar("casetrack_lang", default="ja")


def lang_of(argv: list[str]) -> str:
    """The language of the CLI's messages before the options are parsed (errors in parsing them speak it
    too): ``--lang`` in ``argv``, else ``CASETRACK_LANG``, else Japanese; an unknown value counts as
    Japanese here (the parser then refuses it, exit 2)."""
    value = os.environ.get(LANG_ENV) or "ja"
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
    return value if value in ("ja", "en") else "ja"


def set_lang(lang: str) -> None:
    _LANG.set(lang)


def current_lang() -> str:
    """``ja`` or ``en``: what the CLI's messages are written in for this run."""
    return _LANG.get()


def say(ja: str, en: str) -> str:
    """A line for people in the run's language."""
    return en if current_lang() == "en" else ja


class DateType(_DateParam):
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        from ..services.parsing import read_date

        try:
            return read_date(str(value))
        except ValueError as exc:
            self.fail(
                say(
                    f"「{value}」は日付ではありません（例：2026-06-20、2026/06/20、令和8年6月20日、R8.6.20）",
                    str(exc),
                ),
                param,
                ctx,
            )


DATE = DateType()


class CaseIdType(_TextParam):
    """A case id as typed: NFKC, and the number without its leading zeros (13-2026-1 is 13-2026-0001)."""

    name = "CASE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ..services.parsing import parse_case_id

        return parse_case_id(str(value))


CASE_ID = CaseIdType()


class CouncilCodeType(_TextParam):
    """A council code as typed: NFKC (１３ is 13) and one digit padded (1 is 01)."""

    name = "CODE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from ..services.parsing import parse_council_code

        return parse_council_code(str(value))


COUNCIL = CouncilCodeType()


@dataclass
class Globals:
    db: str | None
    today: dt.date | None
    user: str | None
    config: str | None
    debug: bool
    lang: str = "ja"

    def context(self) -> Context:
        """The services context (imports the storage layer: call inside commands only)."""
        from ..services import Context, database_url
        from ..settings import load_settings

        return Context(
            db_url=database_url(self.db),
            today=self.today or tokyo_today(),
            user=self.user or _os_user(),
            settings=load_settings(self.config),
        )


def tokyo_today() -> dt.date:
    """Today in Asia/Tokyo by the services' clock (the day a command acts on without ``--today``)."""
    from zoneinfo import ZoneInfo

    from ..services import utc_now

    return utc_now().astimezone(ZoneInfo("Asia/Tokyo")).date()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def pass_globals(func: Any) -> Any:
    return click.pass_obj(func)

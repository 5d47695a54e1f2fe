"""Jinja2 rendering of templates/ (e-mails and reports). One cached Environment per folder;
StrictUndefined everywhere; autoescape only for HTML (``*.html.j2`` included). Every value a template
prints is one line: a name with a line break cannot push an e-mail's subject into its body."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from ..domain.schedule import moved_text
from ..domain.wareki import wareki
from ..resources import templates_dir
from .messages import one_line


def yen(amount: int | None) -> str:
    return "—" if amount is None else f"{amount:,}円"


def date_ja(day: dt.date | None) -> str:
    """ISO with 和暦 beside it: 2026-04-01（令和8年4月1日）."""
    return "—" if day is None else f"{day.isoformat()}（{wareki(day)}）"


def _one_line(value: Any) -> Any:
    """Plain text only: markup (already escaped) passes untouched."""
    return one_line(value) if type(value) is str else value


def _autoescape(name: str | None) -> bool:
    return name is not None and name.endswith((".html", ".htm", ".xml", ".html.j2", ".htm.j2", ".xml.j2"))


@cache
def _environment(folder: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_one_line,
    )
    env.filters.update(yen=yen, date_ja=date_ja, wareki=wareki, moved_text=moved_text)
    return env


@cache
def _resolved(folder: str) -> str:
    return str(Path(folder).resolve())


def environment() -> jinja2.Environment:
    """The environment of the configured templates folder (resolved once per folder: a sweep renders
    thousands of messages)."""
    return _environment(_resolved(str(templates_dir())))


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)

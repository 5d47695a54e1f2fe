"""Pages from ``templates/web/`` (jinja2, autoescaped): ISO dates with 和暦 beside, yen as 1,234,567円,
local times in Asia/Tokyo, and the small server-rendered SVG bar chart."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from ..domain.labels import FINDING_CODES, SESSION_KINDS, SESSION_STATUS, WAITING_ON
from ..domain.policy import ROLE_LABELS
from ..domain.wareki import wareki
from ..resources import templates_dir
from .diagram import state_diagram

TOKYO = ZoneInfo("Asia/Tokyo")
HTMX = "htmx-2.0.4.min.js"  # the pinned copy in static/ (no CDN: the council network may have no internet)

SOURCES = {"main_bank": "メイン行", "every_lender": "全金融機関"}


def date_ja(value: Any) -> Markup:
    """2026-11-25 （令和8年11月25日）; a dash for no date."""
    if value is None or value == "":
        return Markup("—")
    if isinstance(value, dt.datetime):
        value = value.astimezone(TOKYO).date()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value)
    return Markup('<time datetime="{0}">{0}</time><span class="wareki">（{1}）</span>').format(
        value.isoformat(), wareki(value)
    )


def local_time(value: dt.datetime | None) -> str:
    return value.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M") if value else "—"


def yen(value: int | None) -> str:
    return "—" if value is None else f"{value:,}円"


def filesize(value: int | None) -> str:
    """1,234 バイト, 12.3 KB, 4.5 MB."""
    if value is None:
        return "—"
    if value < 1024:
        return f"{value:,} バイト"
    if value < 1024 * 1024:
        return f"{value / 1024:.1f} KB"
    return f"{value / (1024 * 1024):.1f} MB"


def number(value: int) -> str:
    return f"{value:,}"


def bar_chart(
    rows: list[dict[str, Any]], *, label: str = "label", count: str = "count", title: str = ""
) -> Markup:
    """A horizontal bar chart as inline SVG (no script, no style attribute: the CSP allows neither)."""
    bar_h, gap, left, width, right = 20, 6, 130, 300, 70
    most = max((r[count] for r in rows), default=0) or 1
    height = len(rows) * (bar_h + gap) + gap
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{left + width + right}" '
        f'height="{height}" viewBox="0 0 {left + width + right} {height}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, r in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = round(width * r[count] / most) if r[count] else 0
        parts.append(
            f'<g><text x="{left - 8}" y="{y + bar_h - 5}" text-anchor="end" font-size="13">{escape(r[label])}</text>'
            f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h}" fill="#3b6ea5"><title>{escape(r[label])}: '
            f"{r[count]:,}件</title></rect>"
            f'<text x="{left + w + 6}" y="{y + bar_h - 5}" font-size="13">{r[count]:,}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@pass_context
def person(context: Context, login: str | None) -> str | None:
    """A member of staff as people call them: the display name (``staff`` of the page), else the login."""
    if not login:
        return login
    staff = context.get("staff") or {}
    return str(staff.get(login, login))


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "web")),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        date_ja=date_ja, local_time=local_time, yen=yen, number=number, filesize=filesize, person=person
    )
    env.globals.update(
        bar_chart=bar_chart,
        ROLE_LABELS=ROLE_LABELS,
        WAITING_ON=WAITING_ON,
        FINDING_CODES=FINDING_CODES,
        SESSION_KINDS=SESSION_KINDS,
        SESSION_STATUS=SESSION_STATUS,
        SOURCES=SOURCES,
        HTMX=HTMX,
    )
    env.globals["state_diagram"] = state_diagram
    return env


def render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)

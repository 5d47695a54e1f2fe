"""The calendar page: one council's month as a grid of days, Sunday first as on Japanese office
calendars, each day with the monitoring sessions due on it and the deadline items falling on it
(DOMAIN.md §8, §9), closed days marked with every reason (weekend, national holiday, 年末年始, the
council's closures).

Deadline items are the reminders' own (each program's ``reminders:`` other than sessions: the early
claim deadline, the 405 validity end — or the extended one — and an open 405 holdback), dated by
``domain.deadlines.item_date`` and shown while the case is in a state the item is open in, as the
reminders and the audit treat them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ..business_days import COUNCIL_CLOSURE, FIRST_YEAR, LAST_YEAR, covers
from ..domain import deadlines, policy
from ..domain.calendar_records import CalendarSession, DatedCase, HeldBackCase
from ..domain.dates import add_months, end_of_month, parse_date
from ..domain.reminder_records import ClosureDay
from ..domain.wareki import wareki
from ..errors import BadInput, NotFound
from ..store.calendar_page import CalendarRepo, CaseDateWindow
from ..workflow.catalog import all_workflows
from ..workflow.spec import WorkflowSpec
from .closures import calendars
from .context import Context

DAY_LIMIT = (
    5  # entries shown in a day's cell; the rest are counted (「他 N 件」) and listed on the day's page
)
DAY_LIST_LIMIT = 1000  # entries of one day listed below the grid (a national day holds a few hundred)
VIEWS = ("mine", "council")
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only (\d would take full-width ones)
COUNCIL = re.compile(r"[0-9]{2}")
WEEKDAYS = ("日", "月", "火", "水", "木", "金", "土")  # Sunday first
WEEKEND = ("土曜日", "日曜日")
SESSION_KINDS = {"interim": "期中", "fye": "決算期", "regular": "定期"}
STATUS_LABELS = {
    "overdue": "期限超過",
    "scheduled": "予定",
    "held": "実施済",
    "waived": "免除",
    "deadline": "期限",
}
SESSION_ORDER = {"overdue": 0, "scheduled": 1, "held": 2, "waived": 3}
DEADLINE_KINDS = ("claim_deadline", "validity", "holdback")  # the order they are listed in on a day


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` → its first day, inside the years the business calendar knows; BadInput otherwise."""
    shown = text[:20]
    match = MONTH.fullmatch(text)
    if not match:
        raise BadInput(f"month={shown!r} は年月ではありません（例: month=2026-12）")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise BadInput(f"month={shown}：月は 01 から 12 までです")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadInput(
            f"month={shown}：休日の暦は {FIRST_YEAR}年から{LAST_YEAR}年までしか分かりません"
            "（祝日法の施行と jpholiday の計算範囲）"
        )
    return dt.date(year, month, 1)


CARRIED_LIMIT = 500  # overdue sessions of earlier months listed under the current month


def calendar_page(
    ctx: Context,
    *,
    month: str | None = None,
    council: str | None = None,
    view: str | None = None,
    day: str | None = None,
    week: str | None = None,
) -> dict[str, Any]:
    """The month ``month`` (``YYYY-MM``; default the month of ``ctx.today``) for ``council``.

    A role reaching one council sees it; several councils of their own, their home council unless
    ``council`` names another of them; every council (hq, admin), the one they pick (none picked: the
    national calendar without entries). A coordinator sees their own cases (``view=mine``) unless they
    ask for the whole council (``view=council``); the others see the council. A role that may not read
    cases (admin) sees the closed days only. ``day`` lists every entry of one day of the month.

    ``week`` (a date): the week view instead, Sunday to Saturday around that day, every entry listed.
    The current month (and the current week) also lists, as 期限超過, the sessions still not held
    whose due date fell in an earlier month (``carried``)."""
    actor = ctx.authorize("registry.read")
    week_start = _parse_week(week) if week else None
    if week_start is not None:
        month = week_start.strftime("%Y-%m")
    first = parse_month(month) if month else ctx.today.replace(day=1)
    last = end_of_month(first)
    chosen_day = _parse_day(day, first, last) if day else None
    if view not in (None, "", *VIEWS):
        raise BadInput(f"view={str(view)[:20]!r}：mine（自分の担当）か council（協議会全体）です")
    if council is not None and not COUNCIL.fullmatch(council):
        raise BadInput(f"council={council[:20]!r} は協議会コード（2桁）ではありません")
    reads_cases = actor.role is None or policy.allows(actor.role, "case.read")
    if reads_cases:
        ctx.authorize("case.read")
    with ctx.read() as repo:  # one snapshot: the directory, the calendars and the entries
        directory = {c.code: c.name for c in repo.list_councils()}
        me = repo.user(actor.name) if actor.role is not None else None
        home = me.council if me else None
        rrepo = repo.reminders
        cals = calendars(ctx, rrepo)
        closure_rows = [r for r in rrepo.closures() if first <= r.day <= last]
        reach = sorted(directory) if ctx.scope is None else sorted(c for c in ctx.scope if c in directory)
        if council is not None:
            if council not in directory:
                raise BadInput(f"council={council}：その協議会はありません")
            if council not in reach:
                raise NotFound("council", council)
        elif len(reach) == 1:
            council = reach[0]
        elif ctx.scope is not None:  # several councils of one's own: start at one's home council
            council = home if home in reach else reach[0]
        chosen_view = view or ("mine" if actor.role == "coordinator" else "council")
        mine = actor.name if chosen_view == "mine" and actor.role is not None else None
        cal = (cals.get(council) or cals[None]) if council is not None else cals[None]
        named = _closure_names(closure_rows, council)
        for d in ctx.settings.closures:  # closures from the settings file: every council's, no reason given
            named.setdefault(d, "全協議会の休業日")

        def reasons(d: dt.date) -> list[str]:
            """Why ``d`` is closed, a closure by the reason it was added with."""
            return [named.get(d, r) if r == COUNCIL_CLOSURE else r for r in cal.reasons(d)]

        entries: dict[dt.date, list[dict[str, Any]]] = {}
        carried: dict[str, Any] | None = None
        week_end = week_start + dt.timedelta(days=6) if week_start is not None else None
        current = first <= ctx.today <= last if week_start is None else week_start <= ctx.today <= week_end  # type: ignore[operator]
        if reads_cases and council is not None:
            reads = repo.calendar
            months = [(first, last)]
            if week_end is not None and week_end.month != first.month:
                months.append((week_end.replace(day=1), end_of_month(week_end)))
            for m_first, m_last in months:
                for entry in _entries(ctx, reads, council, m_first, m_last, mine, reasons):
                    entries.setdefault(entry["date"], []).append(entry)
            if current:
                since = week_start or first
                open_states = {p: tuple(spec.open_states) for p, spec in all_workflows().items()}
                total, rows = reads.overdue_before(
                    council,
                    since.replace(day=1) if week_start is None else since,
                    open_states,
                    coordinator=mine,
                    limit=CARRIED_LIMIT,
                )
                carried = {
                    "total": total,
                    "entries": [_session_entry(r, "overdue", reasons) for r in rows],
                    "before": since.replace(day=1) if week_start is None else since,
                }
        for items in entries.values():
            items.sort(key=_entry_order)

    def describe(d: dt.date) -> dict[str, Any]:
        why = reasons(d)
        listed = entries.get(d, [])
        return {
            "date": d,
            "in_month": d.month == first.month,
            "weekday": (d.weekday() + 1) % 7,
            "closed": bool(why),
            "reasons": why,
            "label": "・".join(r for r in why if r not in WEEKEND),
            "entries": listed[:DAY_LIMIT],
            "total": len(listed),
            "more": max(0, len(listed) - DAY_LIMIT),
        }

    grid_start = first - dt.timedelta(days=(first.weekday() + 1) % 7)  # the Sunday on or before the 1st
    grid_end = last + dt.timedelta(days=(5 - last.weekday()) % 7)  # the Saturday on or after the last day
    days = [describe(grid_start + dt.timedelta(days=i)) for i in range((grid_end - grid_start).days + 1)]
    all_entries = [e for d in sorted(entries) for e in entries[d]]
    prev_month, next_month = add_months(first, -1), add_months(first, 1)
    out: dict[str, Any] = {
        "month": first,
        "month_key": first.strftime("%Y-%m"),
        "last": last,
        "month_label": f"{first.year}年{first.month}月",
        "wareki": wareki(first).removesuffix("1日"),
        "prev": prev_month.strftime("%Y-%m") if covers(prev_month) else None,
        "next": next_month.strftime("%Y-%m") if covers(next_month) else None,
        "this_month": ctx.today.strftime("%Y-%m"),
        "today": ctx.today,
        "role": actor.role,
        "user": actor.name,
        "council": council,
        "council_name": directory.get(council or "", ""),
        "councils": [{"code": c, "name": directory[c]} for c in reach] if len(reach) > 1 else [],
        "pick_council": council is None,
        "reads_cases": reads_cases,
        "view": chosen_view,
        "can_choose_view": reads_cases and actor.role == "coordinator",
        "weekdays": WEEKDAYS,
        "weeks": [days[i : i + 7] for i in range(0, len(days), 7)],
        "closed_days": sum(1 for d in days if d["in_month"] and d["closed"]),
        "counts": _counts(all_entries),
        "day_limit": DAY_LIMIT,
        "day": None,
        "carried": carried,
        "week": None,
    }
    if carried is not None:
        out["counts"]["overdue"] += carried["total"]
        out["counts"]["sessions"] += carried["total"]
    if week_start is not None and week_end is not None:
        days7 = [describe(week_start + dt.timedelta(days=i)) for i in range(7)]
        for shown in days7:
            shown["entries"] = entries.get(shown["date"], [])
        out["week"] = {
            "start": week_start,
            "end": week_end,
            "days": days7,
            "prev": (week_start - dt.timedelta(days=7)).isoformat(),
            "next": (week_start + dt.timedelta(days=7)).isoformat(),
            "this_week": (ctx.today - dt.timedelta(days=(ctx.today.weekday() + 1) % 7)).isoformat(),
        }
        week_entries = [e for d in days7 for e in d["entries"]]
        out["counts"] = _counts(week_entries)
        if carried is not None:
            out["counts"]["overdue"] += carried["total"]
            out["counts"]["sessions"] += carried["total"]
    if chosen_day is not None:
        listed = entries.get(chosen_day, [])
        out["day"] = {
            "date": chosen_day,
            "reasons": describe(chosen_day)["reasons"],
            "total": len(listed),
            "entries": listed[:DAY_LIST_LIMIT],
        }
    return out


def _parse_week(text: str) -> dt.date:
    """The Sunday of the week holding the date ``text``, inside the years the calendar knows."""
    try:
        chosen = parse_date(text)
    except ValueError:
        raise BadInput(f"week={text[:20]!r} は日付ではありません（例: week=2026-12-13）") from None
    start = chosen - dt.timedelta(days=(chosen.weekday() + 1) % 7)
    if not (covers(start) and covers(start + dt.timedelta(days=6))):
        raise BadInput(f"week={text[:20]}：休日の暦は {FIRST_YEAR}年から{LAST_YEAR}年までしか分かりません")
    return start


def _session_entry(
    row: CalendarSession, status: str, reasons: Callable[[dt.date], list[str]]
) -> dict[str, Any]:
    moved = row.nominal_due_on != row.due_on
    return {
        "type": "session",
        "date": row.due_on,
        "case": row.case_id,
        "seq": row.seq,
        "company": row.company_name,
        "coordinator": row.coordinator,
        "label": f"第{row.seq}回 {SESSION_KINDS.get(row.kind, row.kind)}",
        "status": status,
        "status_label": STATUS_LABELS[status],
        "held_on": row.held_on,
        "nominal": row.nominal_due_on if moved else None,
        "nominal_reasons": reasons(row.nominal_due_on) if moved else [],
    }


def _parse_day(text: str, first: dt.date, last: dt.date) -> dt.date:
    try:
        chosen = parse_date(text)
    except ValueError:
        raise BadInput(f"day={text[:20]!r} は日付ではありません（例: day=2026-12-15）") from None
    if not first <= chosen <= last:
        raise BadInput(f"day={chosen} は {first:%Y-%m} の日ではありません")
    return chosen


def _closure_names(rows: list[ClosureDay], council: str | None) -> dict[dt.date, str]:
    """The reason shown for each closure of ``council`` (and of every council) from the database."""
    out: dict[dt.date, str] = {}
    for r in rows:
        if r.council is None or r.council == council:
            text = r.reason or (COUNCIL_CLOSURE if r.council else "全協議会の休業日")
            out[r.day] = f"{out[r.day]}・{text}" if r.day in out else text
    return out


def _entry_order(e: dict[str, Any]) -> tuple[int, int, str, int]:
    if e["type"] == "session":
        return (1, SESSION_ORDER[e["status"]], e["case"], e["seq"])
    return (0, DEADLINE_KINDS.index(e["type"]), e["case"], 0)


def _counts(entries: list[dict[str, Any]]) -> dict[str, int]:
    out = {"sessions": 0, "deadlines": 0, **dict.fromkeys(SESSION_ORDER, 0), "deadlines_overdue": 0}
    for e in entries:
        if e["type"] == "session":
            out["sessions"] += 1
            out[e["status"]] += 1
        else:
            out["deadlines"] += 1
            out["deadlines_overdue"] += e["status"] == "overdue"
    return out


def _month_of(day: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The month ``months`` before ``day``'s: "+N months" (§8) lands in month M exactly from month M−N."""
    start = add_months(day.replace(day=1), -months)
    return start, end_of_month(start)


def _month_ranges(spec: WorkflowSpec, kind: str, first: dt.date) -> tuple[tuple[dt.date, dt.date], ...]:
    key = deadlines.MONTHS_KEY[kind]
    months = sorted({int(rs.values[key]) for rs in spec.rule_sets if key in rs.values})
    return tuple(_month_of(first, m) for m in months)


def _entries(
    ctx: Context,
    reads: CalendarRepo,
    council: str,
    first: dt.date,
    last: dt.date,
    mine: str | None,
    reasons: Callable[[dt.date], list[str]],
) -> list[dict[str, Any]]:
    specs = all_workflows()
    out = []
    for row in reads.sessions_due(council, first, last, coordinator=mine):
        spec = specs.get(row.program)
        if row.status == "scheduled":
            if spec is None or row.state not in spec.session_states:
                continue  # a case that ended with the session still planned: it will not take place
            status = "overdue" if ctx.today > row.due_on else "scheduled"
        else:
            status = row.status
        out.append(_session_entry(row, status, reasons))

    windows = []
    for spec in specs.values():
        for kind in ("claim_deadline", "validity"):
            item = spec.reminders.get(kind)
            if item is not None:
                windows.append(
                    CaseDateWindow(
                        spec.program,
                        tuple(item.open_in),
                        _month_ranges(spec, kind, first),
                        (first, last) if kind == "validity" else None,
                    )
                )
    for dated in reads.dated_cases(council, windows, coordinator=mine):
        spec = specs[dated.program]
        for kind in ("claim_deadline", "validity"):
            item = spec.reminders.get(kind)
            if item is None or dated.state not in item.open_in:
                continue
            rules = spec.rule_set(dated.rule_set).values
            when = deadlines.item_date(
                kind, rules, accepted_on=dated.accepted_on, validity_until=dated.validity_until
            )
            if when is not None and first <= when <= last:
                out.append(_deadline(kind, when, dated, rules, ctx.today))
    for spec in specs.values():
        item = spec.reminders.get("holdback")
        if item is None:
            continue
        for held in reads.open_holdbacks(
            council, spec.program, item.open_in, _month_ranges(spec, "holdback", first), coordinator=mine
        ):
            rules = spec.rule_set(held.rule_set).values
            when = deadlines.item_date(
                "holdback", rules, accepted_on=held.accepted_on, decided_on=held.decided_on
            )
            if when is not None and first <= when <= last:
                out.append(_deadline("holdback", when, held, rules, ctx.today))
    return out


def _deadline(
    kind: str, when: dt.date, row: DatedCase | HeldBackCase, rules: Any, today: dt.date
) -> dict[str, Any]:
    if isinstance(row, HeldBackCase):
        label = (
            f"留保金 {int(row.open):,}円：支払決定 {row.decided_on} から"
            f"{rules['holdback_open_warn_months']}か月（伴走支援費用の決定なし）"
        )
    elif kind == "claim_deadline":
        label = f"支払申請期限（利用決定から{rules['claim_deadline_months']}か月）"
    else:
        label = "利用申請の有効期限（延長後）" if row.validity_until else "利用申請の有効期限"
    status = "overdue" if today > when else "deadline"
    return {
        "type": kind,
        "date": when,
        "case": row.case_id,
        "seq": 0,
        "company": row.company_name,
        "coordinator": row.coordinator,
        "label": label,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "held_on": None,
        "nominal": None,
        "nominal_reasons": [],
    }

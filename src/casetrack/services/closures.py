"""Council closures: days a council is closed beyond the national calendar. Adding or removing one
re-plans the open monitoring sessions it touches, in the same transaction, and says which moved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..business_days import BusinessCalendar
from ..domain.reminder_records import ClosureDay
from ..domain.schedule import next_business_day
from ..errors import BadInput, NotFound, NotPermitted
from ..store.reminders import ReminderRepo
from ..store.work import Work
from .context import Context


def calendars(
    ctx: Context, rrepo: ReminderRepo, extra: Sequence[ClosureDay] = ()
) -> dict[str | None, BusinessCalendar]:
    """A business calendar per council: the national one, the settings' closures and the database's
    (and ``extra`` closures as if recorded: ``whatif``)."""
    common: dict[dt.date, list[str]] = {day: [] for day in ctx.settings.closures}
    by_council: dict[str, dict[dt.date, list[str]]] = {}
    for r in [*rrepo.closures(), *extra]:
        days = common if r.council is None else by_council.setdefault(r.council, {})
        days.setdefault(r.day, []).extend([r.reason] if r.reason else [])

    def calendar(*parts: dict[dt.date, list[str]]) -> BusinessCalendar:
        merged: dict[dt.date, list[str]] = {}
        for part in parts:
            for day, reasons in part.items():
                merged.setdefault(day, []).extend(r for r in reasons if r not in merged[day])
        return BusinessCalendar({day: "・".join(reasons) or None for day, reasons in merged.items()})

    out: dict[str | None, BusinessCalendar] = {None: calendar(common)}
    for council, days in by_council.items():
        out[council] = calendar(common, days)
    return out


def council_calendar(ctx: Context, rrepo: ReminderRepo, council: str) -> BusinessCalendar:
    cals = calendars(ctx, rrepo)
    return cals.get(council) or cals[None]


def calendar_of(ctx: Context, repo: Work, council: str) -> BusinessCalendar:
    """The business calendar of ``council`` read within the unit of work ``repo``."""
    return council_calendar(ctx, repo.reminders, council)


def list_closures(ctx: Context) -> list[dict[str, Any]]:
    ctx.authorize("registry.read")
    with ctx.read() as repo:
        rows = repo.reminders.closures()
    out = [
        {"day": r.day, "council": r.council or "all", "reason": r.reason, "source": "database"} for r in rows
    ]
    out += [{"day": d, "council": "all", "reason": None, "source": "settings"} for d in ctx.settings.closures]
    return sorted(out, key=lambda r: (r["day"], r["council"]))


def change_closure(
    ctx: Context, day: dt.date, *, council: str | None, reason: str | None, remove: bool = False
) -> dict[str, Any]:
    actor = ctx.authorize("settings.write")
    if council is None and actor.role not in (None, "admin"):
        raise NotPermitted(
            f"{actor.name} ({actor.role}) may change only their council's closures; "
            "closures of every council are an admin's",
            ja=[
                f"{actor.name} が変更できるのは自分の協議会の休業日だけです（全協議会の休業日は管理者が変更します）。"
            ],
        )
    with ctx.write() as repo:
        if council is not None and repo.council(council) is None:
            raise NotFound("council", council)
        if council is not None:
            ctx.check_council(council)
        rrepo = repo.reminders
        if remove:
            if not rrepo.remove_closure(council, day):
                raise NotFound(
                    "closure",
                    f"{day} ({council or 'all councils'})",
                    ja=[
                        f"{day} は{f'協議会 {council} の' if council else '全協議会の'}休業日ではありません。"
                    ],
                )
        elif not rrepo.add_closure(council, day, reason, ctx.now()):
            raise BadInput(
                f"{day} is already a closure for {council or 'all councils'}",
                ja=[f"{day} はすでに{council and f'協議会 {council} の' or '全協議会の'}休業日です。"],
            )
        cals = calendars(ctx, rrepo)
        moved = []
        for s in rrepo.scheduled_sessions_from(council, day):
            cal = cals.get(s.council) or cals[None]
            due = next_business_day(s.nominal_due_on, cal.is_closed)
            if due != s.due_on:
                rrepo.move_session(s.case_id, s.seq, due)
                moved.append(
                    {
                        "case": s.case_id,
                        "seq": s.seq,
                        "nominal_due_on": s.nominal_due_on,
                        "from": s.due_on,
                        "to": due,
                    }
                )
    return {"day": day, "council": council or "all", "reason": reason, "removed": remove, "moved": moved}

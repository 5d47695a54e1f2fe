"""Council closures: days a council is closed beyond the national calendar. Adding or removing one
re-plans the open monitoring sessions it touches, in the same transaction, and says which moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.schedule import next_business_day
from ..errors import BadInput, NotFound
from ..store.reminders import ReminderRepo
from ..store.repo import utcnow
from .context import Context
from .reminders import calendars


def list_closures(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        rows = ReminderRepo(repo.conn).closures()
    out = [{"day": r["day"], "council": r["council"] or "all", "reason": r["reason"], "source": "database"}
           for r in rows]
    out += [{"day": d, "council": "all", "reason": None, "source": "settings"} for d in ctx.settings.closures]
    return sorted(out, key=lambda r: (r["day"], r["council"]))


def change_closure(ctx: Context, day: dt.date, *, council: str | None, reason: str | None,
                   remove: bool = False) -> dict[str, Any]:
    with ctx.write() as repo:
        if council is not None and repo.council(council) is None:
            raise NotFound("council", council)
        rrepo = ReminderRepo(repo.conn, ctx.scope)
        if remove:
            if not rrepo.remove_closure(council, day):
                raise NotFound("closure", f"{day} ({council or 'all councils'})")
        elif not rrepo.add_closure(council, day, reason, utcnow()):
            raise BadInput(f"{day} is already a closure for {council or 'all councils'}")
        cals = calendars(ctx, rrepo)
        moved = []
        for s in rrepo.scheduled_sessions_from(council, day):
            cal = cals.get(s["council"]) or cals[None]
            due = next_business_day(s["nominal_due_on"], cal.is_closed)
            if due != s["due_on"]:
                rrepo.move_session(s["case_id"], s["seq"], due)
                moved.append({"case": s["case_id"], "seq": s["seq"], "nominal_due_on": s["nominal_due_on"],
                              "from": s["due_on"], "to": due})
    return {"day": day, "council": council or "all", "reason": reason, "removed": remove, "moved": moved}

"""Monitoring sessions: list, record, waive."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import presenters
from ..errors import BadInput, NotFound, Refused
from ..store.reminders import ReminderRepo
from .closures import calendar_of, calendars
from .context import Context, load_case, stale


def list_sessions(ctx: Context, **filters: Any) -> list[dict[str, Any]]:
    ctx.authorize("case.read")
    with ctx.read() as repo:
        if filters.get("case_id"):
            load_case(repo, filters["case_id"])
        cals = calendars(ctx, ReminderRepo(repo.conn))
        return [presenters.session_row(s, ctx.today, cals.get(s["council"]) or cals[None])
                for s in repo.list_sessions(**filters)]


def record_session(ctx: Context, case_id: str, seq: int, *, held_on: dt.date, note: str | None) -> dict[str, Any]:
    ctx.authorize("case.work")
    return _close_session(ctx, case_id, seq, {"status": "held", "held_on": held_on, "note": note})


def waive_session(ctx: Context, case_id: str, seq: int, *, reason: str) -> dict[str, Any]:
    ctx.authorize("case.decide")
    if not reason.strip():
        raise BadInput("waiving a session needs a reason")
    return _close_session(ctx, case_id, seq, {"status": "waived", "waive_reason": reason})


def _close_session(ctx: Context, case_id: str, seq: int, values: dict[str, Any]) -> dict[str, Any]:
    with ctx.write() as repo:
        case, _spec = load_case(repo, case_id)
        current = next((s for s in repo.case_sessions(case_id) if s["seq"] == seq), None)
        if current is None:
            raise NotFound("monitoring session", f"{case_id}#{seq}")
        if current["status"] != "scheduled":
            raise Refused(f"session {seq} of case {case_id} is already {current['status']}")
        if case["state"] != "monitoring":
            raise Refused(f"case {case_id} is {case['state']}, not monitoring")
        if values.get("held_on") and case["plan_date"] and values["held_on"] < case["plan_date"]:
            raise BadInput(f"--held-on {values['held_on']} is before the plan date {case['plan_date']}")
        if not repo.update_case(case_id, case["version"], {}):
            raise stale(case_id)
        repo.update_session(case_id, seq, values)
        row = next(s for s in repo.case_sessions(case_id) if s["seq"] == seq)
        calendar = calendar_of(ctx, repo, case["council"])
    return presenters.session_row({**row, "council": case["council"]}, ctx.today, calendar)


def set_explicit_schedule(ctx: Context, case_id: str, dates: list[dt.date]) -> list[dict[str, Any]]:
    """Replace a 405 case's sessions by a schedule agreed with the banks (before any is held or waived)."""
    ctx.authorize("case.work")
    from ..domain.schedule import explicit_sessions
    from .closures import council_calendar

    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        if spec.program != "405":
            raise Refused(f"case {case_id} is {spec.program}: explicit schedules are for 405 cases")
        if case["state"] not in ("agreed", "payment_claimed", "monitoring"):
            raise Refused(f"case {case_id} is {case['state']}: a schedule is agreed between the plan date and "
                          "the end of monitoring (agreed, payment_claimed, monitoring)")
        if case["plan_date"] is None:
            raise Refused(f"case {case_id} has no plan date yet (set by {spec.plan_date_event})")
        current = repo.case_sessions(case_id)
        if any(s["status"] != "scheduled" for s in current):
            raise Refused(f"case {case_id} already has held or waived sessions; its schedule can no longer change")
        rules = spec.rule_set(case["rule_set"]).values
        cal = council_calendar(ctx, ReminderRepo(repo.conn), case["council"])
        try:
            planned = explicit_sessions(case["plan_date"], sorted(dates),
                                        case["window_months"] or int(rules["window_months"]), is_closed=cal.is_closed)
        except ValueError as exc:
            raise Refused(f"schedule refused for case {case_id}: {exc}", str(exc).split("; ")) from None
        if not repo.update_case(case_id, case["version"], {}):
            raise stale(case_id)
        repo.replace_sessions(case_id, [{"seq": s.seq, "kind": s.kind, "nominal_due_on": s.nominal_due_on,
                                         "due_on": s.due_on, "status": "scheduled"} for s in planned])
        return [presenters.session_row({**s, "council": case["council"]}, ctx.today, cal)
                for s in repo.case_sessions(case_id)]

"""Coordinator views: the stalled-case audit and the caseload (DOMAIN.md §9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from ..domain.dates import fiscal_year
from ..domain.findings import (
    CODES,
    Finding,
    StateInfo,
    case_findings,
    holdback_finding,
    session_finding,
    urgency,
)
from ..errors import BadInput
from ..store.views import ViewRepo
from ..workflow.registry import all_workflows
from ..workflow.spec import WorkflowSpec
from .context import Context

ENDED = ("closed", "withdrawn", "lapsed")


def _state_info(spec: WorkflowSpec) -> dict[str, StateInfo]:
    return {s.id: StateInfo(s.ja, s.waiting_on, s.stall_days) for s in spec.states.values()}


def _open_in(spec: WorkflowSpec, item: str) -> tuple[str, ...]:
    reminder = spec.reminders.get(item)
    return reminder.open_in if reminder else ()


def _by_state(pairs: list[tuple[str, Any, str]]) -> list[tuple[str, Any, tuple[str, ...] | None]]:
    """(state, value, program) → (state, value, programs), programs None where they are every program
    whose workflow has the state (then the SQL needs no program term)."""
    specs = all_workflows()
    grouped: dict[tuple[str, Any], set[str]] = {}
    for state, value, program in pairs:
        grouped.setdefault((state, value), set()).add(program)
    out = []
    for (state, value), programs in grouped.items():
        having = {p for p, spec in specs.items() if state in spec.states}
        out.append((state, value, None if programs == having else tuple(sorted(programs))))
    return sorted(out, key=lambda r: (r[0], str(r[1]), r[2] or ()))


def stall_rules(today: dt.date) -> list[tuple[str, dt.date, tuple[str, ...] | None]]:
    """The audit's ``stalled`` finding as data for SQL: (state, entered before, programs). A case is
    stalled when it is in an open state of its program with a threshold and someone to wait on, and has
    been in it more than ``stall_days`` days (DOMAIN.md §9): ``state_since < today - stall_days``."""
    pairs = []
    for spec in all_workflows().values():
        for state in spec.open_states:
            info = spec.states[state]
            if info.stall_days is not None and info.waiting_on:
                pairs.append((state, today - dt.timedelta(days=info.stall_days), spec.program))
    return _by_state(pairs)


def overdue_rules() -> list[tuple[str, tuple[str, ...] | None]]:
    """Where the audit looks for ``monitoring_overdue``: the open states of each program, as (state,
    programs). A case there with a scheduled session due before today has the finding."""
    pairs = [(state, None, spec.program) for spec in all_workflows().values() for state in spec.open_states]
    return [(state, programs) for state, _none, programs in _by_state(pairs)]


def iter_findings(ctx: Context, repo: ViewRepo, *, council: str | None = None, program: str | None = None,
                  coordinator: str | None = None, codes: frozenset[str] = frozenset(CODES)) -> Iterator[Finding]:
    """Every finding as of ``ctx.today``, unsorted, streamed case by case."""
    today = ctx.today
    specs = all_workflows()
    if program is not None and program not in specs:
        raise BadInput(f"unknown program {program!r} (one of {', '.join(specs)})")
    case_codes = codes & {"stalled", "claim_deadline", "validity"}
    for spec in specs.values():
        if program is not None and spec.program != program:
            continue
        infos = _state_info(spec)
        claim_in, validity_in = _open_in(spec, "claim_deadline"), _open_in(spec, "validity")
        consents: dict[str, list[str]] | None = None
        if case_codes:
            for case in repo.cases_in_states(spec.open_states, council=council, program=spec.program,
                                             coordinator=coordinator):
                rules = spec.rule_set(case["rule_set"]).values
                state = infos[case["state"]]
                needs_consents = ("stalled" in case_codes and case["state"] == "negotiating"
                                  and state.stall_days is not None
                                  and (today - case["state_since"]).days > state.stall_days)
                if needs_consents and consents is None:  # one query for all negotiating cases, when needed
                    consents = repo.missing_consents_in("negotiating", council)
                found = case_findings(case, state, rules, today, claim_open_in=claim_in,
                                      validity_open_in=validity_in,
                                      missing_consents=(consents or {}).get(case["id"], ()) if needs_consents else ())
                yield from (f for f in found if f.code in case_codes)
        if "monitoring_overdue" in codes:
            for row in repo.overdue_sessions(today, council=council, program=spec.program, coordinator=coordinator,
                                             states=spec.open_states):
                finding = session_finding(row, row, today, spec.rule_set(row["rule_set"]).values)
                if finding is not None:
                    yield finding
        if "holdback_open" in codes:
            for row in repo.open_holdbacks(council=council, program=spec.program, coordinator=coordinator):
                if row["decided_on"] is None or row["state"] in ("withdrawn", "lapsed", "rejected"):
                    continue
                finding = holdback_finding(row, spec.rule_set(row["rule_set"]).values, row["decided_on"],
                                           int(row["open"]), today)
                if finding is not None:
                    yield finding


def audit_stalled(ctx: Context, *, council: str | None = None, program: str | None = None,
                  coordinator: str | None = None, codes: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return list(audit_stalled_rows(ctx, council=council, program=program, coordinator=coordinator, codes=codes))


def audit_stalled_rows(ctx: Context, *, council: str | None = None, program: str | None = None,
                       coordinator: str | None = None, codes: tuple[str, ...] = ()) -> Iterator[dict[str, Any]]:
    """The findings, most urgent first, one dict at a time (only the compact findings are held to sort)."""
    ctx.authorize("case.read")
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise BadInput(f"unknown finding code {unknown[0]!r} (one of {', '.join(CODES)})")
    with ctx.read() as repo:
        views = ViewRepo(repo.conn, ctx.scope)
        found = list(iter_findings(ctx, views, council=council, program=program, coordinator=coordinator,
                                   codes=frozenset(codes or CODES)))
    found.sort(key=urgency)
    return (f.as_dict() for f in found)


def caseload(ctx: Context, *, by: str = "state", council: str | None = None) -> list[dict[str, Any]]:
    """Counts per key, all in SQL (GROUP BY): open cases by state, cases with an overdue session, stalled
    cases (days in the state above its threshold), and what ended this fiscal year."""
    ctx.authorize("case.read")
    if by not in ("state", "coordinator", "program", "council"):
        raise BadInput(f"--by {by!r}: one of state, coordinator, program, council")
    today = ctx.today
    fy = fiscal_year(today)
    specs = all_workflows()
    open_states = sorted({s for spec in specs.values() for s in spec.open_states})
    stalled_rules = [(spec.program, st.id, today - dt.timedelta(days=st.stall_days))
                     for spec in specs.values() for st in spec.states.values()
                     if st.stall_days is not None and not st.final and st.waiting_on]
    rows: dict[str, dict[str, Any]] = {}

    def bucket(key: Any) -> dict[str, Any]:
        k = "(none)" if key is None else str(key)
        return rows.setdefault(k, {"key": k, "open": 0, "by_state": {}, "overdue_monitoring": 0, "stalled": 0,
                                   "ended_this_fiscal_year": dict.fromkeys(ENDED, 0), "fiscal_year": fy})

    with ctx.read() as repo:
        views = ViewRepo(repo.conn, ctx.scope)
        for key, state, n in views.open_counts(by, open_states, council=council):
            b = bucket(key)
            b["open"] += n
            b["by_state"][state] = n
        for key, state, n in views.ended_counts(by, ENDED, dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31),
                                                council=council):
            bucket(key)["ended_this_fiscal_year"][state] = n
        for key, n in views.stalled_counts(by, stalled_rules, council=council):
            bucket(key)["stalled"] = n
        for key, n in views.overdue_case_counts(by, today, open_states, council=council):
            bucket(key)["overdue_monitoring"] = n
    for b in rows.values():
        b["by_state"] = dict(sorted(b["by_state"].items()))
    return sorted(rows.values(), key=lambda r: r["key"])

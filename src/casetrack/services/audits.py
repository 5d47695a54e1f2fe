"""The audits of a council's cases: the stalled-case audit and the caseload (DOMAIN.md §9)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import partial
from typing import Any

from ..domain import deadlines
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
from ..domain.labels import FINDING_CODES, LEVELS, WAITING_ON, label
from ..errors import BadInput
from ..store.audits import AuditRepo, Bound
from ..workflow.catalog import all_workflows
from ..workflow.spec import WorkflowSpec
from .context import Context
from .filters import check, check_choice
from .spill import sorted_spilling

ENDED = ("closed", "withdrawn", "lapsed")
SORT_IN_MEMORY = 100_000  # findings sorted in memory before sorted runs go to temporary files


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
    """Where scheduled sessions are live, as (state, programs): each workflow's ``session_states`` — the
    one definition the reminders, the audit's ``monitoring_overdue``, the case list's overdue filter, the
    Today page and the digest share (DOMAIN.md §11). A case there with a scheduled session due before
    today has the finding."""
    pairs = [
        (state, None, spec.program) for spec in all_workflows().values() for state in spec.session_states
    ]
    return [(state, programs) for state, _none, programs in _by_state(pairs)]


def finding_bounds(today: dt.date, specs: dict[str, WorkflowSpec], codes: frozenset[str]) -> list[Bound]:
    """Which cases can have one of the ``codes`` about the case itself today, as bounds on their dates:
    stalled when in the state since before ``today - stall_days``; a deadline warning when the date it
    counts from is on or before the latest day whose warning day has come (``deadlines.latest_start``
    of the very functions the findings use, per rule set). A superset the database filters by: every
    case passed is still judged by ``case_findings``."""
    bounds = []
    if "stalled" in codes:  # the stall thresholds as the case list's filter has them: entered before a day
        bounds += [
            Bound(programs, (state,), "state_since", before - dt.timedelta(days=1))
            for state, before, programs in stall_rules(today)
        ]
    for spec in specs.values():
        program = (spec.program,)
        claim_in, validity_in = _open_in(spec, "claim_deadline"), _open_in(spec, "validity")
        for rule_set in spec.rule_sets:
            rules = rule_set.values
            if "claim_deadline" in codes and claim_in and "claim_deadline_months" in rules:
                last = deadlines.latest_start(partial(deadlines.claim_deadline_warning, rules=rules), today)
                if last is not None:
                    bounds.append(Bound(program, claim_in, "accepted_on", last, rule_set.id))
            if "validity" in codes and validity_in and "validity_months" in rules:
                last = deadlines.latest_start(
                    partial(deadlines.validity_warning, extended_until=None, rules=rules), today
                )
                if last is not None:
                    bounds.append(
                        Bound(program, validity_in, "accepted_on", last, rule_set.id, unextended=True)
                    )
                # after an extension the warning counts from the new end, whatever the acceptance day
                last = deadlines.latest_start(partial(deadlines.validity_warning, today, rules=rules), today)
                if last is not None:
                    bounds.append(Bound(program, validity_in, "validity_until", last, rule_set.id))
    return bounds


def _stalled_by(specs: dict[str, WorkflowSpec], today: dt.date, state: str = "negotiating") -> dt.date:
    """The latest day a case can have entered ``state`` and be stalled today (the smallest threshold
    of the programs that have the state)."""
    least = min(spec.states[state].stall_days or 0 for spec in specs.values() if state in spec.states)
    return today - dt.timedelta(days=least + 1)


def _holdbacks_flagged_by(specs: dict[str, WorkflowSpec], today: dt.date) -> dt.date | None:
    """The latest plan decision whose open holdback can be flagged today under any rule set (None: none
    can be)."""
    lasts = [
        deadlines.latest_start(partial(deadlines.holdback_warning, rules=rs.values), today)
        for spec in specs.values()
        for rs in spec.rule_sets
        if "holdback_open_warn_months" in rs.values
    ]
    return max((last for last in lasts if last is not None), default=None)


def iter_findings(
    ctx: Context,
    repo: AuditRepo,
    *,
    council: str | None = None,
    program: str | None = None,
    coordinator: str | None = None,
    codes: frozenset[str] = frozenset(CODES),
) -> Iterator[Finding]:
    """Every finding as of ``ctx.today``, unsorted, streamed. One query per source for every program
    at once (the open cases, the overdue sessions, the open holdbacks): each is read once, and each row
    is judged by its own program's workflow."""
    today = ctx.today
    specs = all_workflows()
    if program is not None and program not in specs:
        raise BadInput(
            f"unknown program {program!r} (one of {', '.join(specs)})",
            ja=[f"事業「{program}」はありません（{'、'.join(specs)} のいずれかです）。"],
        )
    chosen = {p: spec for p, spec in specs.items() if program in (None, p)}
    open_in = {p: frozenset(spec.open_states) for p, spec in chosen.items()}
    states = sorted(set().union(*open_in.values()))
    case_codes = codes & {"stalled", "claim_deadline", "validity"}
    if case_codes:
        judged = {
            p: (_state_info(spec), _open_in(spec, "claim_deadline"), _open_in(spec, "validity"))
            for p, spec in chosen.items()
        }
        consents: dict[str, list[str]] | None = None
        within = finding_bounds(today, chosen, case_codes)
        for case in repo.cases_in_states(
            states, council=council, program=program, coordinator=coordinator, within=within
        ):
            prog, state_id = case.program, case.state
            if state_id not in open_in[prog]:
                continue
            infos, claim_in, validity_in = judged[prog]
            state = infos[state_id]
            needs_consents = (
                "stalled" in case_codes
                and state_id == "negotiating"
                and state.stall_days is not None
                and (today - case.state_since).days > state.stall_days
            )
            if (
                needs_consents and consents is None
            ):  # one query for all stalled negotiating cases, when needed
                consents = repo.missing_consents_in(
                    "negotiating", council, entered_by=_stalled_by(chosen, today)
                )
            found = case_findings(
                case,
                state,
                chosen[prog].rule_set(case.rule_set).values,
                today,
                claim_open_in=claim_in,
                validity_open_in=validity_in,
                missing_consents=(consents or {}).get(case.id, ()) if needs_consents else (),
            )
            yield from (f for f in found if f.code in case_codes)
    if "monitoring_overdue" in codes:
        live = {p: frozenset(spec.session_states) for p, spec in chosen.items()}
        for row in repo.overdue_sessions(
            today,
            council=council,
            program=program,
            coordinator=coordinator,
            states=sorted(set().union(*live.values())),
        ):
            if row.state in live[row.program]:
                finding = session_finding(
                    row, row.seq, row.due_on, today, chosen[row.program].rule_set(row.rule_set).values
                )
                if finding is not None:
                    yield finding
    if "holdback_open" in codes:
        decided_by = _holdbacks_flagged_by(chosen, today)
        held = (
            []
            if decided_by is None
            else repo.open_holdbacks(
                council=council, program=program, coordinator=coordinator, decided_by=decided_by
            )
        )
        for held_row in held:
            if held_row.decided_on is None or held_row.state in ("withdrawn", "lapsed", "rejected"):
                continue
            finding = holdback_finding(
                held_row,
                chosen[held_row.program].rule_set(held_row.rule_set).values,
                held_row.decided_on,
                int(held_row.open),
                today,
            )
            if finding is not None:
                yield finding


def audit_stalled(
    ctx: Context,
    *,
    council: str | None = None,
    program: str | None = None,
    coordinator: str | None = None,
    codes: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    return list(
        audit_stalled_rows(ctx, council=council, program=program, coordinator=coordinator, codes=codes)
    )


def audit_stalled_rows(
    ctx: Context,
    *,
    council: str | None = None,
    program: str | None = None,
    coordinator: str | None = None,
    codes: tuple[str, ...] = (),
) -> Iterator[dict[str, Any]]:
    """The findings, most urgent first, one dict at a time. Sorting needs them all, so they are held
    as compact records — up to ``SORT_IN_MEMORY`` of them; beyond that, sorted runs wait in temporary
    files and are merged (memory stays flat however large the country)."""
    ctx.authorize("case.read")
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        check_choice("finding code", unknown[0], CODES, "要対応の種類")
    with ctx.read() as repo:
        check(repo, council=council, program=program, coordinator=coordinator)
        audits = repo.audits
        found = iter_findings(
            ctx,
            audits,
            council=council,
            program=program,
            coordinator=coordinator,
            codes=frozenset(codes or CODES),
        )
        # each finding as a plain tuple: what spills is pickled, and pickle writes a tuple in C
        ranked = sorted_spilling(
            ((*urgency(f), n, tuple(f)) for n, f in enumerate(found)), limit=SORT_IN_MEMORY
        )
    return labelled(ctx, (Finding._make(ranked_row[-1]).as_dict() for ranked_row in ranked))


LABEL_BATCH = 500


def labelled(ctx: Context, rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Findings with what people read beside the codes: the company's name and the labels of the state,
    the finding, the party waited on and the level (read a batch of companies at a time)."""
    specs = all_workflows()
    batch: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        with ctx.read() as repo:
            names = repo.audits.company_names([r["case"] for r in batch])
        for r in batch:
            spec = specs.get(r["program"])
            state = spec.states.get(r["state"]) if spec else None
            yield {
                **r,
                "company": names.get(r["case"]),
                "state_label": state.ja if state else r["state"],
                "code_label": label(FINDING_CODES, r["code"]),
                "waiting_on_label": label(WAITING_ON, r["waiting_on"]),
                "level_label": label(LEVELS, r["level"]),
                "program_label": spec.ja if spec else r["program"],
            }

    for row in rows:
        batch.append(row)
        if len(batch) == LABEL_BATCH:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def caseload(ctx: Context, *, by: str = "state", council: str | None = None) -> list[dict[str, Any]]:
    """Counts per key, all in SQL (GROUP BY): open cases by state, cases with an overdue session, stalled
    cases (days in the state above its threshold), and what ended this fiscal year."""
    ctx.authorize("case.read")
    if by not in ("state", "coordinator", "program", "council"):
        raise BadInput(
            f"--by {by!r}: one of state, coordinator, program, council",
            ja=[f"--by「{by}」では集計できません（state、coordinator、program、council のいずれかです）。"],
        )
    today = ctx.today
    fy = fiscal_year(today)
    specs = all_workflows()
    open_states = sorted({s for spec in specs.values() for s in spec.open_states})
    stalled_rules = [
        (spec.program, st.id, today - dt.timedelta(days=st.stall_days))
        for spec in specs.values()
        for st in spec.states.values()
        if st.stall_days is not None and not st.final and st.waiting_on
    ]
    rows: dict[str, dict[str, Any]] = {}

    def bucket(key: Any) -> dict[str, Any]:
        k = "(none)" if key is None else str(key)
        return rows.setdefault(
            k,
            {
                "key": k,
                "open": 0,
                "by_state": {},
                "overdue_monitoring": 0,
                "stalled": 0,
                "ended_this_fiscal_year": dict.fromkeys(ENDED, 0),
                "fiscal_year": fy,
            },
        )

    with ctx.read() as repo:
        check(repo, council=council)
        audits = repo.audits
        for key, state, n in audits.open_counts(by, open_states, council=council):
            b = bucket(key)
            b["open"] += n
            b["by_state"][state] = n
        for key, state, n in audits.ended_counts(
            by, ENDED, dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31), council=council
        ):
            bucket(key)["ended_this_fiscal_year"][state] = n
        for key, n in audits.stalled_counts(by, stalled_rules, council=council):
            bucket(key)["stalled"] = n
        for key, n in audits.overdue_case_counts(by, today, overdue_rules(), council=council):
            bucket(key)["overdue_monitoring"] = n
    names = _key_labels(by, repo_councils=None if by != "council" else _council_names(ctx))
    for b in rows.values():
        b["by_state"] = dict(sorted(b["by_state"].items()))
        b["key_label"] = names.get(b["key"], b["key"])
    return sorted(rows.values(), key=lambda r: r["key"])


def state_labels() -> dict[str, str]:
    """Every workflow state id → its Japanese label (the first program's where two share an id)."""
    out: dict[str, str] = {}
    for spec in all_workflows().values():
        for state in spec.states.values():
            out.setdefault(state.id, state.ja)
    return out


def _council_names(ctx: Context) -> dict[str, str]:
    with ctx.read() as repo:
        return {c.code: c.name for c in repo.list_councils()}


def _key_labels(by: str, repo_councils: dict[str, str] | None) -> dict[str, str]:
    """What people read for a caseload key: a state's or a program's label, a council's name."""
    if by == "state":
        return state_labels()
    if by == "program":
        return {p: spec.ja for p, spec in all_workflows().items()}
    if by == "council":
        return repo_councils or {}
    return {"(none)": "（担当なし）"}

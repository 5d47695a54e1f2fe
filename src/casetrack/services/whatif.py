"""What-if replay (``casetrack whatif``): what changed workflow files and extra closed days would change
for the open cases, before they are switched on. Everything is read in one read transaction and judged
twice in memory — with the rules and calendars in force, and with the changed ones — by the very
functions the rest of casetrack uses (the monitoring planner, ``domain.deadlines``, the audit's
findings, the guard engine, the subsidy arithmetic). Nothing is written.

What is compared, per open case in reach (the actor's councils; ``--council`` narrows):

- ``due_on``: each scheduled monitoring session's due date. A case whose sessions were planned by the
  rules (their nominal dates are what the planner gives today) is planned again from its plan date with
  the changed rule set and calendar; a session that would no longer exist has ``after`` null, a new one
  ``before`` null. An extra closure moves the sessions ``closure add`` would revisit (due from 60 days
  before the day on) to the next business day after their nominal date, as ``closure add`` does.
- ``deadline``: the early claim deadline, the 405 validity end, the day an open 405 holdback is flagged.
- ``guard``: each event of the case's state, allowed or refused as of today.
- ``amount``: the caps of the case's track, and each open claim's subsidy (and the plan holdback) if it
  were decided now.
- ``finding``: each finding of ``audit stalled`` as of today (its start day; null: none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..business_days import BusinessCalendar
from ..domain import deadlines
from ..domain.audit_records import OpenHoldback
from ..domain.fees import holdback, subsidy_for
from ..domain.findings import Finding, StateInfo, case_findings, holdback_finding, session_finding
from ..domain.guards import GUARDS
from ..domain.labels import FINDING_CODES, LEVELS, label
from ..domain.reminder_records import ClosureDay
from ..domain.schedule import next_business_day
from ..domain.whatif_records import WhatIfCase, WhatIfClaim, WhatIfSession
from ..errors import BadInput, NotFound
from ..workflow.catalog import all_workflows
from ..workflow.engine import Engine
from ..workflow.loader import load_file
from ..workflow.spec import EventSpec, RuleSet, WorkflowSpec
from .cases import plan_sessions
from .closures import calendars
from .context import Context
from .parsing import parse_council_code, read_date

WHAT = {
    "due_on": "伴走期限",
    "deadline": "期限",
    "guard": "手続き可否",
    "amount": "金額",
    "finding": "要対応",
}
DEADLINES = {"claim_deadline": "支払申請期限", "validity": "利用申請の有効期限", "holdback": "留保金の警告日"}
PLAN_KEYS = (
    "interim_months",
    "fye_report_lag_months",
    "fye_min_months_after_plan",
    "default_interval_months",
    "window_months",
)
MONEY_KEYS = ("rate", "caps", "holdback")
GUARD_EXTRA_KEYS = {"prior_use": ("reuse_needs_council_approval",)}  # read with .get, beside ``needs``
CLOSURE_REACH = dt.timedelta(days=60)  # closure add revisits the sessions due from 60 days before the day on
ENDED_HOLDBACK = ("withdrawn", "lapsed", "rejected")


@dataclass(frozen=True)
class Closure:
    day: dt.date
    council: str | None  # None: every council


def parse_closure(text: str) -> Closure:
    """``DATE[:COUNCIL]`` (a date as everywhere: 2027-05-06, 令和9年5月6日 …)."""
    day_text, sep, council = text.strip().rpartition(":")
    if not sep:
        day_text, council = text.strip(), ""
    try:
        day = read_date(day_text)
    except ValueError as exc:
        raise BadInput(
            f"--closure {text!r}: {exc} (DATE or DATE:COUNCIL)",
            ja=[f"休業日「{text}」を読めません（日付、または 日付:協議会コード）。"],
        ) from None
    return Closure(day, parse_council_code(council) if council else None)


def changed_specs(files: Sequence[str | Path]) -> dict[str, WorkflowSpec]:
    """The changed workflow files by program; an invalid one is bad input naming file:line."""
    out: dict[str, WorkflowSpec] = {}
    for path in files:
        if not Path(path).is_file():
            raise BadInput(
                f"--workflow {path}: no such file", ja=[f"ワークフローファイル {path} がありません。"]
            )
        spec = load_file(path)
        if spec.program in out:
            raise BadInput(
                f"--workflow {path}: program {spec.program} is already given by {out[spec.program].path}",
                ja=[f"{spec.program} のワークフローが二つ指定されています。"],
            )
        out[spec.program] = spec
    return out


def _rule_set(spec: WorkflowSpec, case: WhatIfCase) -> RuleSet:
    """The case's pinned rule set; when the (changed) workflow has no rule set of that id, the one in
    force on its acceptance (or opening) day."""
    try:
        return spec.rule_set(case.rule_set)
    except LookupError:
        return spec.rule_set_on(case.accepted_on or case.opened_on)


def _open_in(spec: WorkflowSpec, item: str) -> tuple[str, ...]:
    reminder = spec.reminders.get(item)
    return reminder.open_in if reminder else ()


class _Side:
    """One side of the comparison: the workflows and the calendars."""

    def __init__(
        self, specs: Mapping[str, WorkflowSpec], cals: Mapping[str | None, BusinessCalendar]
    ) -> None:
        self.specs = specs
        self.cals = cals
        self.engines: dict[str, Engine] = {}

    def calendar(self, council: str) -> BusinessCalendar:
        return self.cals.get(council) or self.cals[None]

    def engine(self, program: str) -> Engine:
        if program not in self.engines:
            self.engines[program] = Engine(self.specs[program])
        return self.engines[program]


def _findings(
    spec: WorkflowSpec,
    case: WhatIfCase,
    rules: Mapping[str, Any],
    due: Mapping[int, dt.date],
    holdbacks: Sequence[OpenHoldback],
    today: dt.date,
) -> dict[str, Finding]:
    """The audit's findings about the case as ``iter_findings`` judges them, by ref (the finding code;
    ``monitoring_overdue:SEQ`` per session)."""
    out: dict[str, Finding] = {}
    state = spec.states.get(case.state)
    if state is None or state.final:
        return out
    info = StateInfo(state.ja, state.waiting_on, state.stall_days)
    judged = case.audit_case()  # the audit's own record of it
    for f in case_findings(
        judged,
        info,
        rules,
        today,
        claim_open_in=_open_in(spec, "claim_deadline"),
        validity_open_in=_open_in(spec, "validity"),
    ):
        out[f.code] = f
    if case.state in spec.session_states:
        for seq, day in due.items():
            found = session_finding(judged, seq, day, today, rules)
            if found is not None:
                out[f"monitoring_overdue:{seq}"] = found
    if case.state not in ENDED_HOLDBACK:
        for held in holdbacks:
            found = holdback_finding(judged, rules, held.decided_on, int(held.open), today)
            if found is not None:
                out["holdback_open"] = found
    return out


def _deadlines(
    spec: WorkflowSpec, case: WhatIfCase, rules: Mapping[str, Any], holdbacks: Sequence[OpenHoldback]
) -> dict[str, dt.date]:
    out: dict[str, dt.date] = {}
    accepted = case.accepted_on
    if accepted and case.state in _open_in(spec, "claim_deadline") and "claim_deadline_months" in rules:
        out["claim_deadline"] = deadlines.claim_deadline(accepted, rules)
    if accepted and case.state in _open_in(spec, "validity") and "validity_months" in rules:
        out["validity"] = deadlines.validity_end(accepted, case.validity_until, rules)
    if "holdback_open_warn_months" in rules:
        for held in holdbacks:
            out["holdback"] = deadlines.holdback_warning(held.decided_on, rules)
    return out


def _bare(event: EventSpec) -> EventSpec:
    return replace(event, line=0)


def _guards_may_differ(before: WorkflowSpec, after: WorkflowSpec, case: WhatIfCase, today: dt.date) -> bool:
    """Whether anything the guard engine reads for the case's events differs between the two workflows
    (the case's facts are the same on both sides): the events themselves, their documents' labels, the
    rule-set values their guards read, the track's window, the re-use grounds."""
    events_b, events_a = before.events_from(case.state), after.events_from(case.state)
    if [_bare(e) for e in events_b] != [_bare(e) for e in events_a]:
        return True
    if [before.requirement_labels(e) for e in events_b] != [after.requirement_labels(e) for e in events_a]:
        return True
    if before.tracks.get(case.track) != after.tracks.get(case.track):
        return True
    if (dict(before.reuse_grounds), before.reuse_max_uses) != (
        dict(after.reuse_grounds),
        after.reuse_max_uses,
    ):
        return True
    for event in events_b:
        try:
            if event.sets == "accepted_on":
                rules_b, rules_a = before.rule_set_on(today).values, after.rule_set_on(today).values
            else:
                rules_b, rules_a = _rule_set(before, case).values, _rule_set(after, case).values
        except LookupError:
            return True
        for name in event.guards:
            for key in (*GUARDS[name].needs, *GUARD_EXTRA_KEYS.get(name, ())):
                if rules_b.get(key) != rules_a.get(key):
                    return True
    return False


def _due_after(
    spec_b: WorkflowSpec,
    spec_a: WorkflowSpec,
    case: WhatIfCase,
    fye: int | None,
    rules_b: Mapping[str, Any],
    rules_a: Mapping[str, Any],
    sessions: Sequence[WhatIfSession],
    before: _Side,
    after: _Side,
    closures: Sequence[Closure],
) -> dict[int, tuple[dt.date | None, dt.date | None]]:
    """seq → (due before, due after) of the case's scheduled sessions (and of sessions that would be new);
    ``fye``: the month the case's company's fiscal year ends (read for every case replanned)."""
    scheduled = {s.seq: (s.nominal_due_on, s.due_on) for s in sessions if s.status == "scheduled"}
    out: dict[int, tuple[dt.date | None, dt.date | None]] = {}
    cal_a = after.calendar(case.council)
    plan_date = case.plan_date
    if plan_date is not None and any(rules_b.get(k) != rules_a.get(k) for k in PLAN_KEYS):
        assert fye is not None
        now = plan_sessions(spec_b, case, fye, rules_b, plan_date, before.calendar(case.council).is_closed)
        stored = {s.seq: s.nominal_due_on for s in sessions}
        if {s.seq: s.nominal_due_on for s in now} == stored:  # planned by the rules
            planned = {
                s.seq: s.due_on for s in plan_sessions(spec_a, case, fye, rules_a, plan_date, cal_a.is_closed)
            }
            for seq, (_nominal, due) in scheduled.items():
                out[seq] = (due, planned.get(seq))
            known = {s.seq for s in sessions}
            for seq, due in planned.items():
                if seq not in known:
                    out[seq] = (None, due)
            return out
    for seq, (nominal, due) in scheduled.items():
        touched = any(c.council in (None, case.council) and due >= c.day - CLOSURE_REACH for c in closures)
        out[seq] = (due, next_business_day(nominal, cal_a.is_closed) if touched else due)
    return out


@dataclass(frozen=True)
class _Differs:
    """What differs between two (workflow, rule set) pairs, so a case is judged only where it can change."""

    plan: bool  # the planner's values
    money: bool  # rate, caps, holdback
    deadline: bool  # the deadline months, or the states they are open in
    finding: bool  # anything else the audit reads (thresholds, warnings, states, session states)


NOTHING = _Differs(False, False, False, False)
DEADLINE_KEYS = {"claim_deadline_months", "validity_months", "holdback_open_warn_months"}


def _differs(spec_b: WorkflowSpec, spec_a: WorkflowSpec, rs_b: RuleSet, rs_a: RuleSet) -> _Differs:
    if spec_b is spec_a:
        return NOTHING
    keys = {k for k in {*rs_b.values, *rs_a.values} if rs_b.values.get(k) != rs_a.values.get(k)}
    open_in = any(_open_in(spec_b, item) != _open_in(spec_a, item) for item in ("claim_deadline", "validity"))
    deadline = bool(keys & DEADLINE_KEYS) or open_in
    states_b = [(s.id, s.ja, s.waiting_on, s.stall_days, s.final) for s in spec_b.states.values()]
    states_a = [(s.id, s.ja, s.waiting_on, s.stall_days, s.final) for s in spec_a.states.values()]
    finding = (
        deadline
        or bool(keys - set(MONEY_KEYS) - set(PLAN_KEYS))
        or states_b != states_a
        or spec_b.session_states != spec_a.session_states
    )
    return _Differs(bool(keys & set(PLAN_KEYS)), bool(keys & set(MONEY_KEYS)), deadline, finding)


def whatif(
    ctx: Context,
    *,
    workflow_files: Sequence[str | Path] = (),
    closures: Iterable[str] = (),
    council: str | None = None,
) -> dict[str, Any]:
    """What the changed workflow files and extra closures would change for the open cases in reach."""
    ctx.authorize("case.read")
    extra = [parse_closure(c) for c in closures]
    changed = changed_specs(workflow_files)
    if not changed and not extra:
        raise BadInput(
            "nothing to try: give --workflow FILE (a changed workflow) and/or --closure DATE[:COUNCIL]",
            ja=["変更後のワークフロー（--workflow）か追加の休業日（--closure）を指定してください。"],
        )
    current = all_workflows()
    unknown = sorted(set(changed) - set(current))
    if unknown:
        raise BadInput(
            f"--workflow: program {unknown[0]} is not one of {', '.join(current)}",
            ja=[f"事業「{unknown[0]}」は登録されていません。"],
        )
    today = ctx.today
    with ctx.read() as repo:
        for code in sorted({c for c in [council, *(x.council for x in extra)] if c is not None}):
            if repo.council(code) is None:
                raise NotFound("council", code)
            ctx.check_council(code)
        rrepo = repo.reminders
        before = _Side(current, calendars(ctx, rrepo))
        after = _Side(
            {**current, **changed},
            calendars(ctx, rrepo, [ClosureDay(c.day, c.council, "whatif") for c in extra]),
        )
        reads = repo.whatif
        states = sorted({s for spec in current.values() for s in spec.open_states})
        rows = [r for r in reads.open_cases(states, council) if r.state in current[r.program].open_states]
        every_council = any(c.council is None for c in extra)
        closed_in = {c.council for c in extra}
        differs: dict[tuple[str, str], _Differs] = {}
        judged = []  # (case, what differs, whether an extra closure reaches its council)
        for r in rows:
            closure = every_council or r.council in closed_in
            if r.program not in changed and not closure:
                continue
            key = (r.program, r.rule_set)
            if key not in differs:
                spec_b, spec_a = current[r.program], after.specs[r.program]
                differs[key] = _differs(spec_b, spec_a, _rule_set(spec_b, r), _rule_set(spec_a, r))
            judged.append((r, differs[key], closure))
        wanted = {r.id for r, _d, _c in judged}
        replan = [r.id for r, d, _c in judged if d.plan and r.plan_date is not None]
        sessions: dict[str, list[WhatIfSession]] = {}
        for s in reads.sessions_of(replan):  # every session: is the schedule the planner's?
            sessions.setdefault(s.case_id, []).append(s)
        replanned = set(replan)
        for s in reads.scheduled_sessions(states, council, None if extra else sorted(changed)):
            if s.case_id in wanted and s.case_id not in replanned:
                sessions.setdefault(s.case_id, []).append(s)
        company = reads.companies(r.company_id for r, _d, _c in judged if r.id in replanned)
        holdbacks: dict[str, list[OpenHoldback]] = {}
        for h in reads.open_holdbacks(council):
            if h.id in wanted and h.decided_on is not None:
                holdbacks.setdefault(h.id, []).append(h)
        claims, estimates = reads.money([r.id for r, d, _c in judged if d.money])
        guards_differ: dict[tuple[Any, ...], bool] = {}  # by what the answer depends on
        guard_rows = []
        for r, _d, _c in judged:
            if r.program in changed:
                spec_a = changed[r.program]
                pinned = r.rule_set in {rs.id for rs in spec_a.rule_sets}
                gkey = (
                    r.program,
                    r.state,
                    r.track,
                    r.rule_set,
                    None if pinned else (r.accepted_on or r.opened_on),
                )
                if gkey not in guards_differ:
                    guards_differ[gkey] = _guards_may_differ(current[r.program], spec_a, r, today)
                if guards_differ[gkey]:
                    guard_rows.append(r)
        with_prior = {
            r.id
            for r in guard_rows
            if any(
                "prior_use" in e.guards
                for spec in (current[r.program], changed[r.program])
                for e in spec.events_from(r.state)
            )
        }
        facts = reads.facts(guard_rows, with_prior)
        changes: list[dict[str, Any]] = []
        for case, what, closure in judged:
            changes.extend(
                _case_changes(
                    case,
                    what,
                    before,
                    after,
                    extra if closure else (),
                    sessions.get(case.id, ()),
                    holdbacks.get(case.id, ()),
                    claims.get(case.id, []),
                    estimates.get(case.id, {}),
                    facts.get(case.id),
                    company[case.company_id].fiscal_year_end_month if case.company_id in company else None,
                    today,
                )
            )
        changed_cases = {c["case"] for c in changes}
        names = reads.companies(r.company_id for r in rows if r.id in changed_cases)
    changes.sort(key=lambda c: c["case"])  # stable: a case's changes stay in the order due_on … finding
    company_of = {r.id: names[r.company_id].name if r.company_id in names else "" for r in rows}
    for c in changes:
        c["company"] = company_of.get(c["case"])
    return {
        "today": today,
        "cases_checked": len(rows),
        "workflows": [str(p) for p in workflow_files],
        "closures": [{"day": c.day, "council": c.council or "all"} for c in extra],
        "changes": changes,
    }


def _change(
    case: WhatIfCase,
    what: str,
    ref: str,
    ref_label: str,
    before: Any,
    after: Any,
    before_label: str,
    after_label: str,
    detail: str | None = None,
) -> dict[str, Any]:
    return {
        "case": case.id,
        "council": case.council,
        "company": None,
        "program": case.program,
        "what": what,
        "what_label": WHAT[what],
        "ref": ref,
        "ref_label": ref_label,
        "before": before,
        "after": after,
        "before_label": before_label,
        "after_label": after_label,
        "detail": detail,
    }


def _date_label(day: dt.date | None) -> str:
    return "（なし）" if day is None else day.isoformat()


def _yen(amount: int | None) -> str:
    return "（なし）" if amount is None else f"{amount:,}円"


def _finding_label(f: Finding | None) -> str:
    if f is None:
        return "なし"
    level = "overdue" if f.overdue else "warning"
    return f"{label(LEVELS, level)}（{f.since}から）"


def _case_changes(
    case: WhatIfCase,
    what: _Differs,
    before: _Side,
    after: _Side,
    closures: Sequence[Closure],
    sessions: Sequence[WhatIfSession],
    holdbacks: Sequence[OpenHoldback],
    claims: list[WhatIfClaim],
    estimates: dict[str, int],
    facts: Any,
    fiscal_year_end_month: int | None,
    today: dt.date,
) -> list[dict[str, Any]]:
    program = case.program
    spec_b, spec_a = before.specs[program], after.specs[program]
    rs_b, rs_a = _rule_set(spec_b, case), _rule_set(spec_a, case)
    rules_b, rules_a = rs_b.values, rs_a.values
    out: list[dict[str, Any]] = []

    # due_on
    if what.plan or closures:
        dues = _due_after(
            spec_b, spec_a, case, fiscal_year_end_month, rules_b, rules_a, sessions, before, after, closures
        )
    else:
        dues = {s.seq: (s.due_on, s.due_on) for s in sessions if s.status == "scheduled"}
    moved = False
    for seq, (due_b, due_a) in sorted(dues.items()):
        if due_b != due_a:
            moved = True
            out.append(
                _change(
                    case,
                    "due_on",
                    f"session:{seq}",
                    f"第{seq}回伴走支援",
                    due_b,
                    due_a,
                    _date_label(due_b),
                    _date_label(due_a),
                )
            )

    # deadline
    dl_b = _deadlines(spec_b, case, rules_b, holdbacks) if what.deadline else {}
    dl_a = _deadlines(spec_a, case, rules_a, holdbacks) if what.deadline else {}
    for ref in DEADLINES:
        if dl_b.get(ref) != dl_a.get(ref):
            out.append(
                _change(
                    case,
                    "deadline",
                    ref,
                    DEADLINES[ref],
                    dl_b.get(ref),
                    dl_a.get(ref),
                    _date_label(dl_b.get(ref)),
                    _date_label(dl_a.get(ref)),
                )
            )

    # guard
    if facts is not None:
        verdicts_b = {
            v.event: v for v in before.engine(program).verdicts(replace(facts, rule_set=rs_b.id), today)
        }
        verdicts_a = {
            v.event: v for v in after.engine(program).verdicts(replace(facts, rule_set=rs_a.id), today)
        }
        for event in [*verdicts_b, *(e for e in verdicts_a if e not in verdicts_b)]:
            vb, va = verdicts_b.get(event), verdicts_a.get(event)
            ok_b = None if vb is None else vb.allowed
            ok_a = None if va is None else va.allowed
            if ok_b != ok_a:
                spec = spec_a if event in spec_a.events else spec_b
                refused = va if va is not None and not va.allowed else vb
                detail = "；".join(refused.reasons) if refused is not None and refused.reasons else None
                out.append(
                    _change(
                        case,
                        "guard",
                        event,
                        spec.events[event].ja,
                        _verdict(ok_b),
                        _verdict(ok_a),
                        _verdict_ja(ok_b),
                        _verdict_ja(ok_a),
                        detail,
                    )
                )

    # amount
    if what.money:
        caps_b, caps_a = rs_b.caps(case.track), rs_a.caps(case.track)
        for component in [*caps_b, *(c for c in caps_a if c not in caps_b)]:
            if caps_b.get(component) != caps_a.get(component):
                comp = spec_a.components.get(component) or spec_b.components.get(component)
                out.append(
                    _change(
                        case,
                        "amount",
                        f"cap:{component}",
                        f"上限：{comp.ja if comp else component}",
                        caps_b.get(component),
                        caps_a.get(component),
                        _yen(caps_b.get(component)),
                        _yen(caps_a.get(component)),
                    )
                )
        out.extend(_claim_changes(case, spec_a, rs_b, rs_a, claims, estimates))

    # finding
    if not (what.finding or moved):
        return out
    due_now = {seq: d for seq, (d, _a) in dues.items() if d is not None}
    due_then = {seq: a for seq, (_b, a) in dues.items() if a is not None}
    found_b = _findings(spec_b, case, rules_b, due_now, holdbacks, today)
    found_a = _findings(spec_a, case, rules_a, due_then, holdbacks, today)
    for ref in sorted(set(found_b) | set(found_a)):
        fb, fa = found_b.get(ref), found_a.get(ref)
        if _finding_key(fb) != _finding_key(fa):
            code, _sep, nth = ref.partition(":")
            ref_label = label(FINDING_CODES, code) or code
            present = fa or fb
            out.append(
                {
                    **_change(
                        case,
                        "finding",
                        ref,
                        ref_label + (f"（第{nth}回）" if nth else ""),
                        fb.since if fb else None,
                        fa.since if fa else None,
                        _finding_label(fb),
                        _finding_label(fa),
                        present.message if present else None,
                    ),
                    "before_level": _level(fb),
                    "after_level": _level(fa),
                }
            )
    return out


def _claim_changes(
    case: WhatIfCase,
    spec: WorkflowSpec,
    rs_b: RuleSet,
    rs_a: RuleSet,
    claims: list[WhatIfClaim],
    estimates: dict[str, int],
) -> list[dict[str, Any]]:
    """Each open claim's subsidy (and the plan holdback) if it were decided now, as ``_subsidy_now`` and
    ``_decide`` work it out: the estimate and the cap left after the component's decided claims."""
    out = []
    track = case.track
    for claim in claims:
        if claim.status != "claimed":
            continue
        component = claim.component
        decided = [c for c in claims if c.component == component and c.status == "decided"]
        estimate = estimates.get(component)
        estimate_left = None if estimate is None else estimate - sum(c.fee for c in decided)
        used = sum(c.subsidy or 0 for c in decided)
        sides = []
        for rs in (rs_b, rs_a):
            subsidy = subsidy_for(
                claim.fee, rs.rate, estimate_left, rs.caps(track).get(component, 0) - used
            ).subsidy
            held = component == "plan" and bool(rs.values.get("holdback", {}).get(track))
            sides.append((subsidy, holdback(subsidy)[1] if held else 0))
        (sub_b, ret_b), (sub_a, ret_a) = sides
        comp = spec.components.get(component)
        name = comp.ja if comp else component
        if sub_b != sub_a:
            out.append(
                _change(
                    case,
                    "amount",
                    f"claim:{claim.id}",
                    f"申請{claim.id}の補助額（{name}）",
                    sub_b,
                    sub_a,
                    _yen(sub_b),
                    _yen(sub_a),
                )
            )
        if ret_b != ret_a:
            out.append(
                _change(
                    case,
                    "amount",
                    f"retained:{claim.id}",
                    f"申請{claim.id}の留保額（{name}）",
                    ret_b,
                    ret_a,
                    _yen(ret_b),
                    _yen(ret_a),
                )
            )
    return out


def _finding_key(f: Finding | None) -> tuple[dt.date, bool] | None:
    return None if f is None else (f.since, f.overdue)


def _level(f: Finding | None) -> str | None:
    return None if f is None else ("overdue" if f.overdue else "warning")


def _verdict(ok: bool | None) -> str | None:
    return None if ok is None else ("pass" if ok else "refuse")


def _verdict_ja(ok: bool | None) -> str:
    return "（手続きなし）" if ok is None else ("可" if ok else "不可")

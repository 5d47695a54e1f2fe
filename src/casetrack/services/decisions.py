"""The supervisor's queue: every decision waiting on the council, from the workflow data — the council
decisions (domain.policy.COUNCIL_DECISIONS) that leave a state whose ``waiting_on`` is the council
(利用申請済: 利用決定 or 不採択; 支払申請済: 支払決定), and every fee claim still open whose component
is decided by 「費用の決定」 rather than by an event (the plan claim waits as its case's 支払決定), and
every re-use case whose rule set asks for the council's 再利用承認 (approve_reuse) not yet given — each
with the days it has waited: since the case entered the state, since the claim was made."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain import policy
from ..domain.browse_records import WaitingCase, WaitingClaim
from ..store.browse import BrowseRepo
from ..workflow.catalog import all_workflows


def waiting_states() -> dict[str, dict[str, list[str]]]:
    """{program: {state: [the council decisions it waits for, as event ids]}}."""
    out: dict[str, dict[str, list[str]]] = {}
    for program, spec in all_workflows().items():
        for state in spec.states.values():
            if state.waiting_on != "council" or state.final:
                continue
            events = [e.id for e in spec.events_from(state.id) if e.id in policy.COUNCIL_DECISIONS]
            if events:
                out.setdefault(program, {})[state.id] = events
    return out


REUSE = "approve_reuse"


def reuse_waiting() -> list[tuple[str, str, str]]:
    """(program, rule set, state) where a re-use case waits for the council's 再利用承認: the rule sets
    that ask for it (``reuse_needs_council_approval``) and the states approve_reuse fires from."""
    out = []
    for program, spec in all_workflows().items():
        if REUSE not in spec.events or REUSE not in policy.COUNCIL_DECISIONS:
            continue
        for rule_set in spec.rule_sets:
            if rule_set.values.get("reuse_needs_council_approval"):
                out += [(program, rule_set.id, state) for state in spec.events[REUSE].sources]
    return out


def decided_by_supervisor() -> list[tuple[str, str]]:
    """(program, component) of the fee components a supervisor decides claim by claim (`fee decide`)."""
    return [
        (program, c.id)
        for program, spec in all_workflows().items()
        for c in spec.components.values()
        if c.decided_by is None
    ]


def decision_queue(today: dt.date, browse: BrowseRepo, *, council: str | None, limit: int) -> dict[str, Any]:
    """The decisions waiting on the council in the actor's councils (or ``council``), longest waiting
    first, read through ``browse`` within the caller's unit of work (the Today page's): {"total", "rows":
    [{"case", "company", "council", "coordinator", "what", "events", "claim_id", "since", "days"}]} —
    ``limit`` rows of each kind at most, the total of both."""
    specs = all_workflows()
    waiting = waiting_states()
    states = sorted({s for by_state in waiting.values() for s in by_state})
    case_total, case_rows = browse.cases_waiting(states, council=council, limit=limit)
    claim_total, claim_rows = browse.claims_waiting(decided_by_supervisor(), council=council, limit=limit)
    reuse_total, reuse_rows = browse.reuse_waiting(reuse_waiting(), council=council, limit=limit)
    rows: list[dict[str, Any]] = []
    for r in case_rows:
        spec = specs[r.program]
        events = waiting.get(r.program, {}).get(r.state, [])
        if not events:  # a state waiting on the council in the other program only
            continue
        rows.append(
            _row(
                today,
                r,
                "・".join(spec.events[e].ja for e in events),
                events,
                None,
                r.state_since,
                spec.states[r.state].ja,
            )
        )
    for c in claim_rows:
        spec = specs[c.program]
        label = spec.components[c.component].ja if c.component in spec.components else c.component
        what = (
            f"費用の決定（{label}" + (f"・第{c.session_seq}回" if c.session_seq else "") + f"、{c.fee:,}円）"
        )
        rows.append(
            _row(
                today,
                c,
                what,
                ["fee_decide", "fee_reject"],
                c.claim_id,
                c.claimed_on,
                spec.states[c.state].ja if c.state in spec.states else c.state,
            )
        )
    for r in reuse_rows:
        spec = specs[r.program]
        rows.append(
            _row(today, r, spec.events[REUSE].ja, [REUSE], None, r.state_since, spec.states[r.state].ja)
        )
    rows.sort(key=lambda x: (-x["days"], x["case"]))
    return {"total": case_total + claim_total + reuse_total, "rows": rows}


def _row(
    today: dt.date,
    r: WaitingCase | WaitingClaim,
    what: str,
    events: list[str],
    claim_id: int | None,
    since: dt.date | str,
    state_label: str,
) -> dict[str, Any]:
    since = since if isinstance(since, dt.date) else dt.date.fromisoformat(since)
    return {
        "case": r.id,
        "company": r.company_name,
        "council": r.council,
        "coordinator": r.coordinator,
        "state_label": state_label,
        "what": what,
        "events": events,
        "claim_id": claim_id,
        "since": since,
        "days": (today - since).days,
    }

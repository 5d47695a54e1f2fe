"""What the case page offers for money and monitoring (DOMAIN.md §5, §8): every claim with the
arithmetic of its subsidy, the fee components a claim can be made for now, the held sessions still
without a claim, each session's closed-day move with the name of the day, and what the user's role
may do. The forms post to the same use cases as `fee claim | decide | reject` and
`monitoring record | waive`, which decide again; this only says what is worth offering."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from ..business_days import BusinessCalendar
from ..domain import policy
from ..domain.case_records import CaseRecords
from ..domain.fees import floor_yen
from ..workflow.spec import WorkflowSpec
from .context import Actor
from .fees import STATUS_LABELS


def money_panel(
    actor: Actor,
    today: dt.date,
    records: CaseRecords,
    claims: Sequence[Mapping[str, Any]],
    spec: WorkflowSpec,
    calendar: BusinessCalendar,
) -> dict[str, Any]:
    """The panel of ``records`` (read with the rest of the page) and their ``claims`` as
    ``fees.list_claims_in`` gives them, for ``actor``; ``calendar`` is the case's council's."""
    case, ledger, sessions, estimates = records.case, records.ledger, records.sessions, records.estimates
    case_id = case.id
    rule_set = spec.rule_set(case.rule_set)
    caps = rule_set.caps(case.track)
    may_work, may_decide = (
        actor.role is None or policy.allows(actor.role, action) for action in ("case.work", "case.decide")
    )

    # the estimate and cap each decided claim met: what the component's earlier decisions left
    before: dict[int, tuple[int, int]] = {}  # claim id: (fees, subsidies) decided before it
    fees_so_far: dict[str, int] = {}
    subsidies_so_far: dict[str, int] = {}
    for e in ledger:
        before[e.claim_id] = (fees_so_far.get(e.component, 0), subsidies_so_far.get(e.component, 0))
        fees_so_far[e.component] = fees_so_far.get(e.component, 0) + e.fee
        subsidies_so_far[e.component] = subsidies_so_far.get(e.component, 0) + e.subsidy
    rows = []
    for c in claims:
        comp = spec.components[c["component"]]
        fees_before, subsidies_before = before.get(
            c["id"], (fees_so_far.get(c["component"], 0), subsidies_so_far.get(c["component"], 0))
        )
        estimate = estimates.get(c["component"])
        cap = caps.get(c["component"], 0)
        decided_by = comp.decided_by
        rows.append(
            {
                **c,
                "label": comp.ja,
                "status_label": STATUS_LABELS[c["status"]],
                "estimate": estimate,
                "estimate_left": None if estimate is None else estimate - fees_before,
                "cap": cap,
                "cap_left": cap - subsidies_before,
                "times_rate": None if c["eligible"] is None else floor_yen(c["eligible"] * rule_set.rate),
                "decided_by": decided_by,
                "decided_by_label": (
                    spec.events[decided_by].ja
                    if decided_by is not None and decided_by in spec.events
                    else decided_by
                ),
                "may_decide": may_decide and c["status"] == "claimed" and not decided_by,
                "may_reject": may_decide and c["status"] == "claimed",
            }
        )

    live = [c for c in claims if c["status"] != "rejected"]
    offered = [
        {"id": cid, "label": comp.ja, "session_kind": comp.session}
        for cid, comp in spec.components.items()
        if cid in caps
        and case.state in comp.claim_states
        and not (comp.decided_by and any(c["component"] == cid for c in live))
    ]
    session_kinds = {o["session_kind"]: o for o in offered if o["session_kind"]}
    claimed_seqs = {c["session"]: c for c in live if c["session"] is not None}
    in_monitoring = case.state in spec.session_states  # sessions live: they may be recorded
    session_rows = []
    for s in sessions:
        moved = s.due_on != s.nominal_due_on
        claim = claimed_seqs.get(s.seq)
        session_rows.append(
            {
                **asdict(s),
                "overdue_days": (today - s.due_on).days
                if s.status == "scheduled" and today > s.due_on
                else 0,
                "moved_because": (calendar.why_closed(s.nominal_due_on) or "休業日") if moved else None,
                "claim": None
                if claim is None
                else {"id": claim["id"], "status_label": STATUS_LABELS[claim["status"]]},
                "may_record": may_work and in_monitoring and s.status == "scheduled",
                "may_waive": may_decide and in_monitoring and s.status == "scheduled",
                "claimable": s.status == "held" and claim is None and s.kind in session_kinds,
            }
        )
    return {
        "case": case_id,
        "version": case.version,
        "rate": str(rule_set.rate),
        "may_work": may_work,
        "may_decide": may_decide,
        "in_monitoring": in_monitoring,
        "claims": rows,
        "components": offered if may_work else [],
        "claimable_sessions": [s for s in session_rows if s["claimable"]] if may_work else [],
        "sessions": session_rows,
    }

"""What the web dashboard shows: the Today page, a page of the case list, one case with everything
about it. Each calls the same use cases as the CLI (audit, show, events, history, outbox) or reads
through the same narrowed repositories, so a page shows nothing its user could not get from the CLI."""

from __future__ import annotations

import datetime as dt
import heapq
import re
from collections import Counter
from typing import Any

from .. import presenters
from ..domain import policy
from ..domain.findings import urgency
from ..domain.guards import missing_documents, reasons_for_people
from ..domain.labels import PROGRAM_SHORT
from ..errors import BadInput
from ..store.audits import AuditRepo
from ..store.browse import SORTS
from ..store.case_reads import case_records
from ..workflow.catalog import all_workflows
from .assignment import assignable_among
from .audits import iter_findings, overdue_rules
from .case_filters import case_filter
from .case_forms import case_forms
from .case_money import money_panel
from .cases import events_of, facts_for_events
from .closures import calendar_of
from .context import Context, load_case
from .decisions import decision_queue
from .fees import list_claims_in
from .reminders import outbox_rows

PER_PAGE = 50
MAX_PAGE = 100_000
HORIZON_DAYS = 30
LIST_LIMIT = 100  # rows of a Today section shown (the total is always said)
DEAD_LETTERS_FOR = ("supervisor", "admin")  # who sees the outbox's dead letters on their Today page


def labels() -> dict[str, Any]:
    """Japanese labels from the workflow data: programs, states (one list in workflow order), events."""
    specs = all_workflows()
    found: dict[str, tuple[int, str]] = {}  # state: (earliest position in a workflow, label)
    for spec in specs.values():
        for position, state in enumerate(spec.states.values()):
            if state.id not in found or position < found[state.id][0]:
                found[state.id] = (position, found.get(state.id, (0, state.ja))[1])
    states = {s: label for s, (_pos, label) in sorted(found.items(), key=lambda item: item[1][0])}
    tracks: dict[str, str] = {}  # a label two programs share is told apart by the program (通常枠（405事業）)
    shared = Counter(t.ja for spec in specs.values() for t in spec.tracks.values())
    for spec in specs.values():
        for track in spec.tracks.values():
            short = PROGRAM_SHORT.get(spec.program, spec.ja)
            tracks.setdefault(track.id, f"{track.ja}（{short}）" if shared[track.ja] > 1 else track.ja)
    return {
        "programs": {p: s.ja for p, s in specs.items()},
        "states": states,
        "tracks": tracks,
        "open_states": [s for s in states if any(s in spec.open_states for spec in specs.values())],
        "events": {e.id: e.ja for spec in specs.values() for e in spec.events.values()},
    }


def today_page(
    ctx: Context, *, council: str | None = None, horizon_days: int = HORIZON_DAYS, limit: int = LIST_LIMIT
) -> dict[str, Any]:
    """The signed-in user's day: findings of the stalled-case audit, most urgent first (a coordinator's
    own cases, a supervisor's councils; a role that reaches every council — hq — one council at a
    time, ``council``: every council's findings at once are tens of thousands, a page no one reads),
    sessions due in the next ``horizon_days``, open cases by state, and for supervisors and admins the
    e-mails that could not be delivered. A section the role may not read is None. Everything is read in
    one transaction (one snapshot); reading the undelivered e-mails is logged after it."""
    actor = ctx.actor
    out: dict[str, Any] = {
        "user": actor.name,
        "role": actor.role,
        "today": ctx.today,
        "council": council,
        "horizon_end": ctx.today + dt.timedelta(days=horizon_days),
        "mine_only": actor.role == "coordinator",
        "pick_council": False,
        "councils": [],
        "findings": None,
        "sessions": None,
        "by_state": None,
        "dead_letters": None,
        "decisions": None,
    }
    reads_cases = actor.role is None or policy.allows(actor.role, "case.read")
    dead_letters = actor.role in DEAD_LETTERS_FOR and policy.allows(actor.role, "outbox.read")
    if not (reads_cases or dead_letters):
        return out
    if council is not None and reads_cases and not re.fullmatch(r"\d{2}", council):
        raise BadInput(
            f"council {council!r} is not a council code (two digits)",
            ja=[f"協議会「{council}」は協議会コード（2桁の数字）ではありません。"],
        )
    every_council = actor.role is not None and policy.REACH[actor.role] == policy.ALL
    mine = actor.name if actor.role == "coordinator" else None
    info = labels()
    ctx.authorize("case.read" if reads_cases else "outbox.read")
    with ctx.read() as repo:
        if reads_cases:
            out["councils"] = (
                [
                    {"code": c.code, "name": c.name}
                    for c in repo.list_councils()
                    if ctx.scope is None or c.code in ctx.scope
                ]
                if every_council
                else []
            )
            if council is not None and every_council and council not in {c["code"] for c in out["councils"]}:
                raise BadInput(f"unknown council {council!r}", ja=[f"協議会「{council}」はありません。"])
            browse = repo.browse
            if every_council and council is None:
                out["pick_council"] = True
            else:
                out["findings"] = _top_findings(
                    ctx, repo.audits, council=council, coordinator=mine, limit=limit
                )
                if actor.role is None or policy.allows(actor.role, "case.decide"):
                    out["decisions"] = decision_queue(ctx.today, browse, council=council, limit=limit)
            # the council chosen narrows the whole page, as its heading says, not the findings alone
            total, rows = browse.sessions_due(
                ctx.today,
                out["horizon_end"],
                coordinator=mine,
                limit=limit,
                live=overdue_rules(),
                council=council,
            )
            counts = browse.state_counts(info["open_states"], coordinator=mine, council=council)
        dead = repo.reminders.list_outbox("dead") if dead_letters else []
    if reads_cases:
        out["sessions"] = {"total": total, "rows": rows}
        by_state = dict.fromkeys(info["open_states"], 0)
        for state, n in counts:
            by_state[state] += n
        out["by_state"] = [{"state": s, "label": info["states"][s], "count": n} for s, n in by_state.items()]
    if dead_letters:
        ctx.authorize("outbox.read")
        ctx.log_access("outbox list --status dead", len(dead))
        out["dead_letters"] = {"total": len(dead), "rows": outbox_rows(dead)[-limit:][::-1]}  # newest first
    return out


def _top_findings(
    ctx: Context, audits: AuditRepo, *, council: str | None, coordinator: str | None, limit: int
) -> dict[str, Any]:
    """The audit's findings as `audit stalled` finds them, read through ``audits``: how many, and the
    ``limit`` most urgent."""
    found = list(iter_findings(ctx, audits, council=council, coordinator=coordinator))
    top = [f.as_dict() for f in heapq.nsmallest(limit, found, key=urgency)]
    names = audits.company_names([f["case"] for f in top])
    return {"total": len(found), "rows": [{**f, "company": names.get(f["case"])} for f in top]}


def search_cases(
    ctx: Context,
    *,
    program: str | None = None,
    state: str | None = None,
    coordinator: str | None = None,
    text: str | None = None,
    overdue: bool = False,
    stalled: bool = False,
    open_only: bool = False,
    page: int = 1,
    per_page: int = PER_PAGE,
    sort: str = "id",
    descending: bool = False,
    track: str | None = None,
) -> dict[str, Any]:
    """One page of the cases the user may see, filtered by program, state and coordinator, to those
    with a monitoring session overdue or stalled in their state (as the audit finds them) or still
    open, found by company name (a part of it, folded: さくら finds サクラ and ｻｸﾗ) or 法人番号 (all 13
    digits, full-width too), sorted by ``sort`` (a column of store.browse.SORTS)."""
    actor = ctx.authorize("case.read")
    chosen = case_filter(
        program=program,
        state=state,
        coordinator=coordinator,
        text=text,
        overdue=overdue,
        stalled=stalled,
        open_only=open_only,
        track=track,
    )
    if not 1 <= page <= MAX_PAGE:
        raise BadInput(
            f"page {page} is not 1–{MAX_PAGE}", ja=[f"ページ {page} はありません（1〜{MAX_PAGE}）。"]
        )
    if sort not in SORTS:
        raise BadInput(
            f"cannot sort by {sort!r} (one of {', '.join(SORTS)})",
            ja=[f"「{sort[:20]}」では並べ替えられません。"],
        )
    with ctx.read() as repo:
        total, found = repo.browse.search_cases(
            chosen.query(ctx.today),
            limit=per_page,
            offset=(page - 1) * per_page,
            sort=sort,
            descending=descending,
        )
    info = labels()
    rows = [
        {
            **r._asdict(),
            "state_label": info["states"].get(r.state, r.state),
            "program_label": info["programs"].get(r.program, r.program),
        }
        for r in found
    ]
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "per_page": per_page,
        "pages": max(1, -(-total // per_page)),
        "filters": chosen.as_dict(),
        "may_export": actor.role is None or policy.allows(actor.role, "case.export"),
    }


def case_page(ctx: Context, case_id: str) -> dict[str, Any]:
    """One case for its page: the case as `case show` gives it, the events of its state with every
    reason the blocked ones may not fire and whether the user's role may fire them, the documents the
    next events still need, the history, the money panel, the staff it may be given to, and the labels
    of its workflow. Everything is read in one transaction (one snapshot, so the parts agree); the
    reading is logged after it, as `case show` logs it."""
    actor = ctx.authorize("case.read")
    with ctx.read() as repo:
        case, spec = load_case(repo, case_id)
        records = case_records(repo, case)
        calendar = calendar_of(ctx, repo, case.council)
        facts = facts_for_events(repo, case, spec)
        history = [presenters.history_row(h) for h in repo.case_history(case_id)]
        claims = list_claims_in(repo, case, spec)
        users = repo.list_users()
    ctx.log_access(f"case show {case_id}", 1)
    view = presenters.case_view(records, spec, ctx.today, calendar)
    events = events_of(spec, facts, ctx.today)
    for e in events:
        event = spec.events[e["event"]]
        e["permitted"] = actor.role is None or policy.allows(actor.role, policy.event_action(e["event"]))
        e["council_decision"] = e["event"] in policy.COUNCIL_DECISIONS
        e["reason_required"], e["until_required"] = event.reason_required, event.until_required
        e["reasons"] = reasons_for_people(e["reasons"])  # names and labels on a page, no ids
        e["reason_details"] = [
            {**r, "reason": reasons_for_people([r["reason"]])[0]} for r in e["reason_details"]
        ]
        # the event records what each lender agreed to (405 agree: required; early submit_plan: optional)
        e["agreements"] = event.id == spec.support_event and bool(spec.support_kinds)
        e["agreements_required"] = "financial_support_agreed" in event.guards
    checklist = []
    for event in spec.events_from(case.state):
        items = [
            {
                "label": label,
                "kind": kind,
                "source": source,
                "missing": reasons_for_people(missing_documents(facts, ((kind, source, label),), ctx.today)),
            }
            for kind, source, label in spec.requirement_labels(event)
        ]
        if items:
            checklist.append({"event": event.id, "label": event.ja, "items": items})
    forms = case_forms(actor.role, spec, view, history)
    forms["documents"]["max_mb"] = f"{ctx.settings.files.max_mb:g}"
    return {
        "case": view,
        "events": events,
        "history": history,
        "checklist": checklist,
        "money": money_panel(
            actor, ctx.today, records, claims, spec, calendar
        ),  # and the forms the role may use
        "forms": forms,
        "staff_names": {u.name: u.display_name for u in users if u.display_name},
        "assignable": assignable_among(users, case.council)
        if actor.role is None or policy.allows(actor.role, "case.assign")
        else None,
        "labels": {
            "program": spec.ja,
            "track": spec.tracks[view["track"]].ja if view["track"] in spec.tracks else view["track"],
            "states": {s.id: s.ja for s in spec.states.values()},
            "events": {e.id: e.ja for e in spec.events.values()}
            | {"open": "受付", "import": "取込", "assign": "担当者変更", "correct": "訂正"},
            "documents": {d.id: d.ja for d in spec.documents.values()},
            "components": {c.id: c.ja for c in spec.components.values()},
            "support_kinds": [
                {"id": k.id, "label": k.ja, "note_required": k.note_required}
                for k in spec.support_kinds.values()
            ],
        },
    }

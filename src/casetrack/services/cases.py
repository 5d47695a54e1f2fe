"""Opening cases, firing events, and reading cases, their history and what may happen next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from .. import presenters
from ..domain import policy
from ..domain.case_rows import (
    Case,
    CaseChanges,
    LenderLink,
    NewAgreement,
    NewCase,
    NewHistory,
    ScheduledSession,
    SupportLink,
)
from ..domain.dates import fiscal_year
from ..domain.facts import CaseFacts
from ..domain.schedule import PlannedSession, early_sessions, regular_sessions
from ..domain.whatif_records import WhatIfCase
from ..errors import BadInput, NotFound, Refused
from ..store.case_reads import case_records
from ..store.repo import Repo
from ..store.work import Work
from ..workflow.catalog import all_workflows, workflow
from ..workflow.engine import EventArgs, engine_for
from ..workflow.spec import WorkflowSpec
from . import filters as filters_
from .closures import calendar_of
from .context import Context, load_case, stale
from .date_corrections import corrected_values
from .fees import decide_claim_by_event
from .parsing import (
    AgreementArg,
    LenderArg,
    component_labels,
    normalise,
    resolve_company,
    resolve_component,
    resolve_label,
    resolve_org,
)

HQ_COUNCIL = "00"  # 本部: enquiries only, no cases (DOMAIN.md §6)


def open_case(
    ctx: Context,
    *,
    program: str,
    track: str | None,
    council: str,
    company_id: int | str,
    support_orgs: list[int | str],
    lenders: list[LenderArg],
    coordinator: str | None,
    interim_monitoring: bool,
    interval_months: int | None,
    estimates: dict[str, int],
    reuse_reason: str | None,
    on: dt.date | None,
    reuse_ground: str | None = None,
) -> dict[str, Any]:
    """Open a case. The company, support orgs and lenders may be named by id, by name (and the company
    by 法人番号); the program, track and estimate components by id or Japanese label."""
    ctx.authorize("case.open")
    program = resolve_label(program, {p: s.ja for p, s in all_workflows().items()}, "program")
    spec = workflow(program)
    track = (
        resolve_label(track, {t: x.ja for t, x in spec.tracks.items()}, "track")
        if track
        else spec.default_track
    )
    estimates = {resolve_component(spec, track, c): a for c, a in estimates.items()}
    if track not in spec.tracks:
        raise BadInput(
            f"unknown track {track!r} for program {program} (one of {', '.join(spec.tracks)})",
            ja=[f"{spec.ja}に枠「{track}」はありません（{'、'.join(t.ja for t in spec.tracks.values())}）。"],
        )
    if council == HQ_COUNCIL:
        raise Refused(
            "council 00 (中小企業活性化全国本部) answers enquiries only: open the case at the "
            "prefecture's council",
            ja=["全国本部（00）では案件を受け付けません（相談のみ）。都道府県の協議会で開いてください。"],
        )
    opened_on = ctx.effective(on, "--on", "受付日")
    try:
        rule_set = spec.rule_set_on(opened_on)
    except LookupError as exc:
        raise BadInput(
            str(exc), ja=[f"受付日 {opened_on} に適用される{spec.ja}の規程がありません。"]
        ) from None
    if reuse_ground is not None:
        if reuse_ground not in spec.reuse_grounds:
            raise BadInput(
                f"unknown re-use ground {reuse_ground!r} for {program} "
                f"(one of {', '.join(spec.reuse_grounds) or 'none'})",
                ja=[f"{spec.ja}に再利用の事由「{reuse_ground}」はありません。"],
            )
        if not (reuse_reason and reuse_reason.strip()):
            raise BadInput(
                "--reuse-ground needs --reuse-reason TEXT saying how the ground applies",
                ja=["再利用の事由を選んだときは、再利用の理由を書いてください。"],
            )
    if not support_orgs:
        raise BadInput(
            "a case needs its lead support org (--support-org ID)", ja=["代表の支援機関を選んでください。"]
        )
    if sum(lender.main for lender in lenders) > 1:
        raise BadInput("only one lender can be the main bank", ja=["メイン行は1行だけです。"])
    if interim_monitoring and program != "early":
        raise BadInput(
            "--interim-monitoring applies to early cases only",
            ja=["期中の伴走支援は早期経営改善計画策定支援の案件だけです。"],
        )
    if interval_months is not None:
        if program != "405":
            raise BadInput(
                "--monitoring-interval-months applies to 405 cases only",
                ja=["伴走支援の間隔（月）は405事業の案件だけです。"],
            )
        if not 1 <= interval_months <= 12:
            raise BadInput(
                f"--monitoring-interval-months {interval_months} is not 1–12",
                ja=[f"伴走支援の間隔 {interval_months} か月は1〜12ではありません。"],
            )
    caps = rule_set.caps(track)
    labels = component_labels(spec, track)
    for component in estimates:
        if component not in caps:
            raise BadInput(
                f"--estimate {component}: no such fee component for {program}/{track} "
                f"(one of {', '.join(caps)})",
                ja=[
                    f"{spec.ja}の{spec.tracks[track].ja}に費用「{labels.get(component, component)}」は"
                    "ありません。"
                ],
            )
    with ctx.write() as repo:
        if repo.council(council) is None:
            raise NotFound("council", council)
        ctx.check_council(council)
        company_id = resolve_company(repo, company_id)
        support_ids = [resolve_org(repo, ref, "--support-org") for ref in support_orgs]
        lender_ids = [resolve_org(repo, x.org_id, "--lender", banks_only=True) for x in lenders]
        lenders = [replace(x, org_id=org_id) for x, org_id in zip(lenders, lender_ids, strict=True)]
        if len(set(support_ids)) != len(support_ids):
            raise BadInput("the same --support-org is given twice", ja=["同じ支援機関が2回選ばれています。"])
        if len(set(lender_ids)) != len(lenders):
            raise BadInput("the same --lender is given twice", ja=["同じ金融機関が2回選ばれています。"])
        company = repo.company_any_council(company_id)
        if company is None:
            raise NotFound("company", company_id)
        found = repo.orgs_by_id([*support_ids, *lender_ids])
        for org_id in [*support_ids, *lender_ids]:
            if org_id not in found:
                raise NotFound("organisation", org_id)
        for lender_id in lender_ids:
            if not found[lender_id].is_bank:
                org = found[lender_id]
                raise BadInput(
                    f"organisation {org.id} ({org.name}) is a {org.kind}, not a bank: it cannot be a lender",
                    ja=[f"{org.name} は金融機関ではないため、借入先にできません。"],
                )
        if coordinator is not None:
            if repo.user(coordinator) is None:
                raise NotFound("user", coordinator)
            theirs = repo.councils_of(coordinator)
            if council not in theirs:
                raise BadInput(
                    f"coordinator {coordinator} does not act for council {council} "
                    f"(their councils: {', '.join(sorted(theirs))})",
                    ja=[f"担当 {coordinator} はこの協議会（{council}）の職員ではありません。"],
                )
        number = repo.next_case_number(council, fiscal_year(opened_on))
        case_id = f"{council}-{fiscal_year(opened_on)}-{number:04d}"
        repo.insert_case(
            NewCase(
                id=case_id,
                program=program,
                track=track,
                council=council,
                company_id=company_id,
                state=spec.initial,
                state_since=opened_on,
                coordinator=coordinator,
                rule_set=rule_set.id,
                opened_on=opened_on,
                interim_monitoring=interim_monitoring,
                monitoring_interval_months=interval_months,
                reuse_reason=reuse_reason or None,
                reuse_ground=reuse_ground,
                created_at=ctx.now(),
            )
        )
        repo.insert_links(
            case_id,
            [
                LenderLink(org_id, x.main, x.guaranteed, i)
                for i, (x, org_id) in enumerate(zip(lenders, lender_ids, strict=True))
            ],
            [SupportLink(org_id, i == 0, i) for i, org_id in enumerate(support_ids)],
            estimates,
        )
        repo.insert_history(
            NewHistory(
                case_id=case_id,
                event="open",
                from_state=None,
                to_state=spec.initial,
                effective_on=opened_on,
                recorded_at=ctx.now(),
                user=ctx.user,
                reason=reuse_reason or None,
                rule_set=rule_set.id,
            )
        )
        return view_in(ctx, repo, load_case(repo, case_id)[0], spec)


def show_case(ctx: Context, case_id: str) -> dict[str, Any]:
    """One case, read in one transaction; the reading is logged (the case names its people)."""
    ctx.authorize("case.read")
    with ctx.read() as repo:
        case, spec = load_case(repo, case_id)
        view = view_in(ctx, repo, case, spec)
    ctx.log_access(f"case show {case_id}", 1)
    return view


def view_in(ctx: Context, repo: Work, case: Case, spec: WorkflowSpec) -> dict[str, Any]:
    """``case`` as `case show` gives it, its rows read within the caller's unit of work ``repo``."""
    return presenters.case_view(
        case_records(repo, case), spec, ctx.today, calendar_of(ctx, repo, case.council)
    )


def list_cases(ctx: Context, **filters: Any) -> list[dict[str, Any]]:
    ctx.authorize("case.read")
    filters["program"], filters["state"] = filters_.by_label(filters.get("program"), filters.get("state"))
    with ctx.read() as repo:
        filters_.check(repo, **{k: v for k, v in filters.items() if k != "q"})  # q: free text, not a code
        rows = [presenters.case_row(c) for c in repo.list_cases(**filters)]
    specs = all_workflows()
    for row in rows:  # what people read beside the codes
        spec = specs[row["program"]]
        row["program_label"] = spec.ja
        row["track_label"] = spec.tracks[row["track"]].ja if row["track"] in spec.tracks else row["track"]
        row["state_label"] = spec.states[row["state"]].ja if row["state"] in spec.states else row["state"]
    return rows


def case_history(ctx: Context, case_id: str) -> list[dict[str, Any]]:
    ctx.authorize("case.read")
    with ctx.read() as repo:
        load_case(repo, case_id)
        return [presenters.history_row(h) for h in repo.case_history(case_id)]


def correct_history(
    ctx: Context,
    case_id: str,
    seq: int,
    *,
    note: str,
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Append a correction of history row ``seq``: the state does not change, the row names what it
    corrects. A correction of a council decision needs the right to make that decision.
    ``on``: the corrected effective date of row ``seq`` (a supervisor's; the correction row carries it
    and the case's dates derived from it follow, see ``date_corrections``).
    ``expected_version``: the version of the case the caller looked at (a web form); any other is a
    Conflict."""
    if not note.strip():
        raise BadInput(
            "a correction needs --note saying what is right",
            ja=["訂正の内容（何が誤りで、何が正しいか）を書いてください。"],
        )
    ctx.authorize("case.read")
    with ctx.read() as repo:
        load_case(repo, case_id)
        target = next((h for h in repo.case_history(case_id) if h.seq == seq), None)
    if target is None:
        raise NotFound(
            "history row", f"{seq} of case {case_id}", ja=[f"案件 {case_id} の経過に {seq}行目はありません。"]
        )
    ctx.authorize(policy.event_action(target.event))
    if on is not None:
        ctx.authorize("case.decide")
        on = ctx.effective(on, "--on", "訂正後の日付")
    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        if expected_version is not None and case.version != expected_version:
            raise stale(case_id)
        values = {} if on is None else corrected_values(spec, case, repo.case_history(case_id), target, on)
        if not repo.update_case(case_id, case.version, values):
            raise stale(case_id)
        row = repo.insert_history(
            NewHistory(
                case_id=case_id,
                event="correct",
                from_state=case.state,
                to_state=case.state,
                effective_on=on or ctx.today,
                recorded_at=ctx.now(),
                user=ctx.user,
                note=note.strip(),
                rule_set=values.get("rule_set", case.rule_set),
                corrects=seq,
            )
        )
    return presenters.history_row(row)


def case_events(ctx: Context, case_id: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    ctx.authorize("case.read")
    with ctx.read() as repo:
        case, spec = load_case(repo, case_id)
        facts = facts_for_events(repo, case, spec)
    return events_of(spec, facts, on or ctx.today)


def facts_for_events(repo: Repo, case: Case, spec: WorkflowSpec) -> CaseFacts:
    """What the guards of the events from the case's state read (the company's earlier cases only when
    one of them asks)."""
    needs_prior = any("prior_use" in e.guards for e in spec.events_from(case.state))
    return repo.facts(case, with_prior_cases=needs_prior)


def events_of(spec: WorkflowSpec, facts: CaseFacts, on: dt.date) -> list[dict[str, Any]]:
    """The events from the case's state, each allowed or with every reason it is not, on ``on``."""
    verdicts = engine_for(spec).verdicts(facts, on)
    return [
        {
            "event": v.event,
            "label": spec.events[v.event].ja,
            "allowed": v.allowed,
            "reasons": list(v.reasons),
            "reason_details": [
                reason_detail(spec, text, ref) for text, ref in zip(v.reasons, v.refs, strict=True)
            ],
        }
        for v in verdicts
    ]


def reason_detail(spec: WorkflowSpec, text: str, ref: str) -> dict[str, Any]:
    """One refusal reason with the rule it comes from and that rule's source (the workflow's provenance):
    ``source`` is the source key; ``source_label`` 「出典：パンフレット」, 「協議会の運用」…"""
    source = spec.source_of(ref)
    return {
        "reason": text,
        "rule": ref,
        "source": source.key if source else None,
        "source_kind": source.kind if source else None,
        "source_label": source.label if source else None,
        "source_note": source.note if source else None,
        "source_title": source.title if source else None,
        "source_where": source.where if source else None,
    }


def advance(
    ctx: Context,
    case_id: str,
    event_id: str,
    *,
    on: dt.date | None = None,
    note: str | None = None,
    reason: str | None = None,
    until: dt.date | None = None,
    view: bool = True,
    expected_version: int | None = None,
    agreements: Sequence[AgreementArg] | None = None,
) -> dict[str, Any]:
    """Fire one event. Optimistic: judged on a snapshot, written only if the case is unchanged since.
    ``expected_version``: the version the caller looked at (a web form); any other is a Conflict too.

    Returns the case as `case show` does, or with ``view=False`` only what the event changed."""
    ctx.authorize(policy.event_action(event_id))
    with ctx.read() as repo:
        case, spec = load_case(repo, case_id)
        if expected_version is not None and case.version != expected_version:
            raise stale(case_id)
        needs_prior = _needs_prior_cases(spec, case.state, event_id)
        facts = repo.facts(case, with_prior_cases=needs_prior)
        company = repo.company(case.company_id)
        if company is None:  # the case's own company: seen whenever the case is
            raise NotFound("company", case.company_id)
    on = ctx.effective(on or _default_on(spec, facts, event_id))
    engine = engine_for(spec)
    if until is not None and event_id in spec.events and not spec.events[event_id].until_required:
        raise BadInput(
            f"{event_id} takes no --until (only events that set a new date do)",
            ja=[
                f"「{spec.events[event_id].ja}」には新しい期限を付けません（期限を延ばす手続きだけが付けます）。"
            ],
        )
    agreed = _agreements(spec, facts, event_id, agreements or ())
    move = engine.fire(
        facts,
        event_id,
        EventArgs(
            on=on,
            reason=reason,
            until=until,
            agreements=None
            if agreed is None
            else {lid: tuple(k for k, _n in kinds) for lid, kinds in agreed.items()},
        ),
    )
    event = move.event
    values: CaseChanges = {"state": move.target}
    if move.target != move.source:
        values["state_since"] = on
    rule_set = spec.rule_set(case.rule_set)
    if event.sets == "accepted_on":
        rule_set = spec.rule_set_on(on)
        values.update({"accepted_on": on, "rule_set": rule_set.id})
    elif event.sets == "plan_date":
        values["plan_date"] = on
    if event.until_required:
        values["validity_until"] = until
    with ctx.write() as repo:
        if not repo.update_case(case_id, case.version, values):
            raise stale(case_id)
        repo.insert_history(
            NewHistory(
                case_id=case_id,
                event=event_id,
                from_state=move.source,
                to_state=move.target,
                effective_on=on,
                recorded_at=ctx.now(),
                user=ctx.user,
                note=note,
                reason=reason,
                until=until,
                rule_set=rule_set.id,
            )
        )
        if agreed:
            repo.insert_agreements(
                case_id,
                [NewAgreement(lid, kind, text, on) for lid, kinds in agreed.items() for kind, text in kinds],
            )
        if event.sets == "plan_date":
            repo.insert_sessions(
                case_id,
                _planned_sessions(ctx, spec, case, company.fiscal_year_end_month, rule_set.values, on, repo),
            )
        for component in spec.components.values():
            if component.decided_by == event_id:
                decide_claim_by_event(ctx, repo, spec, replace(case, **values), component.id, on)
        if not view:
            state = spec.states[move.target]
            return {
                "id": case_id,
                "event": event_id,
                "event_label": spec.events[event_id].ja,
                "from": move.source,
                "state": move.target,
                "state_label": state.ja,
                "effective_on": on,
                "version": case.version + 1,
            }
        return view_in(ctx, repo, load_case(repo, case_id)[0], spec)


def _agreements(
    spec: WorkflowSpec, facts: Any, event_id: str, given: Sequence[AgreementArg]
) -> dict[int, list[tuple[str, str | None]]] | None:
    """``--agreement ORG=KIND[:NOTE]`` checked against the case: ORG one of its lenders (id or exact name),
    KIND one of the workflow's financial-support kinds (id or label), a note where the kind needs one, each
    lender and kind once. Returns lender id → [(kind, note)] for the workflow's financial-support event
    (empty when none was given: the event's guard says whether that is enough), None for other events."""
    if event_id != spec.support_event:
        if given:
            where = f"only with {spec.support_event}" if spec.support_event else "not in this program"
            raise BadInput(
                f"--agreement is recorded {where}, not with {event_id}",
                ja=[
                    f"金融支援の内容は「{spec.events[spec.support_event].ja}」で記録します。"
                    if spec.support_event
                    else "この事業では金融支援の内容を記録しません。"
                ],
            )
        return None
    labels = {k.id: k.ja for k in spec.support_kinds.values()}
    lenders = {lender.org_id: lender for lender in facts.lenders}
    out: dict[int, list[tuple[str, str | None]]] = {}
    for arg in given:
        kind = resolve_label(arg.kind, labels, "financial support kind")
        if kind not in spec.support_kinds:
            raise BadInput(
                f"--agreement {arg.org}={arg.kind}: unknown kind of financial support "
                f"(one of {', '.join(f'{k} ({v})' for k, v in labels.items())})",
                ja=[f"金融支援の内容「{arg.kind}」はありません（{'・'.join(labels.values())}）。"],
            )
        if spec.support_kinds[kind].note_required and not arg.note:
            raise BadInput(
                f"--agreement {arg.org}={kind}: {kind} needs a note saying what was agreed "
                f"({arg.org}={kind}:TEXT)",
                ja=[f"「{labels[kind]}」には内容の記入が必要です。"],
            )
        if arg.note and len(arg.note) > 2000:
            raise BadInput(
                f"--agreement {arg.org}={kind}: the note is longer than 2000 characters",
                ja=["金融支援の内容の記入は2000文字までです。"],
            )
        for lender_id in _agreeing_lenders(arg, lenders, facts.id):
            name = lenders[lender_id].name
            if any(k == kind for k, _n in out.get(lender_id, [])):
                raise BadInput(
                    f"--agreement {name}={kind} is given twice",
                    ja=[f"{name} の「{labels[kind]}」が二度入力されています。"],
                )
            out.setdefault(lender_id, []).append((kind, arg.note))
    return out


def _agreeing_lenders(arg: AgreementArg, lenders: dict[int, Any], case_id: str) -> list[int]:
    """The lenders ``--agreement ORG=…`` names: one by id or exact name, or every lender of the case (``*``)."""
    if arg.org == "*":
        return list(lenders)
    if isinstance(arg.org, int):
        found = [arg.org] if arg.org in lenders else []
    else:
        found = [x.org_id for x in lenders.values() if normalise(x.name).strip() == arg.org]
    if len(found) != 1:
        listed = ", ".join(f"{x.org_id} {x.name}" for x in lenders.values()) or "none"
        raise BadInput(
            f"--agreement {arg.org}: not a lender of case {case_id} (lenders: {listed})",
            ja=[f"「{arg.org}」はこの案件の金融機関ではありません。"],
        )
    return found


def _default_on(spec: WorkflowSpec, facts: Any, event_id: str) -> dt.date | None:
    """The effective date an event takes without --on when the workflow names a document for it
    (405 agree: the date of the latest consent letter from a lender of the case)."""
    event = spec.events.get(event_id)
    if event is None or event.on_default is None or facts.state not in event.sources:
        return None
    lenders = {lender.org_id for lender in facts.lenders}
    days = [
        d.on
        for d in facts.documents
        if d.kind == event.on_default and (d.lender_id is None or d.lender_id in lenders)
    ]
    return max(days, default=None)


def _needs_prior_cases(spec: WorkflowSpec, state: str, event_id: str) -> bool:
    """Whether judging ``event_id`` needs the company's earlier cases (the prior_use guard): for the
    event itself, or — when it is not an event of ``state`` — for the events of the state the refusal
    names as allowed or blocked."""
    event = spec.events.get(event_id)
    if event is not None and state in event.sources:
        return "prior_use" in event.guards
    return any("prior_use" in e.guards for e in spec.events_from(state))


def _planned_sessions(
    ctx: Context,
    spec: WorkflowSpec,
    case: Case,
    fiscal_year_end_month: int,
    rules: Any,
    plan_date: dt.date,
    repo: Work,
) -> list[ScheduledSession]:
    """The case's sessions from its plan date (``fiscal_year_end_month``: its company's), off the national
    and the council's closed days."""
    from .closures import council_calendar

    calendar = council_calendar(ctx, repo.reminders, case.council)
    planned = plan_sessions(spec, case, fiscal_year_end_month, rules, plan_date, calendar.is_closed)
    return [ScheduledSession(s.seq, s.kind, s.nominal_due_on, s.due_on) for s in planned]


def plan_sessions(
    spec: WorkflowSpec,
    case: Case | WhatIfCase,
    fiscal_year_end_month: int,
    rules: Any,
    plan_date: dt.date,
    is_closed: Callable[[dt.date], bool],
) -> list[PlannedSession]:
    """A case's monitoring sessions from its plan date under ``rules``, off the closed days of ``is_closed``
    (what the plan-date event records; ``whatif`` plans again with other rules or closures)."""
    if spec.program == "early":
        return early_sessions(
            plan_date,
            fiscal_year_end_month,
            interim=case.interim_monitoring,
            interim_months=rules["interim_months"],
            lag_months=rules["fye_report_lag_months"],
            is_closed=is_closed,
            fye_min_months=rules["fye_min_months_after_plan"],
        )
    return regular_sessions(
        plan_date,
        case.monitoring_interval_months or rules["default_interval_months"],
        case.window_months or rules["window_months"],
        is_closed=is_closed,
    )

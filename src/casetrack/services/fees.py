"""Fee estimates, claims, decisions, the 405 holdback and the ledger (DOMAIN.md §5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.case_rows import Case, ClaimDecided, ClaimRejected, FeeClaim, NewClaim, NewLedgerEntry
from ..domain.fees import Subsidy, holdback, subsidy_for
from ..domain.ledger import Entry, problems, totals
from ..errors import BadInput, NotFound, Refused
from ..presenters import entry_of
from ..store.repo import Repo
from ..workflow.spec import COMPONENTS, WorkflowSpec
from .context import Context, load_case, stale
from .parsing import component_labels, resolve_component

MONITORING_COMPONENTS = ("monitoring", "monitoring_interim", "monitoring_fye")


def estimates_open(spec: WorkflowSpec, state: str) -> bool:
    """Whether a case in ``state`` may still change its estimates: they are filed with the application."""
    return state == spec.initial


def set_estimates(
    ctx: Context, case_id: str, estimates: dict[str, int], *, expected_version: int | None = None
) -> dict[str, int]:
    """Change the fee estimates filed with the application (only before ``apply``). ``expected_version``:
    the version of the case the caller looked at (a web form); any other is a Conflict."""
    ctx.authorize("case.work")
    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        if expected_version is not None and case.version != expected_version:
            raise stale(case_id)
        if not estimates_open(spec, case.state):
            raise Refused(
                f"case {case_id} is {case.state}: estimates are filed with the application "
                f"and can change only in {spec.initial}",
                ja=[
                    f"見積は利用申請とともに出すもので、{_state_ja(spec, spec.initial)}の間だけ変更できます"
                    f"（この案件は{_state_ja(spec, case.state)}）。"
                ],
            )
        caps = spec.rule_set(case.rule_set).caps(case.track)
        estimates = {resolve_component(spec, case.track, c): a for c, a in estimates.items()}
        for component in estimates:
            if component not in caps:
                raise Refused(
                    f"{spec.program}/{case.track} has no {component} component (one of {', '.join(caps)})",
                    ja=[_no_component_ja(spec, case, component)],
                )
        if not repo.update_case(case_id, case.version, {}):
            raise stale(case_id)
        repo.replace_estimates(case_id, estimates)
        return repo.case_estimates(case_id)


def _state_ja(spec: WorkflowSpec, state: str) -> str:
    return spec.states[state].ja if state in spec.states else state


def _components_ja(spec: WorkflowSpec, case: Case) -> str:
    caps = spec.rule_set(case.rule_set).caps(case.track)
    have = [c for c in spec.components if c in caps]
    return "この案件の費用は " + "、".join(f"「{spec.components[c].ja}」" for c in have) + " です。"


def _no_component_ja(spec: WorkflowSpec, case: Case, component: str) -> str:
    return f"{spec.ja}／{spec.tracks[case.track].ja}には費用「{component}」がありません。{_components_ja(spec, case)}"


def _component(spec: WorkflowSpec, case: Case, component: str) -> None:
    caps = spec.rule_set(case.rule_set).caps(case.track)
    have = [c for c in spec.components if c in caps]
    if component not in COMPONENTS:
        raise BadInput(
            f"unknown fee component {component!r} (one of {', '.join(COMPONENTS)})",
            [f"費用の種類「{component}」はありません。{_components_ja(spec, case)}"],
        )
    if component not in spec.components or component not in caps:
        raise Refused(
            f"{spec.program}/{case.track} has no {component} component (one of {', '.join(have)})",
            [_no_component_ja(spec, case, component)],
        )


def _expect(case: Case, expected_version: int | None) -> None:
    """A Conflict unless the case is still at the version the caller looked at."""
    if expected_version is not None and case.version != expected_version:
        raise stale(case.id)


def claim_fee(
    ctx: Context,
    case_id: str,
    component: str,
    *,
    fee: int,
    session: int | None,
    on: dt.date | None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Record a claim. ``expected_version``: the version of the case the caller looked at (a web form);
    any other is a Conflict and nothing is written."""
    ctx.authorize("case.work")
    on = ctx.effective(on, "--on", "申請日")
    if fee <= 0:
        raise BadInput(
            f"--fee {fee}: a fee is a positive amount of yen", ["費用は1円以上の金額で入力してください。"]
        )
    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        _expect(case, expected_version)
        component = resolve_component(spec, case.track, component)
        _component(spec, case, component)
        comp = spec.components[component]
        cap = spec.rule_set(case.rule_set).caps(case.track)[component]
        if cap == 0:
            raise Refused(
                f"the {component} cap is 0 on {spec.program}/{case.track}: nothing is paid for it, "
                "so no claim is taken",
                [f"{spec.tracks[case.track].ja}では「{comp.ja}」の上限額が0円のため申請できません。"],
            )
        if case.state not in comp.claim_states:
            states = "、".join(spec.states[s].ja for s in comp.claim_states if s in spec.states)
            raise Refused(
                f"case {case_id} is {case.state}: a {component} claim is made in "
                f"{', '.join(comp.claim_states)}",
                [
                    f"「{comp.ja}」の支払申請は {states} の案件でできます"
                    f"（この案件は{spec.states[case.state].ja}）。"
                ],
            )
        claims = repo.case_claims(case_id)
        if comp.session is None:
            if session is not None:
                raise BadInput(
                    f"a {component} claim is not for a monitoring session; drop --session",
                    [f"「{comp.ja}」は伴走支援の回ごとの申請ではありません。回を選ばずに申請してください。"],
                )
        else:
            _check_session(repo, case_id, component, comp.ja, comp.session, session, claims, comp.document)
        if (
            comp.document is not None
            and comp.session is None
            and not repo_has_document(repo, case_id, comp.document, on)
        ):
            label = spec.documents[comp.document].ja
            raise Refused(
                f"a {component} claim needs a {comp.document} document ({label}) on file by {on}: "
                f"record it first (casetrack doc add {case_id} {comp.document})",
                [f"「{comp.ja}」の申請には{label}（{comp.document}）が必要です。先に記録してください。"],
            )
        if comp.decided_by and any(c.component == component and c.status != "rejected" for c in claims):
            raise Refused(
                f"case {case_id} already has a {component} claim",
                [f"この案件には「{comp.ja}」の申請がすでにあります。"],
            )
        if not repo.update_case(case_id, case.version, {}):
            raise stale(case_id)
        claim_id = repo.insert_claim(
            NewClaim(
                case_id=case_id,
                component=component,
                fee=fee,
                session_seq=session,
                claimed_on=on,
                recorded_at=ctx.now(),
                user=ctx.user,
            )
        )
        preview = _subsidy_now(repo, spec, case, component, fee)
    return _claim_view(repo_claim(claim_id, case_id, component, fee, "claimed", session), preview)


def repo_has_document(repo: Repo, case_id: str, kind: str, on: dt.date) -> bool:
    """A document of ``kind`` dated no later than ``on`` is on file for the case."""
    return any(d.kind == kind and d.on <= on for d in repo.case_documents(case_id))


def _check_session(
    repo: Repo,
    case_id: str,
    component: str,
    label: str,
    kind: str,
    session: int | None,
    claims: list[FeeClaim],
    document: str | None = None,
) -> None:
    if session is None:
        raise BadInput(
            f"a {component} claim is for one monitoring session: add --session SEQ",
            [f"「{label}」は伴走支援の回ごとに申請します。どの回の費用かを選んでください。"],
        )
    row = next((s for s in repo.case_sessions(case_id) if s.seq == session), None)
    if row is None:
        raise NotFound("monitoring session", f"{case_id}#{session}")
    if row.kind != kind:
        raise Refused(
            f"session {session} of case {case_id} is a {row.kind} session, not {kind}",
            [f"第{session}回は「{label}」の対象の回ではありません。"],
        )
    if row.status != "held":
        raise Refused(
            f"session {session} of case {case_id} is {row.status}, not held: "
            "record it first (casetrack monitoring record)",
            [f"第{session}回の伴走支援はまだ実施が記録されていません。先に実施を記録してください。"],
        )
    if document is not None and not any(
        d.kind == document and d.session_seq == session for d in repo.case_documents(case_id)
    ):
        raise Refused(
            f"session {session} of case {case_id} has no {document} on file: record it first "
            f"(casetrack doc add {case_id} {document} --session {session}, or monitoring record "
            "--report FILE)",
            [f"第{session}回の伴走支援報告書がありません。先にその回の報告書を記録してください。"],
        )
    if any(c.session_seq == session and c.status != "rejected" for c in claims):
        raise Refused(
            f"session {session} of case {case_id} already has a claim",
            [f"第{session}回の伴走支援にはすでに支払申請があります。"],
        )


def repo_claim(
    claim_id: int, case_id: str, component: str, fee: int, status: str, session: int | None
) -> dict[str, Any]:
    return {
        "id": claim_id,
        "case": case_id,
        "component": component,
        "fee": fee,
        "status": status,
        "session": session,
    }


def _claim_view(base: dict[str, Any], s: Subsidy) -> dict[str, Any]:
    return {
        **base,
        "eligible": s.eligible,
        "subsidy": s.subsidy,
        "company_share": s.company_share,
        "limits": list(s.limits),
    }


def _subsidy_now(repo: Repo, spec: WorkflowSpec, case: Case, component: str, fee: int) -> Subsidy:
    """The subsidy of a claim of ``fee`` if it were decided now: the estimate and cap left after the
    component's decided claims."""
    rule_set = spec.rule_set(case.rule_set)
    estimate = repo.case_estimates(case.id).get(component)
    decided = [c for c in repo.case_claims(case.id) if c.component == component and c.status == "decided"]
    estimate_left = None if estimate is None else estimate - sum(c.fee for c in decided)
    cap_left = rule_set.caps(case.track)[component] - sum(c.subsidy or 0 for c in decided)
    return subsidy_for(fee, rule_set.rate, estimate_left, cap_left)


def _decide(
    ctx: Context, repo: Repo, spec: WorkflowSpec, case: Case, claim: FeeClaim, on: dt.date
) -> dict[str, Any]:
    """Fix the claim's subsidy, split it into paid and retained, release an open holdback with the
    first monitoring decision, and append the ledger entry."""
    result = _subsidy_now(repo, spec, case, claim.component, claim.fee)
    paid, retained = result.subsidy, 0
    rule_set = spec.rule_set(case.rule_set)
    if claim.component == "plan" and rule_set.values.get("holdback", {}).get(case.track):
        paid, retained = holdback(result.subsidy)
    released = 0
    if claim.component in MONITORING_COMPONENTS:
        released = totals(_entries(repo, case.id)).retained
    repo.decide_claim(claim.id, ClaimDecided(decided_on=on, subsidy=result.subsidy))
    repo.insert_ledger_entry(
        NewLedgerEntry(
            case_id=case.id,
            claim_id=claim.id,
            component=claim.component,
            fee=claim.fee,
            eligible=result.eligible,
            subsidy=result.subsidy,
            paid=paid,
            retained=retained,
            released=released,
            company_share=result.company_share,
            limits="; ".join(result.limits) or None,
            on=on,
            recorded_at=ctx.now(),
            user=ctx.user,
        )
    )
    broken = problems(_entries(repo, case.id), rule_set.caps(case.track))
    if broken:  # never commit a ledger that does not balance
        raise AssertionError(f"ledger of case {case.id} does not balance: {'; '.join(broken)}")
    view = _claim_view(
        repo_claim(claim.id, case.id, claim.component, claim.fee, "decided", claim.session_seq),
        result,
    )
    return {**view, "paid": paid, "retained": retained, "released": released, "decided_on": on}


def decide_claim_by_event(
    ctx: Context, repo: Repo, spec: WorkflowSpec, case: Case, component: str, on: dt.date
) -> dict[str, Any]:
    """Decide the open claim of ``component`` inside the transaction of the event that decides it
    (decide_payment for the plan claim); its guards made sure there is one."""
    claim = next(c for c in repo.case_claims(case.id) if c.component == component and c.status == "claimed")
    return _decide(ctx, repo, spec, case, claim, on)


def _load_claim(repo: Repo, case_id: str, claim_id: int) -> FeeClaim:
    claim = next((c for c in repo.case_claims(case_id) if c.id == claim_id), None)
    if claim is None:
        raise NotFound(
            "claim",
            f"{claim_id} of case {case_id}",
            ja=[f"案件 {case_id} に支払申請 {claim_id} はありません。"],
        )
    if claim.status != "claimed":
        raise Refused(
            f"claim {claim_id} of case {case_id} is already {claim.status}: a decided or rejected "
            "claim cannot change",
            [
                f"申請 {claim_id} はすでに{STATUS_LABELS.get(claim.status, claim.status)}です。"
                "決定または却下された申請は変更できません。"
            ],
        )
    return claim


def decide_fee(
    ctx: Context, case_id: str, claim_id: int, *, on: dt.date | None, expected_version: int | None = None
) -> dict[str, Any]:
    ctx.authorize("case.decide")
    on = ctx.effective(on, "--on", "決定日")
    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        _expect(case, expected_version)
        claim = _load_claim(repo, case_id, claim_id)
        decided_by = spec.components[claim.component].decided_by
        if decided_by:
            event = spec.events[decided_by].ja if decided_by in spec.events else decided_by
            raise Refused(
                f"the {claim.component} claim is decided by the {decided_by} event: "
                f"casetrack case advance {case_id} {decided_by}",
                [f"「{spec.components[claim.component].ja}」の申請は手続き「{event}」で決定します。"],
            )
        if on < claim.claimed_on:
            raise BadInput(
                f"--on {on} is before the claim was made ({claim.claimed_on})",
                [f"決定日 {on} が申請日 {claim.claimed_on} より前です。"],
            )
        if not repo.update_case(case_id, case.version, {}):
            raise stale(case_id)
        return _decide(ctx, repo, spec, case, claim, on)


def reject_fee(
    ctx: Context,
    case_id: str,
    claim_id: int,
    *,
    reason: str,
    on: dt.date | None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    ctx.authorize("case.decide")
    if not reason.strip():
        raise BadInput("rejecting a claim needs a reason", ["却下するには理由を入力してください。"])
    on = ctx.effective(on, "--on", "却下日")
    with ctx.write() as repo:
        case, _spec = load_case(repo, case_id)
        _expect(case, expected_version)
        claim = _load_claim(repo, case_id, claim_id)
        if not repo.update_case(case_id, case.version, {}):
            raise stale(case_id)
        repo.decide_claim(claim_id, ClaimRejected(decided_on=on, reject_reason=reason))
    return {
        **repo_claim(claim_id, case_id, claim.component, claim.fee, "rejected", claim.session_seq),
        "subsidy": 0,
        "reason": reason,
    }


def list_claims(ctx: Context, case_id: str) -> list[dict[str, Any]]:
    ctx.authorize("case.read")
    with ctx.read() as repo:
        case, spec = load_case(repo, case_id)
        return list_claims_in(repo, case, spec)


LIMIT_PREFIXES = {
    "cap（上限）: ": "上限：",
    "estimate（見積）: ": "見積：",
    "cap（上限）:": "上限：",
    "estimate（見積）:": "見積：",
}


def limit_ja(text: str) -> str:
    """A limit as the ledger keeps it (``cap（上限）: …``), for a person: the Japanese word only."""
    for prefix, ja in LIMIT_PREFIXES.items():
        if text.startswith(prefix):
            return ja + text[len(prefix) :]
    return text


def list_claims_in(repo: Repo, case: Case, spec: WorkflowSpec) -> list[dict[str, Any]]:
    """Every claim of the case: decided ones from the ledger, open ones as they would be decided now."""
    entries = {e.claim_id: e for e in repo.case_ledger(case.id)}
    out = []
    for c in repo.case_claims(case.id):
        row = {
            **repo_claim(c.id, case.id, c.component, c.fee, c.status, c.session_seq),
            "claimed_on": c.claimed_on,
            "decided_on": c.decided_on,
            "reason": c.reject_reason,
            "eligible": None,
            "paid": 0,
            "retained": 0,
            "released": 0,
            "company_share": None,
            "limits": [],
        }
        if c.status == "claimed":
            s = _subsidy_now(repo, spec, case, c.component, c.fee)
            row.update(
                eligible=s.eligible, subsidy=s.subsidy, company_share=s.company_share, limits=list(s.limits)
            )
        elif c.status == "decided":
            e = entries[c.id]
            row.update(
                eligible=e.eligible,
                subsidy=e.subsidy,
                paid=e.paid,
                retained=e.retained,
                released=e.released,
                company_share=e.company_share,
                limits=e.limits.split("; ") if e.limits else [],
            )
        else:
            row.update(subsidy=0)
        out.append(row)
    return out


def _entries(repo: Repo, case_id: str) -> list[Entry]:
    return [entry_of(e) for e in repo.case_ledger(case_id)]


STATUS_LABELS = {"claimed": "審査中", "decided": "決定済み", "rejected": "不支給"}


def check_fee_statement(ctx: Context, case_id: str) -> None:
    """What fee_statement checks before it reads the money — the user may read cases and sees this
    one (another council's case is NotFound, as a missing one) — for a HEAD request."""
    ctx.authorize("case.read")
    with ctx.read() as repo:
        load_case(repo, case_id)


def fee_statement(ctx: Context, case_id: str, fmt: str = "md") -> str:
    """The Japanese statement of a case's money, per component, with its arithmetic."""
    ctx.authorize("case.read")
    from .. import presenters
    from ..notify.render import render
    from ..store.case_reads import case_records
    from .closures import calendar_of

    with ctx.read() as repo:
        case, spec = load_case(repo, case_id)
        view = presenters.case_view(
            case_records(repo, case), spec, ctx.today, calendar_of(ctx, repo, case.council)
        )
        rule_set = spec.rule_set(case.rule_set)
        caps = rule_set.caps(case.track)
        claims = list_claims_in(repo, case, spec)
        council = repo.council(case.council)
    rows = []
    labels = component_labels(spec, case.track)
    for component in spec.components:
        mine = [c for c in claims if c["component"] == component]
        if component not in caps or (not mine and component not in view["estimates"]):
            continue
        money = view["money"]["components"].get(component, {})
        rows.append(
            {
                "component": component,
                "label": labels[component],
                "estimate": view["estimates"].get(component),
                "cap": caps[component],
                "claims": [
                    {
                        **c,
                        "status_label": STATUS_LABELS[c["status"]],
                        "limits": [limit_ja(x) for x in c["limits"]],
                    }
                    for c in mine
                ],
                "fee": money.get("fee", 0),
                "subsidy": money.get("subsidy", 0),
                "company_share": money.get("company_share", 0),
            }
        )
    name = {"md": "report/fee_statement.md.j2", "html": "report/fee_statement.html.j2"}[fmt]
    return render(
        name,
        case=view,
        rows=rows,
        money=view["money"],
        program_label=spec.ja,
        track_label=spec.tracks[case.track].ja,
        council_name=council.name if council else case.council,
        rate=str(rule_set.rate),
        today=ctx.today,
    )

"""Fee claims, decisions and the holdback."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..domain.fees import holdback, subsidy_for
from ..errors import BadInput, NotFound, Refused
from ..store.repo import Repo, utcnow
from ..workflow.spec import COMPONENTS, WorkflowSpec
from .context import Context, load_case, stale


def claim_fee(ctx: Context, case_id: str, component: str, *, fee: int, session: int | None,
              on: dt.date | None) -> dict[str, Any]:
    on = on or ctx.today
    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        caps = spec.rule_set(case["rule_set"]).caps(case["track"])
        if component not in COMPONENTS:
            raise BadInput(f"unknown fee component {component!r} (one of {', '.join(COMPONENTS)})")
        if component not in caps:
            raise Refused(f"{spec.program}/{case['track']} has no {component} component (one of {', '.join(caps)})")
        if spec.states[case["state"]].final:
            raise Refused(f"case {case_id} is {case['state']}: no more claims")
        if component == "plan" and any(c["component"] == "plan" and c["status"] != "rejected"
                                       for c in repo.case_claims(case_id)):
            raise Refused(f"case {case_id} already has a plan claim")
        if session is not None and not any(s["seq"] == session for s in repo.case_sessions(case_id)):
            raise NotFound("monitoring session", f"{case_id}#{session}")
        if not repo.update_case(case_id, case["version"], {}):
            raise stale(case_id)
        claim_id = repo.insert_claim({"case_id": case_id, "component": component, "fee": fee, "status": "claimed",
                                      "session_seq": session, "claimed_on": on, "recorded_at": utcnow(),
                                      "user": ctx.user})
        preview = _subsidy_now(repo, spec, case, component, fee, exclude=claim_id)
    return {"id": claim_id, "case": case_id, "component": component, "fee": fee, "status": "claimed",
            "subsidy": preview.subsidy, "company_share": preview.company_share, "limits": list(preview.limits),
            "session": session}


def _subsidy_now(repo: Repo, spec: WorkflowSpec, case: dict[str, Any], component: str, fee: int,
                 exclude: int | None = None) -> Any:
    rule_set = spec.rule_set(case["rule_set"])
    estimate = repo.case_estimates(case["id"]).get(component)
    earlier = [c for c in repo.case_claims(case["id"])
               if c["component"] == component and c["status"] == "decided" and c["id"] != exclude]
    estimate_left = None if estimate is None else estimate - sum(c["fee"] for c in earlier)
    cap_left = rule_set.caps(case["track"])[component] - sum(c["subsidy"] or 0 for c in earlier)
    return subsidy_for(fee, rule_set.rate, estimate_left, cap_left)


def decide_plan_claim(repo: Repo, spec: WorkflowSpec, case: dict[str, Any], on: dt.date, user: str) -> None:
    claim = next(c for c in repo.case_claims(case["id"]) if c["component"] == "plan" and c["status"] == "claimed")
    result = _subsidy_now(repo, spec, case, "plan", claim["fee"], exclude=claim["id"])
    repo.update_claims(case["id"], "plan", "claimed",
                       {"status": "decided", "decided_on": on, "subsidy": result.subsidy})


def plan_holdback(spec: WorkflowSpec, case: dict[str, Any], plan_subsidy: int) -> tuple[int, int]:
    if spec.rule_set(case["rule_set"]).values.get("holdback", {}).get(case["track"]):
        return holdback(plan_subsidy)
    return plan_subsidy, 0



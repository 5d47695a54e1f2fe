"""Plain dicts for output (JSON keys of CLI.md). No I/O, no formatting of tables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .domain.fees import holdback
from .store.repo import Repo
from .workflow.spec import WorkflowSpec


def case_row(case: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": case["id"], "program": case["program"], "track": case["track"], "council": case["council"],
        "state": case["state"], "state_since": case["state_since"],
        "company": {"id": case["company_id"], "name": case.get("company_name")},
        "coordinator": case["coordinator"], "opened_on": case["opened_on"], "accepted_on": case["accepted_on"],
        "plan_date": case["plan_date"],
    }


def session_row(s: dict[str, Any], today: dt.date) -> dict[str, Any]:
    overdue = (today - s["due_on"]).days if s["status"] == "scheduled" and today > s["due_on"] else 0
    return {"case": s["case_id"], "council": s.get("council"), "seq": s["seq"], "kind": s["kind"],
            "nominal_due_on": s["nominal_due_on"], "due_on": s["due_on"], "status": s["status"],
            "held_on": s["held_on"], "overdue_days": overdue, "note": s.get("note"),
            "waive_reason": s.get("waive_reason")}


def history_row(h: dict[str, Any]) -> dict[str, Any]:
    return {"seq": h["seq"], "event": h["event"], "from": h["from_state"], "to": h["to_state"],
            "effective_on": h["effective_on"], "recorded_at": h["recorded_at"], "user": h["user"],
            "note": h["note"], "reason": h["reason"], "until": h["until"], "rule_set": h["rule_set"]}


def money_view(spec: WorkflowSpec, case: dict[str, Any], claims: list[dict[str, Any]]) -> dict[str, Any]:
    rule_set = spec.rule_set(case["rule_set"])
    holds = bool(rule_set.values.get("holdback", {}).get(case["track"]))
    released = any(c["component"] == "monitoring" and c["status"] == "decided" for c in claims)
    components: dict[str, dict[str, int]] = {}
    for c in claims:
        if c["status"] == "rejected":
            continue
        comp = components.setdefault(c["component"], {"fee": 0, "subsidy": 0, "paid": 0, "retained": 0,
                                                      "company_share": 0, "pending_fee": 0})
        if c["status"] != "decided":
            comp["pending_fee"] += c["fee"]
            continue
        subsidy = c["subsidy"] or 0
        comp["fee"] += c["fee"]
        comp["subsidy"] += subsidy
        comp["company_share"] += c["fee"] - subsidy
        if c["component"] == "plan" and holds and not released:
            paid, retained = holdback(subsidy)
            comp["paid"] += paid
            comp["retained"] += retained
        else:
            comp["paid"] += subsidy
    total = {k: sum(v[k] for v in components.values()) for k in ("fee", "subsidy", "paid", "retained")}
    return {"components": components, "fee_total": total["fee"], "subsidy_total": total["subsidy"],
            "paid_total": total["paid"], "retained_total": total["retained"], "holdback": holds}


def case_view(repo: Repo, case: dict[str, Any], spec: WorkflowSpec, today: dt.date) -> dict[str, Any]:
    cid = case["id"]
    company = repo.company(case["company_id"]) or {}
    docs = repo.case_documents(cid)
    consent = {}
    for d in docs:
        if d["kind"] == "consent_letter" and d["lender_id"] is not None:
            consent[d["lender_id"]] = max(consent.get(d["lender_id"], d["on"]), d["on"])
    state = spec.states[case["state"]]
    lenders = repo.case_lenders(cid)
    return {
        "id": cid, "program": case["program"], "track": case["track"], "council": case["council"],
        "state": case["state"], "state_label": state.ja, "state_since": case["state_since"],
        "waiting_on": state.waiting_on, "rule_set": case["rule_set"],
        "company": {"id": company.get("id"), "name": company.get("name"),
                    "corporate_number": company.get("corporate_number"),
                    "fiscal_year_end_month": company.get("fiscal_year_end_month")},
        "coordinator": case["coordinator"], "opened_on": case["opened_on"], "accepted_on": case["accepted_on"],
        "plan_date": case["plan_date"], "validity_until": case["validity_until"], "version": case["version"],
        "support_orgs": [{"id": s["org_id"], "name": s["name"], "lead": s["lead"], "certified": s["certified"]}
                         for s in repo.case_support_orgs(cid)],
        "lenders": [{"id": x["org_id"], "name": x["name"], "main": x["main"], "guaranteed": x["guaranteed"],
                     "consented_on": consent.get(x["org_id"])} for x in lenders],
        "estimates": repo.case_estimates(cid),
        "documents": [{"id": d["id"], "kind": d["kind"], "label": spec.documents[d["kind"]].ja,
                       "lender_id": d["lender_id"], "on": d["on"], "file": d["file_path"]} for d in docs],
        "monitoring": [session_row({**s, "council": case["council"]}, today) for s in repo.case_sessions(cid)],
        "money": money_view(spec, case, repo.case_claims(cid)),
    }

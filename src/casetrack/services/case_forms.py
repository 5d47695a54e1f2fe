"""What the case page's forms offer the signed-in user: the workflow's document kinds (and which come
from a lender), the estimates while they may still change, the history rows the user's role may
correct, and the states the case has passed through (for its diagram). Judged by the same policy and
rules as the use cases the forms post to — which judge again when a form is sent."""

from __future__ import annotations

from typing import Any

from ..domain import policy
from ..workflow.spec import WorkflowSpec
from .fees import estimates_open


def case_forms(
    role: str | None, spec: WorkflowSpec, view: dict[str, Any], history: list[dict[str, Any]]
) -> dict[str, Any]:
    """``view`` as `case show` gives it, ``history`` as `case history` does; ``role`` None: no users yet."""

    def may(action: str) -> bool:
        return role is None or policy.allows(role, action)

    work = may("case.work")
    caps = spec.rule_set(view["rule_set"]).caps(view["track"])
    return {
        "work": work,
        "documents": {
            "allowed": work,
            "kinds": [
                {"id": d.id, "label": d.ja, "from_lender": d.from_lender} for d in spec.documents.values()
            ],
        },
        "estimates": {
            "allowed": work and estimates_open(spec, view["state"]),
            "components": [
                {
                    "id": c,
                    "label": spec.components[c].ja if c in spec.components else c,
                    "amount": view["estimates"].get(c),
                }
                for c in caps
            ],
        },
        "corrections": {h["seq"]: may(policy.event_action(h["event"])) for h in history},
        "visited": sorted({s for h in history for s in (h["from"], h["to"]) if s}),
    }

"""The snapshot the guards read (``CaseFacts``), for one case (``Repo.facts``) or many at once (``whatif``):
one reading of the tables for both."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import BindParameter, Connection, bindparam, select

from ..domain.case_rows import Case
from ..domain.facts import CaseFacts, ClaimFact, DocumentFact, LenderFact, SessionFact, SupportOrgFact
from ..domain.whatif_records import WhatIfCase
from . import schema
from .rows import tuples
from .scope import council_in_scope

CHUNK = 500  # case ids per IN (...) list

lenders, support, orgs = schema.case_lender, schema.case_support_org, schema.organisation
documents, estimates, claims = schema.document, schema.case_estimate, schema.fee_claim
sessions, history, cases = schema.monitoring_session, schema.case_history, schema.cases

# Every guard check reads these (a transition, a what-if over thousands of cases): built once, with the
# case ids (``:ids``) and the councils in scope (``:scope``) as parameters.
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_IN_SCOPE = select(cases.c.id).where(cases.c.id.in_(_IDS), council_in_scope())
_LENDERS = (
    select(lenders.c.case_id, lenders.c.org_id, orgs.c.name, lenders.c.main, lenders.c.guaranteed)
    .join(orgs, orgs.c.id == lenders.c.org_id)
    .where(lenders.c.case_id.in_(_IDS))
    .order_by(lenders.c.case_id, lenders.c.position)
)
_SUPPORT = (
    select(support.c.case_id, support.c.org_id, orgs.c.name, support.c.lead, orgs.c.certified)
    .join(orgs, orgs.c.id == support.c.org_id)
    .where(support.c.case_id.in_(_IDS))
    .order_by(support.c.case_id, support.c.position)
)
_DOCUMENTS = (
    select(documents.c.case_id, documents.c.kind, documents.c.on, documents.c.lender_id)
    .where(documents.c.case_id.in_(_IDS))
    .order_by(documents.c.case_id, documents.c.id)
)
_ESTIMATES = select(estimates.c.case_id, estimates.c.component, estimates.c.amount).where(
    estimates.c.case_id.in_(_IDS)
)
_CLAIMS = (
    select(claims.c.case_id, claims.c.id, claims.c.component, claims.c.fee, claims.c.status)
    .where(claims.c.case_id.in_(_IDS))
    .order_by(claims.c.case_id, claims.c.id)
)
_SESSIONS = (
    select(sessions.c.case_id, sessions.c.seq, sessions.c.kind, sessions.c.due_on, sessions.c.status)
    .where(sessions.c.case_id.in_(_IDS))
    .order_by(sessions.c.case_id, sessions.c.seq)
)
_REUSE_APPROVED = (
    select(history.c.case_id)
    .where(history.c.case_id.in_(_IDS), history.c.event == "approve_reuse")
    .group_by(history.c.case_id)
)


def load_facts(
    conn: Connection,
    rows: Sequence[Case | WhatIfCase],
    with_prior: set[str],
    prior_of: Callable[[Case | WhatIfCase], Iterable[str]],
    scope: frozenset[str] | None,
) -> dict[str, CaseFacts]:
    """The snapshot the guards read, for the cases ``rows`` (as ``Repo.case`` or ``whatif`` read them), by case id: a query per table for
    each ``CHUNK`` cases, never a query per case. The company's earlier cases (``prior_of``) only for the
    ids in ``with_prior``. Of a case outside ``scope`` (councils; None: every council) nothing is read
    but the row given."""
    out: dict[str, CaseFacts] = {}
    for start in range(0, len(rows), CHUNK):
        part_rows = rows[start : start + CHUNK]
        part = [r.id for r in part_rows]
        if scope is not None:
            part = list(conn.execute(_IN_SCOPE, {"ids": part, "scope": sorted(scope)}).scalars())
        ids = {"ids": part}
        lend: dict[str, list[LenderFact]] = {}
        for case_id, org_id, name, main, guaranteed in tuples(conn.execute(_LENDERS, ids)):
            lend.setdefault(case_id, []).append(LenderFact(org_id, name, main, guaranteed))
        sup: dict[str, list[SupportOrgFact]] = {}
        for case_id, org_id, name, lead, certified in tuples(conn.execute(_SUPPORT, ids)):
            sup.setdefault(case_id, []).append(SupportOrgFact(org_id, name, lead, certified))
        docs: dict[str, list[DocumentFact]] = {}
        for case_id, kind, on, lender_id in tuples(conn.execute(_DOCUMENTS, ids)):
            docs.setdefault(case_id, []).append(DocumentFact(kind, on, lender_id))
        est: dict[str, dict[str, int]] = {}
        for case_id, component, amount in tuples(conn.execute(_ESTIMATES, ids)):
            est.setdefault(case_id, {})[component] = amount
        cl: dict[str, list[ClaimFact]] = {}
        for case_id, claim_id, component, fee, status in tuples(conn.execute(_CLAIMS, ids)):
            cl.setdefault(case_id, []).append(ClaimFact(claim_id, component, fee, status))
        ses: dict[str, list[SessionFact]] = {}
        for case_id, seq, kind, due_on, status in tuples(conn.execute(_SESSIONS, ids)):
            ses.setdefault(case_id, []).append(SessionFact(seq, kind, due_on, status))
        approved: set[str] = set(conn.execute(_REUSE_APPROVED, ids).scalars())
        for case in part_rows:
            cid = case.id
            out[cid] = CaseFacts(
                id=cid,
                program=case.program,
                track=case.track,
                state=case.state,
                opened_on=case.opened_on,
                state_since=case.state_since,
                rule_set=case.rule_set,
                accepted_on=case.accepted_on,
                plan_date=case.plan_date,
                validity_until=case.validity_until,
                window_months=case.window_months,
                reuse_reason=case.reuse_reason,
                reuse_ground=case.reuse_ground,
                reuse_approved=cid in approved,
                lenders=tuple(lend.get(cid, ())),
                support_orgs=tuple(sup.get(cid, ())),
                documents=tuple(docs.get(cid, ())),
                estimates=est.get(cid, {}),
                claims=tuple(cl.get(cid, ())),
                sessions=tuple(ses.get(cid, ())),
                prior_cases=tuple(prior_of(case)) if cid in with_prior and cid in part else (),
            )
    return out

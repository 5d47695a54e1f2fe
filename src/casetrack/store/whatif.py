"""Bulk reads for ``whatif``: every open case in reach with what the rules read about it, a table at a
time (never a query per case), inside the caller's one read transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, select

from ..domain.facts import CaseFacts, ClaimFact, DocumentFact, LenderFact, SessionFact, SupportOrgFact
from .repo import (
    Repo,
    cases,
    claims,
    companies,
    documents,
    estimates,
    history,
    lenders,
    orgs,
    sessions,
    support,
)
from .rows import tuples
from .views import holdback_query

CHUNK = 500  # case ids per IN (...) list


class WhatIfRepo:
    def __init__(self, conn: Connection, scope: frozenset[str] | None) -> None:
        self.conn = conn
        self.scope = scope

    def _scoped(self, query: Any, council: str | None) -> Any:
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            query = query.where(cases.c.council == council)
        return query

    def open_cases(self, states: Sequence[str], council: str | None) -> list[dict[str, Any]]:
        """The cases in ``states`` (the open ones) with what the schedule, the audit and the guards read
        of them (the company's name and fiscal-year end: ``companies``)."""
        query = (select(cases.c.id, cases.c.program, cases.c.track, cases.c.council, cases.c.state,
                        cases.c.state_since, cases.c.coordinator, cases.c.rule_set, cases.c.opened_on,
                        cases.c.accepted_on, cases.c.plan_date, cases.c.validity_until, cases.c.window_months,
                        cases.c.interim_monitoring, cases.c.monitoring_interval_months, cases.c.reuse_reason,
                        cases.c.reuse_ground, cases.c.company_id)
                 .where(cases.c.state.in_(list(states))))
        result = self.conn.execute(self._scoped(query, council).execution_options(yield_per=5000))
        keys = list(result.keys())
        return [dict(zip(keys, row, strict=True)) for row in result]

    def companies(self, company_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
        """Company id → (name, fiscal-year-end month)."""
        out: dict[int, tuple[str, int]] = {}
        for part in _chunks(sorted(set(company_ids))):
            for company_id, name, month in tuples(self.conn.execute(
                    select(companies.c.id, companies.c.name, companies.c.fiscal_year_end_month)
                    .where(companies.c.id.in_(part)))):
                out[company_id] = (name, month)
        return out

    def scheduled_sessions(self, states: Sequence[str], council: str | None,
                           programs: Sequence[str] | None = None) -> Iterator[tuple[Any, ...]]:
        """(case, seq, kind, nominal_due_on, due_on, status) of every scheduled session of the cases in
        ``states`` (of ``programs``, when given)."""
        query = (select(sessions.c.case_id, sessions.c.seq, sessions.c.kind, sessions.c.nominal_due_on,
                        sessions.c.due_on, sessions.c.status)
                 .join(cases, cases.c.id == sessions.c.case_id)
                 .where(sessions.c.status == "scheduled", cases.c.state.in_(list(states))))
        if programs is not None:
            query = query.where(cases.c.program.in_(list(programs)))
        yield from tuples(self.conn.execute(self._scoped(query, council).execution_options(yield_per=5000)))

    def sessions_of(self, case_ids: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """The same for every session (any status) of the cases given."""
        for part in _chunks(case_ids):
            yield from tuples(self.conn.execute(
                select(sessions.c.case_id, sessions.c.seq, sessions.c.kind, sessions.c.nominal_due_on,
                       sessions.c.due_on, sessions.c.status).where(sessions.c.case_id.in_(part))))

    def open_holdbacks(self, council: str | None) -> list[dict[str, Any]]:
        """The audit's open holdbacks (store.views.holdback_query), in reach."""
        return [dict(r) for r in self.conn.execute(self._scoped(holdback_query(), council)).mappings()]

    def money(self, case_ids: Sequence[str]) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, int]]]:
        """For the cases given: their claims in id order, and their fee estimates by component."""
        by_case: dict[str, list[dict[str, Any]]] = {}
        est: dict[str, dict[str, int]] = {}
        for part in _chunks(case_ids):
            for row in self.conn.execute(select(claims).where(claims.c.case_id.in_(part))
                                         .order_by(claims.c.id)).mappings():
                by_case.setdefault(row["case_id"], []).append(dict(row))
            for case_id, component, amount in tuples(self.conn.execute(
                    select(estimates.c.case_id, estimates.c.component, estimates.c.amount)
                    .where(estimates.c.case_id.in_(part)))):
                est.setdefault(case_id, {})[component] = amount
        return by_case, est

    def facts(self, rows: Sequence[dict[str, Any]], with_prior: set[str]) -> dict[str, CaseFacts]:
        """What ``Repo.facts`` gives, for many cases at once (a few queries per ``CHUNK`` cases); the
        company's earlier cases only for the ids in ``with_prior`` (through ``Repo.prior_cases``)."""
        out: dict[str, CaseFacts] = {}
        repo = Repo(self.conn, self.scope)
        for start in range(0, len(rows), CHUNK):
            part_rows = rows[start:start + CHUNK]
            part = [r["id"] for r in part_rows]
            lend: dict[str, list[LenderFact]] = {}
            for case_id, org_id, name, main, guaranteed in tuples(self.conn.execute(
                    select(lenders.c.case_id, lenders.c.org_id, orgs.c.name, lenders.c.main, lenders.c.guaranteed)
                    .join(orgs, orgs.c.id == lenders.c.org_id).where(lenders.c.case_id.in_(part))
                    .order_by(lenders.c.case_id, lenders.c.position))):
                lend.setdefault(case_id, []).append(LenderFact(org_id, name, main, guaranteed))
            sup: dict[str, list[SupportOrgFact]] = {}
            for case_id, org_id, name, lead, certified in tuples(self.conn.execute(
                    select(support.c.case_id, support.c.org_id, orgs.c.name, support.c.lead, orgs.c.certified)
                    .join(orgs, orgs.c.id == support.c.org_id).where(support.c.case_id.in_(part))
                    .order_by(support.c.case_id, support.c.position))):
                sup.setdefault(case_id, []).append(SupportOrgFact(org_id, name, lead, certified))
            docs: dict[str, list[DocumentFact]] = {}
            for case_id, kind, on, lender_id in tuples(self.conn.execute(
                    select(documents.c.case_id, documents.c.kind, documents.c.on, documents.c.lender_id)
                    .where(documents.c.case_id.in_(part)).order_by(documents.c.case_id, documents.c.id))):
                docs.setdefault(case_id, []).append(DocumentFact(kind, on, lender_id))
            est: dict[str, dict[str, int]] = {}
            for case_id, component, amount in tuples(self.conn.execute(
                    select(estimates.c.case_id, estimates.c.component, estimates.c.amount)
                    .where(estimates.c.case_id.in_(part)))):
                est.setdefault(case_id, {})[component] = amount
            cl: dict[str, list[ClaimFact]] = {}
            for case_id, claim_id, component, fee, status in tuples(self.conn.execute(
                    select(claims.c.case_id, claims.c.id, claims.c.component, claims.c.fee, claims.c.status)
                    .where(claims.c.case_id.in_(part)).order_by(claims.c.case_id, claims.c.id))):
                cl.setdefault(case_id, []).append(ClaimFact(claim_id, component, fee, status))
            ses: dict[str, list[SessionFact]] = {}
            for case_id, seq, kind, due_on, status in tuples(self.conn.execute(
                    select(sessions.c.case_id, sessions.c.seq, sessions.c.kind, sessions.c.due_on, sessions.c.status)
                    .where(sessions.c.case_id.in_(part)).order_by(sessions.c.case_id, sessions.c.seq))):
                ses.setdefault(case_id, []).append(SessionFact(seq, kind, due_on, status))
            approved: set[str] = set(self.conn.execute(
                select(history.c.case_id).where(history.c.case_id.in_(part), history.c.event == "approve_reuse")
                .group_by(history.c.case_id)).scalars())
            for case in part_rows:
                cid = case["id"]
                out[cid] = CaseFacts(
                    id=cid, program=case["program"], track=case["track"], state=case["state"],
                    opened_on=case["opened_on"], state_since=case["state_since"], rule_set=case["rule_set"],
                    accepted_on=case["accepted_on"], plan_date=case["plan_date"],
                    validity_until=case["validity_until"], window_months=case["window_months"],
                    reuse_reason=case["reuse_reason"], reuse_ground=case.get("reuse_ground"),
                    reuse_approved=cid in approved, lenders=tuple(lend.get(cid, ())),
                    support_orgs=tuple(sup.get(cid, ())), documents=tuple(docs.get(cid, ())),
                    estimates=est.get(cid, {}), claims=tuple(cl.get(cid, ())), sessions=tuple(ses.get(cid, ())),
                    prior_cases=tuple(repo.prior_cases(case["company_id"], case["program"], cid, case["council"]))
                    if cid in with_prior else ())
        return out


def _chunks(ids: Sequence[Any]) -> Iterator[list[Any]]:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


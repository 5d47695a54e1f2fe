"""Bulk reads for ``whatif``: every open case in reach with what the rules read about it, a table at a
time (never a query per case), inside the caller's one read transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select

from ..domain.facts import CaseFacts
from .audits import holdback_query
from .facts import CHUNK, load_facts
from .repo import (
    Repo,
    cases,
    claims,
    companies,
    estimates,
    sessions,
)
from .rows import tuples
from .scope import ScopedRepo


class WhatIfRepo(ScopedRepo):
    def _scoped(self, query: Any, council: str | None) -> Any:
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            query = query.where(cases.c.council == council)
        return query

    def open_cases(self, states: Sequence[str], council: str | None) -> list[dict[str, Any]]:
        """The cases in ``states`` (the open ones) with what the schedule, the audit and the guards read
        of them (the company's name and fiscal-year end: ``companies``)."""
        query = select(
            cases.c.id,
            cases.c.program,
            cases.c.track,
            cases.c.council,
            cases.c.state,
            cases.c.state_since,
            cases.c.coordinator,
            cases.c.rule_set,
            cases.c.opened_on,
            cases.c.accepted_on,
            cases.c.plan_date,
            cases.c.validity_until,
            cases.c.window_months,
            cases.c.interim_monitoring,
            cases.c.monitoring_interval_months,
            cases.c.reuse_reason,
            cases.c.reuse_ground,
            cases.c.company_id,
        ).where(cases.c.state.in_(list(states)))
        result = self.conn.execute(self._scoped(query, council).execution_options(yield_per=5000))
        keys = list(result.keys())
        return [dict(zip(keys, row, strict=True)) for row in result]

    def _of_cases_in_scope(self) -> list[Any]:
        """Only the companies with a case in scope (those whose cases ``whatif`` reads)."""
        if self.scope is None:
            return []
        return [companies.c.id.in_(select(cases.c.company_id).where(cases.c.council.in_(sorted(self.scope))))]

    def companies(self, company_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
        """Company id → (name, fiscal-year-end month), of the companies with a case in scope."""
        out: dict[int, tuple[str, int]] = {}
        for part in _chunks(sorted(set(company_ids))):
            for company_id, name, month in tuples(
                self.conn.execute(
                    select(companies.c.id, companies.c.name, companies.c.fiscal_year_end_month).where(
                        companies.c.id.in_(part), *self._of_cases_in_scope()
                    )
                )
            ):
                out[company_id] = (name, month)
        return out

    def scheduled_sessions(
        self, states: Sequence[str], council: str | None, programs: Sequence[str] | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """(case, seq, kind, nominal_due_on, due_on, status) of every scheduled session of the cases in
        ``states`` (of ``programs``, when given)."""
        query = (
            select(
                sessions.c.case_id,
                sessions.c.seq,
                sessions.c.kind,
                sessions.c.nominal_due_on,
                sessions.c.due_on,
                sessions.c.status,
            )
            .join(cases, cases.c.id == sessions.c.case_id)
            .where(sessions.c.status == "scheduled", cases.c.state.in_(list(states)))
        )
        if programs is not None:
            query = query.where(cases.c.program.in_(list(programs)))
        yield from tuples(self.conn.execute(self._scoped(query, council).execution_options(yield_per=5000)))

    def sessions_of(self, case_ids: Sequence[str]) -> Iterator[tuple[Any, ...]]:
        """The same for every session (any status) of the cases given."""
        for part in _chunks(case_ids):
            yield from tuples(
                self.conn.execute(
                    select(
                        sessions.c.case_id,
                        sessions.c.seq,
                        sessions.c.kind,
                        sessions.c.nominal_due_on,
                        sessions.c.due_on,
                        sessions.c.status,
                    ).where(sessions.c.case_id.in_(part), *self._in_scope(sessions.c.case_id))
                )
            )

    def open_holdbacks(self, council: str | None) -> list[dict[str, Any]]:
        """The audit's open holdbacks (store.audits.holdback_query), in reach."""
        return [dict(r) for r in self.conn.execute(self._scoped(holdback_query(), council)).mappings()]

    def money(
        self, case_ids: Sequence[str]
    ) -> tuple[dict[str, list[dict[str, Any]]], dict[str, dict[str, int]]]:
        """For the cases given: their claims in id order, and their fee estimates by component."""
        by_case: dict[str, list[dict[str, Any]]] = {}
        est: dict[str, dict[str, int]] = {}
        for part in _chunks(case_ids):
            for row in self.conn.execute(
                select(claims)
                .where(claims.c.case_id.in_(part), *self._in_scope(claims.c.case_id))
                .order_by(claims.c.id)
            ).mappings():
                by_case.setdefault(row["case_id"], []).append(dict(row))
            for case_id, component, amount in tuples(
                self.conn.execute(
                    select(estimates.c.case_id, estimates.c.component, estimates.c.amount).where(
                        estimates.c.case_id.in_(part), *self._in_scope(estimates.c.case_id)
                    )
                )
            ):
                est.setdefault(case_id, {})[component] = amount
        return by_case, est

    def facts(self, rows: Sequence[dict[str, Any]], with_prior: set[str]) -> dict[str, CaseFacts]:
        """What ``Repo.facts`` gives, for many cases at once (``store.facts.load_facts``); the company's
        earlier cases only for the ids in ``with_prior`` (through ``Repo.prior_cases``)."""
        repo = Repo(self.conn, scope=self.reach)
        return load_facts(
            self.conn,
            rows,
            with_prior,
            lambda c: repo.prior_cases(c["company_id"], c["program"], c["id"], c["council"]),
            self.scope,
        )


def _chunks(ids: Sequence[Any]) -> Iterator[list[Any]]:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]

"""Bulk reads for ``whatif``: every open case in reach with what the rules read about it, a table at a
time (never a query per case), inside the caller's one read transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select

from ..domain.audit_records import OpenHoldback
from ..domain.facts import CaseFacts
from ..domain.whatif_records import WhatIfCase, WhatIfClaim, WhatIfCompany, WhatIfSession
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
from .rows import records, tuples
from .scope import ScopedRepo

SESSION_COLUMNS = tuple(sessions.c[field] for field in WhatIfSession._fields)


class WhatIfRepo(ScopedRepo):
    def _scoped(self, query: Any, council: str | None) -> Any:
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            query = query.where(cases.c.council == council)
        return query

    def open_cases(self, states: Sequence[str], council: str | None) -> list[WhatIfCase]:
        """The cases in ``states`` (the open ones) with what the schedule, the audit and the guards read
        of them (the company's name and fiscal-year end: ``companies``)."""
        query = select(*(cases.c[field] for field in WhatIfCase._fields)).where(
            cases.c.state.in_(list(states))
        )
        result = self.conn.execute(self._scoped(query, council).execution_options(yield_per=5000))
        return list(records(result, WhatIfCase._make, WhatIfCase._fields))

    def _of_cases_in_scope(self) -> list[Any]:
        """Only the companies with a case in scope (those whose cases ``whatif`` reads)."""
        if self.scope is None:
            return []
        return [companies.c.id.in_(select(cases.c.company_id).where(cases.c.council.in_(sorted(self.scope))))]

    def companies(self, company_ids: Iterable[int]) -> dict[int, WhatIfCompany]:
        """Company id → its name and fiscal-year-end month, of the companies with a case in scope."""
        out: dict[int, WhatIfCompany] = {}
        for part in _chunks(sorted(set(company_ids))):
            for company_id, name, month in tuples(
                self.conn.execute(
                    select(companies.c.id, companies.c.name, companies.c.fiscal_year_end_month).where(
                        companies.c.id.in_(part), *self._of_cases_in_scope()
                    )
                )
            ):
                out[company_id] = WhatIfCompany(name, month)
        return out

    def scheduled_sessions(
        self, states: Sequence[str], council: str | None, programs: Sequence[str] | None = None
    ) -> Iterator[WhatIfSession]:
        """Every scheduled session of the cases in ``states`` (of ``programs``, when given)."""
        query = (
            select(*SESSION_COLUMNS)
            .join(cases, cases.c.id == sessions.c.case_id)
            .where(sessions.c.status == "scheduled", cases.c.state.in_(list(states)))
        )
        if programs is not None:
            query = query.where(cases.c.program.in_(list(programs)))
        result = self.conn.execute(self._scoped(query, council).execution_options(yield_per=5000))
        yield from records(result, WhatIfSession._make, WhatIfSession._fields)

    def sessions_of(self, case_ids: Sequence[str]) -> Iterator[WhatIfSession]:
        """Every session (any status) of the cases given."""
        for part in _chunks(case_ids):
            yield from records(
                self.conn.execute(
                    select(*SESSION_COLUMNS).where(
                        sessions.c.case_id.in_(part), *self._in_scope(sessions.c.case_id)
                    )
                ),
                WhatIfSession._make,
                WhatIfSession._fields,
            )

    def open_holdbacks(self, council: str | None) -> list[OpenHoldback]:
        """The audit's open holdbacks (store.audits.holdback_query), in reach."""
        result = self.conn.execute(self._scoped(holdback_query(), council))
        return list(records(result, OpenHoldback._make, OpenHoldback._fields))

    def money(
        self, case_ids: Sequence[str]
    ) -> tuple[dict[str, list[WhatIfClaim]], dict[str, dict[str, int]]]:
        """For the cases given: their claims in id order, and their fee estimates by component."""
        by_case: dict[str, list[WhatIfClaim]] = {}
        est: dict[str, dict[str, int]] = {}
        for part in _chunks(case_ids):
            for claim in records(
                self.conn.execute(
                    select(*(claims.c[field] for field in WhatIfClaim._fields))
                    .where(claims.c.case_id.in_(part), *self._in_scope(claims.c.case_id))
                    .order_by(claims.c.id)
                ),
                WhatIfClaim._make,
                WhatIfClaim._fields,
            ):
                by_case.setdefault(claim.case_id, []).append(claim)
            for case_id, component, amount in tuples(
                self.conn.execute(
                    select(estimates.c.case_id, estimates.c.component, estimates.c.amount).where(
                        estimates.c.case_id.in_(part), *self._in_scope(estimates.c.case_id)
                    )
                )
            ):
                est.setdefault(case_id, {})[component] = amount
        return by_case, est

    def facts(self, rows: Sequence[WhatIfCase], with_prior: set[str]) -> dict[str, CaseFacts]:
        """What ``Repo.facts`` gives, for many cases at once (``store.facts.load_facts``); the company's earlier cases only for the ids in ``with_prior``
        (through ``Repo.prior_cases``)."""
        repo = Repo(self.conn, scope=self.reach)
        return load_facts(
            self.conn,
            rows,
            with_prior,
            lambda c: repo.prior_cases(c.company_id, c.program, c.id, c.council),
            self.scope,
        )


def _chunks(ids: Sequence[Any]) -> Iterator[list[Any]]:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]

"""Streaming reads for the coordinator views (audit, caseload): Core, never ORM objects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from .repo import cases, documents, ledger, lenders, orgs, sessions

CASE_COLUMNS = (cases.c.id, cases.c.program, cases.c.track, cases.c.council, cases.c.state, cases.c.state_since,
                cases.c.coordinator, cases.c.rule_set, cases.c.accepted_on, cases.c.validity_until,
                cases.c.plan_date)


class ViewRepo:
    def __init__(self, conn: Connection, councils_in_scope: frozenset[str] | None = None) -> None:
        self.conn = conn
        self.scope = councils_in_scope

    def _filtered(self, query: Any, council: str | None, program: str | None, coordinator: str | None) -> Any:
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            query = query.where(cases.c.council == council)
        if program is not None:
            query = query.where(cases.c.program == program)
        if coordinator is not None:
            query = query.where(cases.c.coordinator == coordinator)
        return query

    def cases_in_states(self, states: Sequence[str], *, council: str | None = None, program: str | None = None,
                        coordinator: str | None = None, batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Stream the cases in ``states`` (a server-side cursor; never every case in memory)."""
        query = self._filtered(select(*CASE_COLUMNS).where(cases.c.state.in_(list(states))),
                               council, program, coordinator)
        result = self.conn.execution_options(yield_per=batch).execute(query).mappings()
        for row in result:
            yield dict(row)

    def overdue_sessions(self, today: dt.date, *, council: str | None = None, program: str | None = None,
                         coordinator: str | None = None, states: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
        query = (select(*CASE_COLUMNS, sessions.c.seq, sessions.c.due_on, sessions.c.status)
                 .join(cases, cases.c.id == sessions.c.case_id)
                 .where(sessions.c.status == "scheduled", sessions.c.due_on < today))
        if states:
            query = query.where(cases.c.state.in_(list(states)))
        query = self._filtered(query, council, program, coordinator)
        for row in self.conn.execution_options(yield_per=5000).execute(query).mappings():
            yield dict(row)

    def open_holdbacks(self, *, council: str | None = None, program: str | None = None,
                       coordinator: str | None = None) -> list[dict[str, Any]]:
        sums = (select(ledger.c.case_id, (func.sum(ledger.c.retained) - func.sum(ledger.c.released)).label("open"),
                       func.min(ledger.c.on).filter(ledger.c.component == "plan").label("decided_on"))
                .group_by(ledger.c.case_id).subquery())
        query = (select(*CASE_COLUMNS, sums.c.open, sums.c.decided_on)
                 .join(sums, sums.c.case_id == cases.c.id).where(sums.c.open > 0))
        query = self._filtered(query, council, program, coordinator)
        return [dict(r) for r in self.conn.execute(query).mappings()]

    def missing_consents(self, case_id: str) -> list[str]:
        """Names of the case's lenders with no consent letter on file."""
        consented = select(documents.c.lender_id).where(documents.c.case_id == case_id,
                                                        documents.c.kind == "consent_letter")
        query = (select(orgs.c.name).join(lenders, lenders.c.org_id == orgs.c.id)
                 .where(lenders.c.case_id == case_id, lenders.c.org_id.not_in(consented))
                 .order_by(lenders.c.position))
        return list(self.conn.execute(query).scalars())

    def ended_between(self, states: Sequence[str], start: dt.date, end: dt.date, *, council: str | None = None,
                      program: str | None = None, coordinator: str | None = None) -> Iterator[dict[str, Any]]:
        query = select(*CASE_COLUMNS).where(cases.c.state.in_(list(states)), cases.c.state_since >= start,
                                            cases.c.state_since <= end)
        yield from (dict(r) for r in self.conn.execute(self._filtered(query, council, program, coordinator))
                    .mappings())

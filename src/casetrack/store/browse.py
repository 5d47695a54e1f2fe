"""Reads for the web dashboard: a page of cases with its total, counts by state, sessions due soon.
Core, narrowed to the actor's councils like every case read; each returns at most one page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Select, func, select

from .repo import cases, companies, sessions


class BrowseRepo:
    def __init__(self, conn: Connection, councils_in_scope: frozenset[str] | None = None) -> None:
        self.conn = conn
        self.scope = councils_in_scope

    def _scoped(self, query: Select[Any], coordinator: str | None) -> Select[Any]:
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if coordinator is not None:
            query = query.where(cases.c.coordinator == coordinator)
        return query

    def search_cases(self, *, program: str | None, state: str | None, coordinator: str | None,
                     corporate_number: str | None, name_contains: str | None, limit: int,
                     offset: int) -> tuple[int, list[dict[str, Any]]]:
        """(every matching case, the page of them from ``offset``), by case id.

        Shaped for the planner at 100,000 cases: companies are matched once (a subquery, not a join per
        case), the page's ids are picked from the cases alone (an index walk, even far into the list),
        and only those 50 rows are joined to their company."""
        condition = []
        if program is not None:
            condition.append(cases.c.program == program)
        if state is not None:
            condition.append(cases.c.state == state)
        company = []
        if corporate_number is not None:
            company.append(companies.c.corporate_number == corporate_number)
        if name_contains is not None:
            pattern = "%" + name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            company.append(companies.c.name.like(pattern, escape="\\"))
        if company:
            condition.append(cases.c.company_id.in_(select(companies.c.id).where(*company)))
        count = self._scoped(select(func.count()).select_from(cases).where(*condition), coordinator)
        total = int(self.conn.execute(count).scalar_one())
        if total == 0 or offset >= total:
            return total, []
        ids = [r for (r,) in self.conn.execute(
            self._scoped(select(cases.c.id).where(*condition), coordinator)
            .order_by(cases.c.id).limit(limit).offset(offset))]
        page = (select(cases.c.id, cases.c.program, cases.c.track, cases.c.council, cases.c.state,
                       cases.c.state_since, cases.c.coordinator, cases.c.opened_on, cases.c.accepted_on,
                       cases.c.plan_date, cases.c.company_id, companies.c.name.label("company_name"),
                       companies.c.corporate_number)
                .join(companies, companies.c.id == cases.c.company_id)
                .where(cases.c.id.in_(ids)).order_by(cases.c.id))
        return total, [dict(r) for r in self.conn.execute(self._scoped(page, None)).mappings()]

    def state_counts(self, states: Sequence[str], *, coordinator: str | None) -> list[tuple[str, int]]:
        """(state, cases) for the cases in ``states`` (from the (state, …) and (council, state) indexes)."""
        query = select(cases.c.state, func.count()).where(cases.c.state.in_(list(states)))
        query = self._scoped(query, coordinator).group_by(cases.c.state)
        return [(s, int(n)) for s, n in self.conn.execute(query)]

    def sessions_due(self, start: dt.date, end: dt.date, *, coordinator: str | None,
                     limit: int) -> tuple[int, list[dict[str, Any]]]:
        """Scheduled sessions due from ``start`` to ``end`` (inclusive): (how many, the first ``limit``)."""
        due = (sessions.c.status == "scheduled", sessions.c.due_on >= start, sessions.c.due_on <= end)
        joined = sessions.join(cases, cases.c.id == sessions.c.case_id)
        count = self._scoped(select(func.count()).select_from(joined).where(*due), coordinator)
        total = int(self.conn.execute(count).scalar_one())
        query = (select(sessions.c.case_id, sessions.c.seq, sessions.c.kind, sessions.c.nominal_due_on,
                        sessions.c.due_on, cases.c.program, cases.c.council, cases.c.coordinator,
                        companies.c.name.label("company_name"))
                 .select_from(joined.join(companies, companies.c.id == cases.c.company_id)).where(*due))
        query = self._scoped(query, coordinator).order_by(sessions.c.due_on, sessions.c.case_id,
                                                          sessions.c.seq).limit(limit)
        return total, [dict(r) for r in self.conn.execute(query).mappings()]

"""Reads for the calendar page: one council's monitoring sessions and deadline items in a date range.
Core, narrowed to the actor's councils like every case read. Each read is one query on an index range:
sessions by their due date (``ix_session_due``), cases by council and state (``ix_cases_council_state``),
held-back ledger entries by case (``ix_ledger_holdback``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from ..domain.calendar_records import CalendarSession, DatedCase, HeldBackCase
from .audits import holdback_query
from .repo import cases, companies, sessions
from .scope import ScopedRepo

Range = tuple[dt.date, dt.date]  # inclusive


@dataclass(frozen=True)
class CaseDateWindow:
    """Cases of ``program`` in ``states`` whose acceptance date is in one of ``accepted``, or, with
    ``until``, whose extended validity end is in it (an extension replaces the date counted from
    acceptance)."""

    program: str
    states: tuple[str, ...]
    accepted: tuple[Range, ...]
    until: Range | None = None


def _between(column: Any, ranges: Sequence[Range]) -> Any:
    return or_(*(and_(column >= start, column <= end) for start, end in ranges))


class CalendarRepo(ScopedRepo):
    def _scoped(self, query: Select[Any], council: str, coordinator: str | None) -> Select[Any]:
        query = query.where(cases.c.council == council)
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if coordinator is not None:
            query = query.where(cases.c.coordinator == coordinator)
        return query

    def sessions_due_query(
        self, council: str, start: dt.date, end: dt.date, *, coordinator: str | None = None
    ) -> Select[Any]:
        """Every session (any status) due from ``start`` to ``end`` of ``council``'s cases."""
        query = (
            select(
                sessions.c.case_id,
                sessions.c.seq,
                sessions.c.kind,
                sessions.c.nominal_due_on,
                sessions.c.due_on,
                sessions.c.status,
                sessions.c.held_on,
                cases.c.program,
                cases.c.state,
                cases.c.coordinator,
                companies.c.name.label("company_name"),
            )
            .select_from(
                sessions.join(cases, cases.c.id == sessions.c.case_id).join(
                    companies, companies.c.id == cases.c.company_id
                )
            )
            .where(sessions.c.due_on >= start, sessions.c.due_on <= end)
        )
        return self._scoped(query, council, coordinator).order_by(
            sessions.c.due_on, sessions.c.case_id, sessions.c.seq
        )

    def sessions_due(
        self, council: str, start: dt.date, end: dt.date, *, coordinator: str | None = None
    ) -> list[CalendarSession]:
        query = self.sessions_due_query(council, start, end, coordinator=coordinator)
        return [CalendarSession(**r) for r in self.conn.execute(query).mappings()]

    def overdue_before(
        self,
        council: str,
        before: dt.date,
        states_by_program: Mapping[str, Sequence[str]],
        *,
        coordinator: str | None = None,
        limit: int,
    ) -> tuple[int, list[CalendarSession]]:
        """Sessions still scheduled with a due date before ``before`` (the partial index of open sessions),
        of cases in an open state of their program: (how many, the ``limit`` oldest)."""
        open_case = or_(
            *(
                and_(cases.c.program == p, cases.c.state.in_(list(states)))
                for p, states in states_by_program.items()
            )
        )
        where = (sessions.c.status == "scheduled", sessions.c.due_on < before, open_case)
        joined = sessions.join(cases, cases.c.id == sessions.c.case_id)
        count = self._scoped(select(func.count()).select_from(joined).where(*where), council, coordinator)
        total = int(self.conn.execute(count).scalar_one())
        query = (
            select(
                sessions.c.case_id,
                sessions.c.seq,
                sessions.c.kind,
                sessions.c.nominal_due_on,
                sessions.c.due_on,
                sessions.c.status,
                sessions.c.held_on,
                cases.c.program,
                cases.c.state,
                cases.c.coordinator,
                companies.c.name.label("company_name"),
            )
            .select_from(joined.join(companies, companies.c.id == cases.c.company_id))
            .where(*where)
        )
        query = (
            self._scoped(query, council, coordinator)
            .order_by(sessions.c.due_on, sessions.c.case_id, sessions.c.seq)
            .limit(limit)
        )
        return total, [CalendarSession(**r) for r in self.conn.execute(query).mappings()]

    def dated_cases_query(
        self, council: str, windows: Sequence[CaseDateWindow], *, coordinator: str | None = None
    ) -> Select[Any] | None:
        """The cases a deadline counted from acceptance (or an extended validity) may fall in the range
        for; the caller computes each date and keeps those inside. None: nothing to look for."""
        conditions = []
        for w in windows:
            dated = _between(cases.c.accepted_on, w.accepted) if w.accepted else None
            if w.until is not None:
                extended = and_(cases.c.validity_until >= w.until[0], cases.c.validity_until <= w.until[1])
                dated = (
                    extended
                    if dated is None
                    else or_(and_(cases.c.validity_until.is_(None), dated), extended)
                )
            if dated is not None and w.states:
                conditions.append(
                    and_(cases.c.program == w.program, cases.c.state.in_(list(w.states)), dated)
                )
        if not conditions:
            return None
        states = sorted({s for w in windows for s in w.states})
        query = (
            select(
                cases.c.id.label("case_id"),
                cases.c.program,
                cases.c.council,
                cases.c.state,
                cases.c.coordinator,
                cases.c.rule_set,
                cases.c.accepted_on,
                cases.c.validity_until,
                companies.c.name.label("company_name"),
            )
            .select_from(cases.join(companies, companies.c.id == cases.c.company_id))
            .where(cases.c.state.in_(states), or_(*conditions))
        )
        return self._scoped(query, council, coordinator).order_by(cases.c.id)

    def dated_cases(
        self, council: str, windows: Sequence[CaseDateWindow], *, coordinator: str | None = None
    ) -> list[DatedCase]:
        query = self.dated_cases_query(council, windows, coordinator=coordinator)
        return [] if query is None else [DatedCase(**r) for r in self.conn.execute(query).mappings()]

    def open_holdbacks_query(
        self,
        council: str,
        program: str,
        states: Sequence[str],
        decided: Sequence[Range],
        *,
        coordinator: str | None = None,
    ) -> Select[Any] | None:
        """Cases of ``program`` in ``states`` still holding back part of a plan subsidy decided in one of
        the ``decided`` ranges (what is "still held" is the audit's and the reminders' own query)."""
        if not decided or not states:
            return None
        base = holdback_query()
        query = (
            base.add_columns(companies.c.name.label("company_name"))
            .join(companies, companies.c.id == cases.c.company_id)
            .where(
                cases.c.program == program,
                cases.c.state.in_(list(states)),
                _between(base.selected_columns.decided_on, decided),
            )
        )
        return self._scoped(query, council, coordinator).order_by(cases.c.id)

    def open_holdbacks(
        self,
        council: str,
        program: str,
        states: Sequence[str],
        decided: Sequence[Range],
        *,
        coordinator: str | None = None,
    ) -> list[HeldBackCase]:
        query = self.open_holdbacks_query(council, program, states, decided, coordinator=coordinator)
        return [] if query is None else [HeldBackCase(**r) for r in self.conn.execute(query).mappings()]

"""Reads for the web dashboard: a page of cases with its total, counts by state, sessions due soon.
Core, narrowed to the actor's councils like every case read; each returns at most one page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select

from ..domain.browse_records import ListedCase, SessionDue, WaitingCase, WaitingClaim
from ..domain.text import fold
from .repo import cases, claims, companies, history, sessions
from .rows import tuples
from .scope import ScopedRepo

StateRule = tuple[str, Sequence[str] | None]  # (state, the programs it counts in; None: every program)
StallRule = tuple[str, dt.date, Sequence[str] | None]  # (state, entered before this day, programs or None)


@dataclass(frozen=True)
class CaseQuery:
    """Which cases: every given filter applies (AND). ``overdue`` and ``stalled`` come from the workflow
    data as the stalled-case audit defines its findings (services.audits.overdue_rules / stall_rules)."""

    program: str | None = None
    state: str | None = None
    coordinator: str | None = None
    track: str | None = None
    corporate_number: str | None = None
    name_contains: str | None = None
    overdue_before: dt.date | None = None  # with a scheduled session due before this day …
    overdue_states: Sequence[StateRule] = ()  # … while in one of these states
    stalled: Sequence[StallRule] | None = (
        None  # in one of these states since before its day (None: no filter)
    )
    states: Sequence[str] | None = None  # in one of these states (進行中のみ: the open ones)


SORTS = {  # the case list's sortable columns (bookmarkable: ?sort=company&order=desc)
    "id": (cases.c.id,),
    "program": (cases.c.program, cases.c.id),
    "company": (companies.c.name, cases.c.id),
    "corporate_number": (companies.c.corporate_number, cases.c.id),
    "state": (cases.c.state, cases.c.id),
    "state_since": (cases.c.state_since, cases.c.id),
    "coordinator": (cases.c.coordinator, cases.c.id),
}


def in_states(rules: Sequence[StateRule]) -> Any:
    anywhere = [s for s, programs in rules if programs is None]
    terms: list[ColumnElement[bool]] = [cases.c.state.in_(anywhere)] if anywhere else []
    terms += [
        and_(cases.c.state == s, cases.c.program.in_(list(programs)))
        for s, programs in rules
        if programs is not None
    ]
    return or_(*terms) if terms else false()


def case_conditions(q: CaseQuery, *, scoped: bool = False) -> list[Any]:
    """The WHERE terms of ``q``, on the cases table alone (companies and sessions as subqueries), so
    every reader of cases — a page, a count, an export — filters alike. ``scoped``: the reader narrows
    the cases to some councils too.

    Stalled: one ``state = s AND state_since < d`` range per state (the (state, state_since, council)
    index). Overdue, at 100,000 cases on SQLite: when the cases are narrowed anyway (councils, a
    coordinator, a company) each of them probes its own sessions (EXISTS on the case_id index: ~10,000
    probes for a council); otherwise the overdue sessions of the whole country are listed once (the
    partial index of scheduled sessions by due date) and their cases looked up — either way round is
    3–4 times slower in the other case. PostgreSQL plans both as the same semi-join."""
    condition: list[Any] = []
    if q.program is not None:
        condition.append(cases.c.program == q.program)
    if q.track is not None:
        condition.append(cases.c.track == q.track)
    if q.state is not None:
        condition.append(cases.c.state == q.state)
    if q.states is not None:
        condition.append(cases.c.state.in_(list(q.states)))
    if q.coordinator is not None:
        condition.append(cases.c.coordinator == q.coordinator)
    company = []
    if q.corporate_number is not None:
        company.append(companies.c.corporate_number == q.corporate_number)
    if q.name_contains is not None:  # folded alike on both sides (domain.text.fold; the stored name_folded)
        folded = fold(q.name_contains) or ""
        pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        company.append(companies.c.name_folded.like(pattern, escape="\\"))
    if company:
        condition.append(cases.c.company_id.in_(select(companies.c.id).where(*company)))
    if q.overdue_before is not None:
        due = (sessions.c.status == "scheduled", sessions.c.due_on < q.overdue_before)
        if scoped or company or q.coordinator is not None:
            condition.append(select(sessions.c.id).where(sessions.c.case_id == cases.c.id, *due).exists())
        else:
            condition.append(cases.c.id.in_(select(sessions.c.case_id).where(*due)))
        condition.append(in_states(q.overdue_states))
    if q.stalled is not None:
        terms = [
            and_(
                cases.c.state == s,
                cases.c.state_since < before,
                *([cases.c.program.in_(list(programs))] if programs is not None else []),
            )
            for s, before, programs in q.stalled
        ]
        condition.append(or_(*terms) if terms else false())
    return condition


class BrowseRepo(ScopedRepo):
    def _scoped(self, query: Select[Any], coordinator: str | None, council: str | None = None) -> Select[Any]:
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            query = query.where(cases.c.council == council)
        if coordinator is not None:
            query = query.where(cases.c.coordinator == coordinator)
        return query

    def search_cases(
        self, q: CaseQuery, *, limit: int, offset: int, sort: str = "id", descending: bool = False
    ) -> tuple[int, list[ListedCase]]:
        """(every matching case, the page of them from ``offset``), by case id.

        Shaped for the planner at 100,000 cases: companies are matched once (a subquery, not a join per
        case), the page's ids are picked from the cases alone (an index walk, even far into the list),
        and only those 50 rows are joined to their company."""
        condition = case_conditions(q, scoped=self.scope is not None)
        count = self._scoped(select(func.count()).select_from(cases).where(*condition), None)
        total = int(self.conn.execute(count).scalar_one())
        if total == 0 or offset >= total:
            return total, []
        keys = [(k.desc() if descending else k.asc()).nulls_last() for k in SORTS[sort]]
        picked = select(cases.c.id).where(*condition)
        if sort in ("company", "corporate_number"):
            picked = picked.join(companies, companies.c.id == cases.c.company_id)
        ids = [
            r
            for (r,) in self.conn.execute(
                self._scoped(picked, None).order_by(*keys).limit(limit).offset(offset)
            )
        ]
        page = (
            select(
                cases.c.id,
                cases.c.program,
                cases.c.track,
                cases.c.council,
                cases.c.state,
                cases.c.state_since,
                cases.c.coordinator,
                cases.c.opened_on,
                cases.c.accepted_on,
                cases.c.plan_date,
                cases.c.company_id,
                companies.c.name.label("company_name"),
                companies.c.corporate_number,
            )
            .join(companies, companies.c.id == cases.c.company_id)
            .where(cases.c.id.in_(ids))
        )
        found = {r["id"]: ListedCase(**r) for r in self.conn.execute(self._scoped(page, None)).mappings()}
        return total, [found[i] for i in ids if i in found]

    def state_counts(
        self, states: Sequence[str], *, coordinator: str | None, council: str | None = None
    ) -> list[tuple[str, int]]:
        """(state, cases) for the cases in ``states`` (from the (state, …) and (council, state) indexes),
        of one ``council`` of the scope if given."""
        query = select(cases.c.state, func.count()).where(cases.c.state.in_(list(states)))
        query = self._scoped(query, coordinator, council).group_by(cases.c.state)
        return [(s, int(n)) for s, n in tuples(self.conn.execute(query))]

    def sessions_due(
        self,
        start: dt.date,
        end: dt.date,
        *,
        coordinator: str | None,
        limit: int,
        live: Sequence[StateRule],
        council: str | None = None,
    ) -> tuple[int, list[SessionDue]]:
        """Scheduled sessions due from ``start`` to ``end`` (inclusive) of cases in a state where sessions
        are ``live``, of one ``council`` of the scope if given: (how many, the first ``limit``)."""
        due = (
            sessions.c.status == "scheduled",
            sessions.c.due_on >= start,
            sessions.c.due_on <= end,
            in_states(live),
        )
        joined = sessions.join(cases, cases.c.id == sessions.c.case_id)
        count = self._scoped(select(func.count()).select_from(joined).where(*due), coordinator, council)
        total = int(self.conn.execute(count).scalar_one())
        query = (
            select(
                sessions.c.case_id,
                sessions.c.seq,
                sessions.c.kind,
                sessions.c.nominal_due_on,
                sessions.c.due_on,
                cases.c.program,
                cases.c.council,
                cases.c.coordinator,
                companies.c.name.label("company_name"),
            )
            .select_from(joined.join(companies, companies.c.id == cases.c.company_id))
            .where(*due)
        )
        query = (
            self._scoped(query, coordinator, council)
            .order_by(sessions.c.due_on, sessions.c.case_id, sessions.c.seq)
            .limit(limit)
        )
        return total, [SessionDue(**r) for r in self.conn.execute(query).mappings()]

    def cases_waiting(
        self, states: Sequence[str], *, council: str | None, limit: int
    ) -> tuple[int, list[WaitingCase]]:
        """Cases in ``states`` (those waiting on the council), longest in their state first: (how many,
        the first ``limit``), with their company."""
        where: list[ColumnElement[bool]] = [cases.c.state.in_(list(states))]
        if council is not None:
            where.append(cases.c.council == council)
        return self._waiting(where, limit)

    def reuse_waiting(
        self, waiting: Sequence[tuple[str, str, str]], *, council: str | None, limit: int
    ) -> tuple[int, list[WaitingCase]]:
        """Cases that still wait for the council's 再利用承認: a case of one of the (program, rule set,
        state) given — a rule set that asks for the approval, a state it is given in — with a re-use
        reason recorded and no approve_reuse in its history, longest in their state first."""
        if not waiting:
            return 0, []
        approved = select(history.c.case_id).where(history.c.event == "approve_reuse")
        where: list[ColumnElement[bool]] = [
            or_(
                *(
                    and_(cases.c.program == p, cases.c.rule_set == r, cases.c.state == s)
                    for p, r, s in waiting
                )
            ),
            cases.c.reuse_reason.is_not(None),
            cases.c.id.not_in(approved),
        ]
        if council is not None:
            where.append(cases.c.council == council)
        return self._waiting(where, limit)

    def _waiting(self, where: list[ColumnElement[bool]], limit: int) -> tuple[int, list[WaitingCase]]:
        """The cases ``where`` says, longest in their state first: (how many, the first ``limit``), with
        their company."""
        count = self._scoped(select(func.count()).select_from(cases).where(*where), None)
        total = int(self.conn.execute(count).scalar_one())
        query = (
            select(
                cases.c.id,
                cases.c.program,
                cases.c.council,
                cases.c.state,
                cases.c.state_since,
                cases.c.coordinator,
                companies.c.name.label("company_name"),
            )
            .join(companies, companies.c.id == cases.c.company_id)
            .where(*where)
        )
        query = self._scoped(query, None).order_by(cases.c.state_since, cases.c.id).limit(limit)
        return total, [WaitingCase(**r) for r in self.conn.execute(query).mappings()]

    def claims_waiting(
        self, components: Sequence[tuple[str, str]], *, council: str | None, limit: int
    ) -> tuple[int, list[WaitingClaim]]:
        """Fee claims still claimed (not decided or rejected) of the (program, component) pairs given,
        oldest first: (how many, the first ``limit``), with their case and company."""
        if not components:
            return 0, []
        pairs = or_(*(and_(cases.c.program == p, claims.c.component == c) for p, c in components))
        where = [claims.c.status == "claimed", pairs]
        if council is not None:
            where.append(cases.c.council == council)
        joined = claims.join(cases, cases.c.id == claims.c.case_id)
        count = self._scoped(select(func.count()).select_from(joined).where(*where), None)
        total = int(self.conn.execute(count).scalar_one())
        query = (
            select(
                claims.c.id.label("claim_id"),
                claims.c.component,
                claims.c.fee,
                claims.c.claimed_on,
                claims.c.session_seq,
                cases.c.id,
                cases.c.program,
                cases.c.council,
                cases.c.state,
                cases.c.coordinator,
                companies.c.name.label("company_name"),
            )
            .select_from(joined.join(companies, companies.c.id == cases.c.company_id))
            .where(*where)
        )
        query = self._scoped(query, None).order_by(claims.c.claimed_on, claims.c.id).limit(limit)
        return total, [WaitingClaim(**r) for r in self.conn.execute(query).mappings()]

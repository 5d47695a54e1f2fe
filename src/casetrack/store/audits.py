"""Streaming reads for the coordinator views (audit, caseload), the exports and `audit verify`: Core, never
ORM objects, narrowed to the councils in scope like every case read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, false, func, or_, select

from ..domain.audit_records import AuditCase, ExportedCase, ExportedSession, OpenHoldback, OverdueSession
from ..domain.case_rows import HistoryRow, LedgerEntry
from ..domain.chain_records import Chain, ChainLink
from ..domain.master_records import MasterChange
from . import schema
from .browse import StateRule, in_states
from .repo import (
    cases,
    companies,
    document_files,
    documents,
    history,
    ledger,
    lenders,
    orgs,
    sessions,
    support,
)
from .rows import records, tuples
from .scope import ScopedRepo, in_scope_where

CASE_COLUMNS = (
    cases.c.id,
    cases.c.program,
    cases.c.track,
    cases.c.council,
    cases.c.state,
    cases.c.state_since,
    cases.c.coordinator,
    cases.c.rule_set,
    cases.c.accepted_on,
    cases.c.validity_until,
    cases.c.plan_date,
)


@dataclass(frozen=True)
class Bound:
    """A condition on a case that may have a finding, for the database to filter by: in one of ``states``
    of one of ``programs`` (None: any program), with ``column`` on or before ``last`` (and the given rule
    set, and no extension recorded when ``unextended``)."""

    programs: tuple[str, ...] | None
    states: tuple[str, ...]
    column: str  # state_since | accepted_on | validity_until
    last: dt.date
    rule_set: str | None = None
    unextended: bool = False

    @property
    def shape(self) -> BoundShape:
        """What the bound's SQL depends on (its day and rule set are parameters)."""
        return (self.programs, self.states, self.column, self.rule_set is not None, self.unextended)


BoundShape = tuple[tuple[str, ...] | None, tuple[str, ...], str, bool, bool]


def _bound_clause(shape: BoundShape, i: int) -> Any:
    """The bound ``shape`` as SQL, its day ``:last_i`` and rule set ``:rule_set_i``."""
    programs, states, column, has_rule_set, unextended = shape
    terms = [cases.c.state.in_(states), cases.c[column] <= bindparam(f"last_{i}")]
    if programs is not None:
        terms.append(cases.c.program.in_(programs))
    if has_rule_set:
        terms.append(cases.c.rule_set == bindparam(f"rule_set_{i}"))
    if unextended:
        terms.append(cases.c.validity_until.is_(None))
    return and_(*terms)


@cache
def _cases_in_states(shapes: tuple[BoundShape, ...] | None, filters: tuple[bool, bool, bool, bool]) -> Any:
    """The open cases the audit reads (``AuditRepo.cases_in_states``), for bounds of ``shapes`` and the
    filters present (scope, council, program, coordinator)."""
    query = select(*CASE_COLUMNS).where(cases.c.state.in_(bindparam("states", expanding=True)))
    if shapes is not None:
        query = query.where(or_(false(), *(_bound_clause(shape, i) for i, shape in enumerate(shapes))))
    scoped, by_council, by_program, by_coordinator = filters
    query = in_scope_where(query, scoped)
    if by_council:
        query = query.where(cases.c.council == bindparam("council"))
    if by_program:
        query = query.where(cases.c.program == bindparam("program"))
    if by_coordinator:
        query = query.where(cases.c.coordinator == bindparam("coordinator"))
    return query


class AuditRepo(ScopedRepo):
    def company_names(self, case_ids: Sequence[str]) -> dict[str, str]:
        """Case id → its company's name, for the cases given (in scope)."""
        query = (
            select(cases.c.id, companies.c.name)
            .join(companies, companies.c.id == cases.c.company_id)
            .where(cases.c.id.in_(list(case_ids)))
        )
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        return {str(case_id): str(name) for case_id, name in self.conn.execute(query)}

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

    def cases_in_states(
        self,
        states: Sequence[str],
        *,
        council: str | None = None,
        program: str | None = None,
        coordinator: str | None = None,
        within: Sequence[Bound] | None = None,
        batch: int = 5000,
    ) -> Iterator[AuditCase]:
        """Stream the cases in ``states`` (a server-side cursor; never every case in memory); only those
        within one of the bounds, when ``within`` is given."""
        # the audit runs every day and on every dashboard page: its statement is built once per shape (which
        # bounds, which filters) and kept; the days, states and filters are parameters
        shapes = None if within is None else tuple(bound.shape for bound in within)
        filters = (self.scope is not None, council is not None, program is not None, coordinator is not None)
        params: dict[str, Any] = self._params(
            states=list(states), council=council, program=program, coordinator=coordinator
        )
        for i, bound in enumerate(within or ()):
            params[f"last_{i}"], params[f"rule_set_{i}"] = bound.last, bound.rule_set
        query = _cases_in_states(shapes, filters).execution_options(yield_per=batch)
        yield from records(self.conn.execute(query, params), AuditCase._make, AuditCase._fields)

    def overdue_sessions(
        self,
        today: dt.date,
        *,
        council: str | None = None,
        program: str | None = None,
        coordinator: str | None = None,
        states: Sequence[str] = (),
    ) -> Iterator[OverdueSession]:
        """Scheduled sessions due before ``today`` with what a finding names of their case (case, number and
        due date come from the partial index on scheduled sessions alone)."""
        query = (
            select(
                cases.c.id,
                cases.c.program,
                cases.c.council,
                cases.c.state,
                cases.c.coordinator,
                cases.c.rule_set,
                sessions.c.seq,
                sessions.c.due_on,
            )
            .join(cases, cases.c.id == sessions.c.case_id)
            .where(sessions.c.status == "scheduled", sessions.c.due_on < today)
        )
        if states:
            query = query.where(cases.c.state.in_(list(states)))
        query = self._filtered(query, council, program, coordinator)
        yield from records(
            self.conn.execute(query.execution_options(yield_per=5000)),
            OverdueSession._make,
            OverdueSession._fields,
        )

    def open_holdbacks(
        self,
        *,
        council: str | None = None,
        program: str | None = None,
        coordinator: str | None = None,
        decided_by: dt.date | None = None,
    ) -> list[OpenHoldback]:
        """Cases whose plan subsidy is partly held back and not yet released (from the few ledger
        entries that hold something back: a partial index); only those decided by ``decided_by``, when
        given."""
        query = self._filtered(holdback_query(decided_by), council, program, coordinator)
        return list(records(self.conn.execute(query), OpenHoldback._make, OpenHoldback._fields))

    def _grouped(
        self, key: str, condition: Any, council: str | None, with_state: bool
    ) -> list[tuple[Any, ...]]:
        column = cases.c[key]
        cols = [column, cases.c.state] if with_state else [column]
        query = self._filtered(select(*cols, func.count()).where(condition), council, None, None)
        return [tuple(r) for r in self.conn.execute(query.group_by(*cols))]

    def open_counts(
        self, key: str, states: Sequence[str], *, council: str | None = None
    ) -> list[tuple[Any, ...]]:
        """(key, state, cases) for the cases in ``states``."""
        return self._grouped(key, cases.c.state.in_(list(states)), council, True)

    def ended_counts(
        self, key: str, states: Sequence[str], start: dt.date, end: dt.date, *, council: str | None = None
    ) -> list[tuple[Any, ...]]:
        """(key, state, cases) for the cases that entered ``states`` between ``start`` and ``end``."""
        condition = and_(
            cases.c.state.in_(list(states)), cases.c.state_since >= start, cases.c.state_since <= end
        )
        return self._grouped(key, condition, council, True)

    def stalled_counts(
        self, key: str, rules: Sequence[tuple[str, str, dt.date]], *, council: str | None = None
    ) -> list[tuple[Any, ...]]:
        """(key, cases) for the cases whose (program, state) entered before the given day."""
        if not rules:
            return []
        condition = or_(
            *(
                and_(cases.c.program == program, cases.c.state == state, cases.c.state_since < before)
                for program, state, before in rules
            )
        )
        return self._grouped(key, condition, council, False)

    def overdue_case_counts(
        self, key: str, today: dt.date, live: Sequence[StateRule], *, council: str | None = None
    ) -> list[tuple[Any, int]]:
        """(key, cases) for the cases with a scheduled session due before ``today`` while in a state where
        sessions are ``live``."""
        column = cases.c[key]
        query = (
            select(column, func.count(func.distinct(cases.c.id)))
            .select_from(sessions.join(cases, cases.c.id == sessions.c.case_id))
            .where(sessions.c.status == "scheduled", sessions.c.due_on < today, in_states(live))
        )
        query = self._filtered(query, council, None, None).group_by(column)
        return [tuple(r) for r in tuples(self.conn.execute(query))]

    def missing_consents_in(
        self, state: str, council: str | None = None, entered_by: dt.date | None = None
    ) -> dict[str, list[str]]:
        """For every case in ``state`` (of ``council``, and in the state since ``entered_by`` or before,
        when given): the names of its lenders with no consent letter on file."""
        consented = (
            select(documents.c.case_id, documents.c.lender_id)
            .where(documents.c.kind == "consent_letter")
            .subquery()
        )
        query = (
            select(lenders.c.case_id, orgs.c.name)
            .join(orgs, orgs.c.id == lenders.c.org_id)
            .join(cases, cases.c.id == lenders.c.case_id)
            .outerjoin(
                consented,
                (consented.c.case_id == lenders.c.case_id) & (consented.c.lender_id == lenders.c.org_id),
            )
            .where(cases.c.state == state, consented.c.case_id.is_(None))
            .order_by(lenders.c.case_id, lenders.c.position)
        )
        if (
            self.scope is not None
        ):  # only the councils in reach (a supervisor's page need not read the country)
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            query = query.where(cases.c.council == council)
        if entered_by is not None:
            query = query.where(cases.c.state_since <= entered_by)
        out: dict[str, list[str]] = {}
        for case_id, name in tuples(self.conn.execute(query)):
            out.setdefault(case_id, []).append(name)
        return out

    def export_case_rows(
        self, council: str | None, where: Sequence[Any] = (), batch: int = 1000
    ) -> Iterator[ExportedCase]:
        """Every case (matching ``where``: terms on the cases table, such as browse.case_conditions gives)
        with company, lead support org (name, e-mail, kind, certified), lenders, the number of sessions
        held and money totals, for the export, by case id; streamed.

        The matching ids come first, from the cases alone (the planner then uses the council, state or
        session indexes and sorts; joined, SQLite walks all 100,000 cases in id order to keep the order),
        then ``batch`` cases at a time with their company, lead, lenders and ledger sums (by case id)."""
        chosen = list(where)
        if self.scope is not None:
            chosen.append(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            chosen.append(cases.c.council == council)
        ids = [r for (r,) in self.conn.execute(select(cases.c.id).where(*chosen).order_by(cases.c.id))]
        lead_org = orgs.alias("lead_org")
        lead = support.alias("lead")
        for start in range(0, len(ids), batch):
            part = ids[start : start + batch]
            money = {
                r.case_id: r
                for r in self.conn.execute(
                    select(
                        ledger.c.case_id,
                        func.sum(ledger.c.subsidy).label("subsidy"),
                        func.sum(ledger.c.paid + ledger.c.released).label("paid"),
                        func.sum(ledger.c.retained - ledger.c.released).label("retained"),
                    )
                    .where(ledger.c.case_id.in_(part))
                    .group_by(ledger.c.case_id)
                )
            }
            by_case: dict[str, list[tuple[str, bool, bool]]] = {}
            for case_id, name, main, guaranteed in tuples(
                self.conn.execute(
                    select(lenders.c.case_id, orgs.c.name, lenders.c.main, lenders.c.guaranteed)
                    .join(orgs, orgs.c.id == lenders.c.org_id)
                    .where(lenders.c.case_id.in_(part))
                    .order_by(lenders.c.case_id, lenders.c.position)
                )
            ):
                by_case.setdefault(case_id, []).append((name, main, guaranteed))
            held: dict[str, int] = dict(
                self.conn.execute(
                    select(sessions.c.case_id, func.count())
                    .where(sessions.c.status == "held", sessions.c.case_id.in_(part))
                    .group_by(sessions.c.case_id)
                ).all()
            )
            query = (
                select(
                    *CASE_COLUMNS,
                    cases.c.opened_on,
                    cases.c.monitoring_interval_months,
                    cases.c.interim_monitoring,
                    companies.c.name.label("company_name"),
                    companies.c.corporate_number,
                    companies.c.fiscal_year_end_month,
                    lead_org.c.name.label("lead_name"),
                    lead_org.c.email.label("lead_email"),
                    lead_org.c.kind.label("lead_kind"),
                    lead_org.c.certified.label("lead_certified"),
                )
                .join(companies, companies.c.id == cases.c.company_id)
                .outerjoin(lead, and_(lead.c.case_id == cases.c.id, lead.c.lead.is_(True)))
                .outerjoin(lead_org, lead_org.c.id == lead.c.org_id)
                .where(cases.c.id.in_(part))
                .order_by(cases.c.id)
            )
            for r in self.conn.execute(query).mappings():
                sums = money.get(r["id"])
                mine = by_case.get(r["id"], [])
                yield ExportedCase(
                    **r,
                    subsidy=sums.subsidy if sums else None,
                    paid=sums.paid if sums else None,
                    retained=sums.retained if sums else None,
                    sessions_held=held.get(r["id"]),
                    lenders="・".join(n + ("（保証付）" if g else "") for n, _m, g in mine),
                    main_bank=next((n for n, m, _g in mine if m), None),
                )

    def export_session_rows(self, council: str | None) -> Iterator[ExportedSession]:
        query = (
            select(sessions, cases.c.council, companies.c.name.label("company_name"))
            .join(cases, cases.c.id == sessions.c.case_id)
            .join(companies, companies.c.id == cases.c.company_id)
            .order_by(sessions.c.due_on, sessions.c.case_id, sessions.c.seq)
        )
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            query = query.where(cases.c.council == council)
        yield from records(
            self.conn.execute(query.execution_options(yield_per=5000)),
            ExportedSession._make,
            ExportedSession._fields,
        )

    def stored_files(self, council: str | None) -> Iterator[tuple[str, int, str | None, int | None, bytes]]:
        """(case, document, recorded SHA-256, recorded size, the bytes) for every stored file, one at a time."""
        files = document_files
        query = (
            select(
                documents.c.case_id,
                documents.c.id,
                documents.c.file_sha256,
                documents.c.file_size,
                files.c.data,
            )
            .select_from(
                files.join(documents, documents.c.id == files.c.document_id).join(
                    cases, cases.c.id == documents.c.case_id
                )
            )
            .order_by(documents.c.case_id, documents.c.id)
        )
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        if council is not None:
            query = query.where(cases.c.council == council)
        for row in self.conn.execute(query.execution_options(yield_per=16)):
            yield row[0], row[1], row[2], row[3], row[4]

    def chains(self, council: str | None) -> Iterator[Chain]:
        """Every case's history and ledger chain (the rows in chain order, the head recorded on the case),
        streamed; a case whose rows are all gone comes with no rows."""
        for table, link, order, head in (
            (history, HistoryRow, history.c.seq, cases.c.history_head),
            (ledger, LedgerEntry, ledger.c.id, cases.c.ledger_head),
        ):
            query = (
                select(cases.c.id.label("chain_case"), head.label("chain_head"), *_link_columns(table, link))
                .select_from(cases.outerjoin(table, table.c.case_id == cases.c.id))
                .where(or_(head.is_not(None), table.c.id.is_not(None)))
                .order_by(cases.c.id, order)
            )
            if self.scope is not None:
                query = query.where(cases.c.council.in_(sorted(self.scope)))
            if council is not None:
                query = query.where(cases.c.council == council)
            rows = tuples(self.conn.execute(query.execution_options(yield_per=5000)))
            for case_id, group in groupby(rows, key=itemgetter(0)):
                members = list(group)
                yield Chain(
                    table.name,
                    case_id,
                    tuple(link._make(r[2:]) for r in members if r[2] is not None),
                    members[0][1],
                )

    def master_chains(self) -> Iterator[Chain]:
        """The chain of changes of every company and organisation with changes or a recorded head, and of
        every user with changes (no head: None)."""
        t = schema.master_change
        columns = _link_columns(t, MasterChange)
        for entity, table in (("company", schema.company), ("organisation", schema.organisation)):
            query = (
                select(table.c.id.label("record_id"), table.c.change_head.label("record_head"), *columns)
                .select_from(table.outerjoin(t, and_(t.c.entity == entity, t.c.entity_id == table.c.id)))
                .where(or_(table.c.change_head.is_not(None), t.c.id.is_not(None)))
                .order_by(table.c.id, t.c.seq)
            )
            for record_id, group in groupby(tuples(self.conn.execute(query)), key=itemgetter(0)):
                members = list(group)
                yield Chain(
                    "master_change",
                    f"{entity} {record_id}",
                    tuple(MasterChange._make(r[2:]) for r in members if r[2] is not None),
                    members[0][1],
                )
        # a user's chain (user edit: display name, e-mail, role, councils) has no head on the user row
        query = (
            select(schema.app_user.c.name.label("record_name"), *columns)
            .select_from(
                t.join(schema.app_user, and_(t.c.entity == "user", t.c.entity_id == schema.app_user.c.id))
            )
            .order_by(schema.app_user.c.name, t.c.seq)
        )
        for name, group in groupby(tuples(self.conn.execute(query)), key=itemgetter(0)):
            yield Chain(
                "master_change", f"user {name}", tuple(MasterChange._make(r[1:]) for r in group), None
            )


def _link_columns(table: Any, link: type[ChainLink]) -> list[Any]:
    """The columns of ``table`` that fill the record ``link``, in its fields' order."""
    return [table.c[field] for field in link._fields]


def holdback_query(decided_by: dt.date | BindParameter[Any] | None = None) -> Any:
    """Ledger entries that held something back (decided by ``decided_by``, a day or a parameter, when
    given), with their case and what is still held."""
    held = ledger.alias("held")
    released = (
        select(func.coalesce(func.sum(ledger.c.released), 0))
        .where(ledger.c.case_id == held.c.case_id)
        .scalar_subquery()
    )
    return (
        select(*CASE_COLUMNS, (held.c.retained - released).label("open"), held.c.on.label("decided_on"))
        .select_from(held.join(cases, cases.c.id == held.c.case_id))
        .where(
            held.c.retained > 0,
            *([held.c.on <= decided_by] if decided_by is not None else []),
            held.c.retained - released > 0,
        )
    )

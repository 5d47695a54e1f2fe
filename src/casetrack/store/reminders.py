"""Reads and writes for reminders: what is due, the outbox, closures and the scheduler lease.
Core only (bulk); never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Select,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from ..domain.reminder_records import (
    ClosureDay,
    CouncilContact,
    DueItem,
    FinishedSweep,
    HeldLease,
    NewMessage,
    OutboxMessage,
    Outcome,
    ScheduledSession,
    SkippedRung,
    Supervisor,
    UpcomingSession,
)
from . import schema
from .browse import StateRule, in_states
from .repo import cases, companies, councils, orgs, sessions, support, user_councils, users
from .rows import tuples
from .scope import ScopedRepo, in_scope_where

outbox = schema.outbox
closures = schema.closure
leases = schema.scheduler_lease
sweep_runs = schema.sweep_run

_lead = support.alias("lead")
_lead_org = orgs.alias("lead_org")
_coordinator = users.alias("coordinator_user")


def _case_columns() -> list[Any]:
    return [
        cases.c.id.label("case_id"),
        cases.c.program,
        cases.c.track,
        cases.c.council,
        cases.c.state,
        cases.c.coordinator,
        cases.c.accepted_on,
        cases.c.validity_until,
        cases.c.rule_set,
        cases.c.state_since,
        cases.c.plan_date,
        companies.c.name.label("company_name"),
        _lead_org.c.name.label("lead_name"),
        _lead_org.c.email.label("lead_email"),
        _coordinator.c.email.label("coordinator_email"),
        _coordinator.c.display_name.label("coordinator_display"),
    ]


def _joined(query: Any) -> Any:
    return (
        query.join(companies, companies.c.id == cases.c.company_id)
        .outerjoin(_lead, and_(_lead.c.case_id == cases.c.id, _lead.c.lead.is_(True)))
        .outerjoin(_lead_org, _lead_org.c.id == _lead.c.org_id)
        .outerjoin(_coordinator, _coordinator.c.name == cases.c.coordinator)
    )


def _first(query: Any, name: str) -> Any:
    """``query`` as a common table expression the database computes before joining it to anything
    (``AS MATERIALIZED``: SQLite ≥ 3.35, PostgreSQL ≥ 12), so a small, indexed set drives the join."""
    return query.cte(name).prefix_with("MATERIALIZED")


def _of_program(query: Select[Any], scoped: bool) -> Select[Any]:
    """``query`` narrowed to the cases of program ``:program`` in states ``:states`` (and, ``scoped``, of
    the councils ``:scope``)."""
    query = query.where(
        cases.c.program == bindparam("program"), cases.c.state.in_(bindparam("states", expanding=True))
    )
    return in_scope_where(query, scoped)


@cache
def _open_sessions(scoped: bool) -> Select[Any]:
    # The open sessions due by then come first, from the partial index on open sessions' due dates, and
    # only then their cases: left to itself the planner walks every case of the program in those states
    # (tens of thousands) to find the few sessions due — ~1 s at 100,000 cases.
    due = _first(
        select(
            sessions.c.case_id,
            sessions.c.seq,
            sessions.c.kind,
            sessions.c.nominal_due_on,
            sessions.c.due_on,
        ).where(sessions.c.status == "scheduled", sessions.c.due_on <= bindparam("due_until")),
        "due",
    )
    query = _joined(
        select(*_case_columns(), due.c.seq, due.c.kind, due.c.nominal_due_on, due.c.due_on).select_from(
            due.join(cases, cases.c.id == due.c.case_id)
        )
    )
    return _of_program(query, scoped)


@cache
def _cases_in(scoped: bool, accepted: bool, until: bool) -> Select[Any]:
    query = _of_program(_joined(select(*_case_columns()).select_from(cases)), scoped)
    if accepted:
        by = cases.c.accepted_on <= bindparam("accepted_by")
        if until:
            by = or_(
                and_(cases.c.validity_until.is_(None), by), cases.c.validity_until <= bindparam("until_by")
            )
        query = query.where(by)
    return query


@cache
def _open_holdbacks(scoped: bool, decided: bool) -> Select[Any]:
    from .audits import holdback_query

    # the few held-back entries, then their cases
    base = _first(holdback_query(bindparam("decided_by") if decided else None), "held_open")
    query = _joined(
        select(*_case_columns(), base.c.open.label("retained"), base.c.decided_on).select_from(
            cases.join(base, base.c.id == cases.c.id)
        )
    )
    return _of_program(query, scoped)


def readdressed(
    body: str, old_name: str | None, new_name: str | None, mention: tuple[str, str] | None
) -> str:
    """``body`` greeting ``new_name`` where its first line greeted ``old_name``, and naming the new
    coordinator where it named the old one (``mention``: old, new)."""
    first, sep, rest = body.partition("\n")
    if old_name and new_name and first.startswith(old_name + " "):
        first = new_name + first[len(old_name) :]
    text = first + sep + rest
    if mention is not None:
        text = text.replace(f"担当の{mention[0]}まで", f"担当の{mention[1]}まで")
    return text


def _due_items(result: CursorResult[Any]) -> list[DueItem]:
    """The rows of ``result`` as open items: a sweep reads one per open item."""
    return [DueItem(**row) for row in result.mappings()]


def _messages(result: CursorResult[Any]) -> list[OutboxMessage]:
    return [OutboxMessage(**row) for row in result.mappings()]


def _memoised(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` remembering its results: a bulk insert converts the same few dates and instants again
    and again."""
    seen: dict[tuple[type, Any], Any] = {}

    def once(value: Any) -> Any:
        slot = (type(value), value)
        try:
            return seen[slot]
        except KeyError:
            seen[slot] = done = convert(value)
            return done
        except TypeError:  # not hashable
            return convert(value)

    return once


def _insert_many(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    tail: tuple[Any, ...] = (),
) -> None:
    """``INSERT INTO table (columns) VALUES …`` for every row (``row + tail``) in one executemany, through
    SQLAlchemy's compiled statement and its column types' conversions, but with none of its per-row,
    per-column work: each column's conversion is looked up once and each distinct value converted once."""
    dialect = conn.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for i, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            converters.append((i, _memoised(process)))
    width = len(columns) - len(tail)
    head = [(i, f) for i, f in converters if i < width]
    tail = tuple(next((f(v) for i, f in converters if i == width + k), v) for k, v in enumerate(tail))

    def values(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out = [*row, *tail]
        for i, f in head:
            out[i] = f(out[i])
        return tuple(out)  # the driver takes a sequence of tuples (or of dicts), not of lists

    if compiled.positional:
        order = [list(columns).index(name) for name in compiled.positiontup or []]
        if order == list(range(len(columns))):
            params: list[Any] = list(map(values, rows))
        else:
            pick = itemgetter(*order)
            params = [pick(v) for v in map(values, rows)]
    else:
        params = [dict(zip(columns, v, strict=True)) for v in map(values, rows)]
    conn.exec_driver_sql(compiled.string, params)


class ReminderRepo(ScopedRepo):
    def _scoped(self, query: Any) -> Any:
        return query.where(cases.c.council.in_(sorted(self.scope))) if self.scope is not None else query

    def _outbox_scoped(self, query: Any) -> Any:
        """Only the outbox rows of the councils in scope: their cases' mail, and the digests to their
        staff. Listing, delivering and counting all see the same rows, so a council's sweep never
        sends (or drops) another council's mail."""
        if self.scope is None:
            return query
        in_scope = sorted(self.scope)
        return query.where(
            or_(
                outbox.c.case_id.in_(select(cases.c.id).where(cases.c.council.in_(in_scope))),
                and_(
                    outbox.c.case_id.is_(None),
                    outbox.c.to_addr.in_(select(users.c.email).where(users.c.council.in_(in_scope))),
                ),
            )
        )

    # -- what is due ---------------------------------------------------------------------------
    # A sweep asks these every day for every program and item: their statements are built once per shape
    # (``_open_sessions``, ``_cases_in``, ``_open_holdbacks``) with the values as parameters, so a sweep
    # spends its time in the database, not in building the same SQL again.
    def _read_due(self, query: Select[Any], **params: Any) -> list[DueItem]:
        return _due_items(self.conn.execute(query, self._params(**params)))

    def open_sessions(self, program: str, states: Sequence[str], due_until: dt.date) -> list[DueItem]:
        """Scheduled sessions due by ``due_until`` of cases of ``program`` in ``states``."""
        return self._read_due(
            _open_sessions(self.scope is not None), program=program, states=list(states), due_until=due_until
        )

    def cases_in(
        self,
        program: str,
        states: Sequence[str],
        *,
        accepted_by: dt.date | None = None,
        until_by: dt.date | None = None,
    ) -> list[DueItem]:
        """Cases of ``program`` in ``states``; with ``accepted_by``, only those accepted by then (or, with
        ``until_by``, whose extended validity ends by then): the rest cannot have a rung due yet."""
        query = _cases_in(
            self.scope is not None, accepted_by is not None, accepted_by is not None and until_by is not None
        )
        return self._read_due(
            query, program=program, states=list(states), accepted_by=accepted_by, until_by=until_by
        )

    def open_holdbacks(
        self, program: str, states: Sequence[str], decided_by: dt.date | None = None
    ) -> list[DueItem]:
        """Cases whose plan subsidy is partly held back and not yet released (decided by ``decided_by``)."""
        query = _open_holdbacks(self.scope is not None, decided_by is not None)
        return self._read_due(query, program=program, states=list(states), decided_by=decided_by)

    def sessions_due_between(
        self, start: dt.date, end: dt.date, live: Sequence[StateRule]
    ) -> list[UpcomingSession]:
        """Scheduled sessions due from ``start`` to ``end`` of cases in a state where sessions are ``live``."""
        query = (
            select(
                sessions.c.case_id,
                sessions.c.seq,
                sessions.c.due_on,
                cases.c.coordinator,
                companies.c.name.label("company_name"),
            )
            .join(cases, cases.c.id == sessions.c.case_id)
            .join(companies, companies.c.id == cases.c.company_id)
            .where(
                sessions.c.status == "scheduled",
                sessions.c.due_on >= start,
                sessions.c.due_on <= end,
                in_states(live),
            )
            .order_by(sessions.c.due_on, sessions.c.case_id)
        )
        return [UpcomingSession(**r) for r in self.conn.execute(self._scoped(query)).mappings()]

    def supervisors(self) -> dict[str, list[Supervisor]]:
        """Per council in scope, its active supervisors (own council or one they act for), by name: who gets
        the escalations of a case without a coordinator."""
        query = (
            select(users.c.name, users.c.display_name, users.c.email, users.c.council)
            .where(users.c.role == "supervisor", users.c.active.is_(True))
            .order_by(users.c.name)
        )
        people = [Supervisor(**r) for r in self.conn.execute(query).mappings()]
        more: dict[str, list[str]] = {}
        pairs = self.conn.execute(select(user_councils.c.user_name, user_councils.c.council))
        for name, council in tuples(pairs):
            more.setdefault(name, []).append(council)
        out: dict[str, list[Supervisor]] = {}
        for person in people:
            for council in {person.council, *more.get(person.name, [])}:
                if self.scope is None or council in self.scope:
                    out.setdefault(council, []).append(person)
        return out

    def council_info(self) -> dict[str, CouncilContact]:
        query = select(councils.c.code, councils.c.name, councils.c.address, councils.c.phone)
        return {
            code: CouncilContact(name, address, phone)
            for code, name, address, phone in tuples(self.conn.execute(query))
        }

    # -- closures ------------------------------------------------------------------------------
    def closures(self) -> list[ClosureDay]:
        query = select(closures.c.day, closures.c.council, closures.c.reason).order_by(
            closures.c.day, closures.c.council
        )
        return [ClosureDay(**r) for r in self.conn.execute(query).mappings()]

    def add_closure(self, council: str | None, day: dt.date, reason: str | None, now: dt.datetime) -> bool:
        exists = self.conn.execute(
            select(closures.c.id).where(
                closures.c.day == day,
                closures.c.council.is_(None) if council is None else closures.c.council == council,
            )
        ).first()
        if exists:
            return False
        self.conn.execute(insert(closures).values(council=council, day=day, reason=reason, created_at=now))
        return True

    def remove_closure(self, council: str | None, day: dt.date) -> bool:
        result = self.conn.execute(
            delete(closures).where(
                closures.c.day == day,
                closures.c.council.is_(None) if council is None else closures.c.council == council,
            )
        )
        return result.rowcount > 0

    def scheduled_sessions_from(self, council: str | None, day: dt.date) -> list[ScheduledSession]:
        query = (
            select(
                sessions.c.case_id,
                sessions.c.seq,
                sessions.c.nominal_due_on,
                sessions.c.due_on,
                cases.c.council,
            )
            .join(cases, cases.c.id == sessions.c.case_id)
            .where(sessions.c.status == "scheduled", sessions.c.due_on >= day - dt.timedelta(days=60))
        )
        if council is not None:
            query = query.where(cases.c.council == council)
        return [ScheduledSession(**r) for r in self.conn.execute(self._scoped(query)).mappings()]

    def move_session(self, case_id: str, seq: int, due_on: dt.date) -> None:
        self.conn.execute(
            update(sessions)
            .where(sessions.c.case_id == case_id, sessions.c.seq == seq, sessions.c.status == "scheduled")
            .values(due_on=due_on)
        )

    # -- outbox --------------------------------------------------------------------------------
    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        found: set[str] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            found.update(self.conn.execute(select(outbox.c.key).where(outbox.c.key.in_(chunk))).scalars())
        return found

    def enqueue(self, messages: Sequence[NewMessage]) -> int:
        """Insert the messages whose key is not in the outbox yet; returns how many were inserted. A key
        another sweep inserted meanwhile (read as absent, committed since) is skipped, not an error:
        two sweeps may overlap when one outlives its lease."""
        return self._enqueue(NewMessage._fields, messages, {})

    def enqueue_skipped(self, rungs: Sequence[SkippedRung], *, written_on: dt.date, now: dt.datetime) -> int:
        """Record superseded rungs as ``skipped`` (written for ``written_on``, at ``now``), those whose key
        is not in the outbox yet; returns how many were recorded. The bulk form of a sweep writing tens of
        thousands of rows (a catch-up's skipped rungs)."""
        return self._enqueue(
            SkippedRung._fields,
            rungs,
            {
                "subject": "",
                "body": "",
                "status": "skipped",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
                "sent_at": None,
                "written_on": written_on,
                "reply_to": None,
            },
        )

    def _enqueue(
        self, columns: Sequence[str], rows: Sequence[tuple[Any, ...]], fixed: Mapping[str, Any]
    ) -> int:
        """Insert ``rows`` (tuples of ``columns``, with the ``fixed`` values in every row) whose key is new."""
        if not rows:
            return 0
        try:
            with self.conn.begin_nested():  # the usual case, at full speed (no RETURNING)
                _insert_many(self.conn, outbox, [*columns, *fixed], rows, tuple(fixed.values()))
            return len(rows)
        except IntegrityError:
            pass
        if self.conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            query = (
                pg_insert(outbox).on_conflict_do_nothing(index_elements=[outbox.c.key]).returning(outbox.c.id)
            )
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            query = (
                sqlite_insert(outbox)
                .on_conflict_do_nothing(index_elements=[outbox.c.key])
                .returning(outbox.c.id)
            )
        return len(
            self.conn.execute(query, [{**dict(zip(columns, r, strict=True)), **fixed} for r in rows]).all()
        )

    def supersede_pending(self, reasons: dict[str, str]) -> int:
        """Mark the still-pending messages of these keys skipped, each with its reason; how many were."""
        by_reason: dict[str, list[str]] = {}
        for key, reason in reasons.items():
            by_reason.setdefault(reason, []).append(key)
        done = 0
        for reason, keys in by_reason.items():
            for i in range(0, len(keys), 500):
                done += self.conn.execute(
                    update(outbox)
                    .where(
                        outbox.c.key.in_(keys[i : i + 500]),
                        outbox.c.status == "pending",
                    )
                    .values(status="skipped", last_error=reason, claimed_by=None, claim_until=None)
                ).rowcount
        return done

    def statuses(self, ids: Sequence[int]) -> dict[int, str]:
        """The status of each of the messages ``ids`` in scope (an id not there is missing)."""
        query = self._outbox_scoped(select(outbox.c.id, outbox.c.status).where(outbox.c.id.in_(list(ids))))
        return {outbox_id: status for outbox_id, status in tuples(self.conn.execute(query))}

    def dead_ids(self, since: dt.date | None = None) -> list[int]:
        query = self._outbox_scoped(select(outbox.c.id).where(outbox.c.status == "dead"))
        if since is not None:
            query = query.where(outbox.c.send_on >= since)
        return list(self.conn.execute(query.order_by(outbox.c.id)).scalars())

    def revive(self, ids: Sequence[int], now: dt.datetime) -> int:
        """Dead → pending, due now, with a fresh retry window; attempts, last error and Message-ID kept."""
        done = 0
        for i in range(0, len(ids), 500):
            done += self.conn.execute(
                update(outbox)
                .where(
                    outbox.c.id.in_(list(ids[i : i + 500])),
                    outbox.c.status == "dead",
                )
                .values(
                    status="pending", next_attempt_at=now, retried_at=now, claimed_by=None, claim_until=None
                )
            ).rowcount
        return done

    def due_for_delivery(self, now: dt.datetime, limit: int) -> list[OutboxMessage]:
        query = self._outbox_scoped(
            select(outbox).where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
        )
        return _messages(self.conn.execute(query.order_by(outbox.c.id).limit(limit)))

    def pending_count(self) -> int:
        query = self._outbox_scoped(
            select(func.count()).select_from(outbox).where(outbox.c.status == "pending")
        )
        return int(self.conn.execute(query).scalar_one())

    def settle(self, outbox_id: int, outcome: Outcome, claimed_by: str | None = None) -> bool:
        """Settle a pending message (sent, retried, dead, dropped or skipped); False if it is no longer
        pending (or, with ``claimed_by``, no longer claimed by that scheduler)."""
        values: dict[str, Any] = {
            "status": outcome.status,
            "attempts": outcome.attempts,
            "last_error": outcome.last_error,
        }
        if outcome.sent_at is not None:
            values["sent_at"] = outcome.sent_at
        if outcome.next_attempt_at is not None:
            values["next_attempt_at"] = outcome.next_attempt_at
        query = update(outbox).where(outbox.c.id == outbox_id, outbox.c.status == "pending")
        if claimed_by is not None:
            query = query.where(outbox.c.claimed_by == claimed_by)
            values = {**values, "claimed_by": None, "claim_until": None}
        return self.conn.execute(query.values(**values)).rowcount == 1

    def claim(self, holder: str, now: dt.datetime, until: dt.datetime, limit: int) -> list[OutboxMessage]:
        """Claim up to ``limit`` deliverable messages nobody holds (PostgreSQL: FOR UPDATE SKIP LOCKED), so
        schedulers on several machines share the delivery and never send the same message.

        The free rows are chosen once, in a materialised CTE: as ``WHERE id IN (subquery)`` the planner
        may run the subquery again for every row of the outbox (a nested-loop semi-join), each run
        skipping the rows this very statement has just claimed and so finding ``limit`` more — one
        scheduler then claims the whole outbox and the others find nothing to share."""
        free = _first(
            self._outbox_scoped(
                select(outbox.c.id).where(
                    outbox.c.status == "pending",
                    outbox.c.next_attempt_at <= now,
                    or_(outbox.c.claim_until.is_(None), outbox.c.claim_until < now),
                )
            )
            .order_by(outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True),
            "free",
        )
        query = (
            update(outbox)
            .where(outbox.c.id == free.c.id)
            .values(claimed_by=holder, claim_until=until)
            .returning(*outbox.c)
        )
        return sorted(_messages(self.conn.execute(query)), key=lambda m: m.id)

    def extend_claims(self, holder: str, ids: Sequence[int], until: dt.datetime) -> set[int]:
        """Extend this scheduler's claims; returns the ids it still holds."""
        if not ids:
            return set()
        query = (
            update(outbox)
            .where(outbox.c.id.in_(list(ids)), outbox.c.claimed_by == holder, outbox.c.status == "pending")
            .values(claim_until=until)
            .returning(outbox.c.id)
        )
        return set(self.conn.execute(query).scalars())

    def readdress_pending(
        self,
        *,
        case_ids: Sequence[str] | None,
        role: str,
        old_addr: str | None = None,
        to_addr: str | None,
        to_name: str | None,
        old_name: str | None,
        mention: tuple[str, str] | None = None,
    ) -> int:
        """Pending mail to ``role`` of ``case_ids`` (None: of any case, then only mail now going to
        ``old_addr``) goes to ``to_addr`` / ``to_name`` instead: the greeting names the new recipient, and
        ``mention`` (old, new) replaces the old coordinator's name where a message names them. Without an
        address the message goes ``dead``, as it would have been enqueued. Returns how many moved."""
        query = select(outbox).where(outbox.c.status == "pending", outbox.c.recipient_role == role)
        if case_ids is not None:
            if not case_ids:
                return 0
            query = query.where(outbox.c.case_id.in_(list(case_ids)))
        if old_addr is not None:
            query = query.where(outbox.c.to_addr == old_addr)
        moved = 0
        for row in self.conn.execute(query).mappings().all():
            values: dict[str, Any] = {
                "to_addr": to_addr,
                "to_name": to_name,
                "body": readdressed(row["body"], old_name, to_name, mention),
            }
            if not to_addr:
                values.update(status="dead", last_error=f"no e-mail address for the new {role}")
            moved += self.conn.execute(
                update(outbox).where(outbox.c.id == row["id"], outbox.c.status == "pending").values(**values)
            ).rowcount
        if mention is not None and case_ids:  # the other recipients' mail that names the coordinator
            for other in self.conn.execute(
                select(outbox.c.id, outbox.c.body).where(
                    outbox.c.status == "pending",
                    outbox.c.recipient_role != role,
                    outbox.c.case_id.in_(list(case_ids)),
                )
            ).all():
                body = readdressed(other.body, None, None, mention)
                if body != other.body:
                    self.conn.execute(update(outbox).where(outbox.c.id == other.id).values(body=body))
        return moved

    def list_outbox(self, status: str | None, limit: int | None = None) -> list[OutboxMessage]:
        query = self._outbox_scoped(select(outbox).order_by(outbox.c.id))
        if status:
            query = query.where(outbox.c.status == status)
        if limit:
            query = query.limit(limit)
        return _messages(self.conn.execute(query))

    def status_counts(self) -> dict[str, int]:
        rows = tuples(self.conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)))
        return {status: int(n) for status, n in rows}

    # -- lease ---------------------------------------------------------------------------------
    def take_lease(self, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
        """Take or renew the lease ``name``: True when ``holder`` holds it until now + ttl."""
        result = self.conn.execute(
            update(leases)
            .where(
                leases.c.name == name,
                or_(leases.c.holder == holder, leases.c.expires_at < now),
            )
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        )
        if result.rowcount == 1:
            return True
        if self.conn.execute(select(leases.c.name).where(leases.c.name == name)).first() is not None:
            return False
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(leases).values(name=name, holder=holder, acquired_at=now, expires_at=now + ttl)
                )
        except IntegrityError:
            return False
        return True

    def take_over_lease(self, name: str, dead: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
        """Take the lease ``name`` from ``dead`` (a holder known to have died): compare-and-set, so of two
        processes noticing the death at once only one takes it."""
        result = self.conn.execute(
            update(leases)
            .where(leases.c.name == name, leases.c.holder == dead)
            .values(holder=holder, acquired_at=now, expires_at=now + ttl)
        )
        return result.rowcount == 1

    def release_lease(self, name: str, holder: str) -> None:
        self.conn.execute(delete(leases).where(leases.c.name == name, leases.c.holder == holder))

    def lease(self, name: str) -> HeldLease | None:
        row = self.conn.execute(select(leases).where(leases.c.name == name)).mappings().first()
        return HeldLease(**row) if row else None

    # -- sweep runs ----------------------------------------------------------------------------
    def record_sweep(self, run: FinishedSweep) -> None:
        values = asdict(run)
        del values["id"]
        self.conn.execute(insert(sweep_runs).values(**values))

    def last_sweep(self) -> FinishedSweep | None:
        row = (
            self.conn.execute(select(sweep_runs).order_by(sweep_runs.c.finished_at.desc()).limit(1))
            .mappings()
            .first()
        )
        return FinishedSweep(**row) if row else None

    def oldest_pending(self) -> dt.datetime | None:
        return self.conn.execute(
            select(func.min(outbox.c.created_at)).where(outbox.c.status == "pending")
        ).scalar()

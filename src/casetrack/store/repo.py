"""Repositories over SQLAlchemy Core. They read and write inside the caller's transaction and never
commit. Every case read is narrowed to the actor's councils: through ``_case_scope``, or — for the reads
built once (end of file) — through ``scope_terms`` and the ``:scope`` parameter (``ScopedRepo._params``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Executable,
    Insert,
    Select,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    text,
    update,
)

from ..domain import chain
from ..domain.case_rows import (
    Case,
    CaseAgreement,
    CaseChanges,
    CaseDocument,
    CaseLender,
    CaseSupportOrg,
    CaseWithCompany,
    ClaimDecided,
    ClaimRejected,
    FeeClaim,
    HistoryRow,
    LedgerEntry,
    LenderLink,
    ListedSession,
    MonitoringSession,
    NewAgreement,
    NewCase,
    NewClaim,
    NewDocument,
    NewHistory,
    NewLedgerEntry,
    ScheduledSession,
    SessionHeld,
    SessionMoved,
    SessionWaived,
    SupportLink,
)
from ..domain.facts import CaseFacts
from ..domain.master_records import (
    AccessEntry,
    Company,
    CompanyChanges,
    Council,
    MasterChange,
    NewCompany,
    NewMasterChange,
    NewOrganisation,
    NewUser,
    Organisation,
    OrgChanges,
    StaffMember,
    User,
    UserChanges,
)
from ..domain.text import fold
from . import schema
from .db import set_council_scope
from .facts import load_facts
from .rows import by_name, tuples
from .scope import ScopedRepo, in_scope_where, scope_terms

councils = schema.council
companies = schema.company
orgs = schema.organisation
users = schema.app_user
cases = schema.cases
counters = schema.case_counter
lenders = schema.case_lender
support = schema.case_support_org
estimates = schema.case_estimate
agreements = schema.case_agreement
documents = schema.document
document_files = schema.document_file
history = schema.case_history
claims = schema.fee_claim
sessions = schema.monitoring_session
ledger = schema.ledger_entry
access_log = schema.access_log
master_changes = schema.master_change
user_councils = schema.user_council


def with_folded_name(values: Mapping[str, Any]) -> dict[str, Any]:
    """A company's or an organisation's values with ``name_folded`` (domain.text.fold of the name, what
    every name search reads) set whenever the name is: every write of either table passes through here."""
    return {**values, "name_folded": fold(values["name"])} if "name" in values else dict(values)


OTHER_COUNCIL_CASE = "他の協議会の案件"  # how a refusal names a case of another council (never by its id)


class Repo(ScopedRepo):
    """Data access for one unit of work: councils, companies, organisations, users, cases and what belongs
    to a case. Every case read is narrowed to the actor's councils (``_case_scope``, or ``:scope`` in a
    statement built once)."""

    # -- scope ---------------------------------------------------------------------------------
    def _case_scope(self, query: Select[Any]) -> Select[Any]:
        if self.scope is not None:
            query = query.where(cases.c.council.in_(sorted(self.scope)))
        return query

    def _insert_id(self, statement: Insert) -> int:
        """Insert one row; its integer primary key."""
        key = self.conn.execute(statement).inserted_primary_key
        assert key is not None  # always a row for a single-row INSERT (typed Optional by SQLAlchemy)
        return int(key[0])

    # -- councils ------------------------------------------------------------------------------
    def upsert_councils(self, rows: Iterable[Council]) -> int:
        """Write the councils as given (a known code is updated); how many were new."""
        existing: set[str] = set(self.conn.execute(select(councils.c.code)).scalars())
        n = 0
        for council in rows:
            values = asdict(council)
            if council.code in existing:
                self.conn.execute(update(councils).where(councils.c.code == council.code).values(**values))
            else:
                self.conn.execute(insert(councils).values(**values))
                n += 1
        return n

    def list_councils(self) -> list[Council]:
        return by_name(Council, self.conn.execute(select(councils).order_by(councils.c.code)))

    def council(self, code: str) -> Council | None:
        row = self.conn.execute(select(councils).where(councils.c.code == code)).mappings().first()
        return Council(**row) if row else None

    # -- registry ------------------------------------------------------------------------------
    def insert_company(self, company: NewCompany) -> int:
        return self._insert_id(insert(companies).values(**with_folded_name(asdict(company))))

    def company(self, company_id: int) -> Company | None:
        """The company, if the actor may see it (``list_companies``' rule)."""
        with self._every_council():
            query = self._company_scope(select(companies).where(companies.c.id == company_id))
            row = self.conn.execute(query).mappings().first()
        return Company(**row) if row else None

    def company_any_council(self, company_id: int) -> Company | None:
        """The company by the id the actor gave, whichever council's cases it has: opening a case for a
        company another council worked with (全国本部 gives its id) or importing one. The caller shows it
        only once it is the actor's."""
        with self._every_council():
            row = self.conn.execute(select(companies).where(companies.c.id == company_id)).mappings().first()
        return Company(**row) if row else None

    def company_by_number(self, number: str) -> Company | None:
        """The company with this 法人番号 (a public number), whichever council's: callers name it only when
        ``company_visible`` (a duplicate found at registration is "already registered", no more)."""
        with self._every_council():
            query = select(companies).where(companies.c.corporate_number == number)
            row = self.conn.execute(query).mappings().first()
        return Company(**row) if row else None

    def companies_without_number(self, prefecture: str | None) -> list[Company]:
        """Companies registered without a 法人番号 in ``prefecture`` (None: without one), by id, whichever
        council's (the caller names only the visible ones)."""
        where = (
            (companies.c.prefecture == prefecture)
            if prefecture is not None
            else companies.c.prefecture.is_(None)
        )
        query = (
            select(companies).where(companies.c.corporate_number.is_(None), where).order_by(companies.c.id)
        )
        with self._every_council():
            return by_name(Company, self.conn.execute(query))

    def list_companies(self) -> list[Company]:
        """Every company for an actor of every council; otherwise the companies that have or had a case
        in the actor's councils, and those with no case anywhere yet (registered, not yet in the program).
        A company whose cases are all another council's is not listed: that a company consulted a
        council is confidential (it signals financial trouble)."""
        with self._every_council():  # the scope is applied explicitly below, on both backends
            rows = self.conn.execute(
                self._company_scope(select(companies)).order_by(companies.c.id)
            ).mappings()
            return [Company(**r) for r in rows]

    def company_visible(self, company_id: int) -> bool:
        with self._every_council():
            query = self._company_scope(select(companies.c.id).where(companies.c.id == company_id))
            return self.conn.execute(query).first() is not None

    def _company_scope(self, query: Select[Any]) -> Select[Any]:
        if self.scope is None:
            return query
        # two uncorrelated sets (the scope's cases by the council index; every case's company once), not
        # two probes per company: a page of companies at 100,000 cases in a fraction of the time
        theirs = select(cases.c.company_id).where(cases.c.council.in_(sorted(self.scope)))
        return query.where(or_(companies.c.id.in_(theirs), companies.c.id.not_in(select(cases.c.company_id))))

    def update_company(self, company_id: int, changes: CompanyChanges) -> None:
        self.conn.execute(
            update(companies).where(companies.c.id == company_id).values(**with_folded_name(changes))
        )

    def org(self, org_id: int) -> Organisation | None:
        row = self.conn.execute(select(orgs).where(orgs.c.id == org_id)).mappings().first()
        return Organisation(**row) if row else None

    def update_org(self, org_id: int, changes: OrgChanges) -> None:
        self.conn.execute(update(orgs).where(orgs.c.id == org_id).values(**with_folded_name(changes)))

    def org_is_lender(self, org_id: int) -> bool:
        return (
            self.conn.execute(select(lenders.c.case_id).where(lenders.c.org_id == org_id).limit(1)).first()
            is not None
        )

    def cases_led_by(self, org_id: int) -> list[str]:
        """Ids of the cases (in scope) whose lead support org is ``org_id``: where its reminders go."""
        query = self._case_scope(
            select(cases.c.id)
            .join(support, support.c.case_id == cases.c.id)
            .where(support.c.org_id == org_id, support.c.lead.is_(True))
        )
        return list(self.conn.execute(query).scalars())

    def cases_of_company(self, company_id: int) -> list[Case]:
        query = self._case_scope(select(cases).where(cases.c.company_id == company_id)).order_by(cases.c.id)
        return by_name(Case, self.conn.execute(query))

    def insert_master_change(self, change: NewMasterChange) -> MasterChange:
        """Append a change row of one company, organisation or user, chained to that record's previous
        one, and record its hash on a company or an organisation (``change_head``)."""
        t = master_changes
        key = (t.c.entity == change.entity, t.c.entity_id == change.entity_id)
        last = self.conn.execute(
            select(t.c.seq, t.c.hash).where(*key).order_by(t.c.seq.desc()).limit(1)
        ).first()
        row = {
            **asdict(change),
            "seq": (last.seq + 1) if last else 1,
            "prev_hash": (last.hash if last else chain.GENESIS),
        }
        row["hash"] = chain.link(row["prev_hash"], row, chain.MASTER_FIELDS)
        change_id = self._insert_id(insert(t).values(**row))
        if change.entity in ("company", "organisation"):  # a user's chain has no head on the record
            target = companies if change.entity == "company" else orgs
            self.conn.execute(
                update(target).where(target.c.id == change.entity_id).values(change_head=row["hash"])
            )
        return MasterChange(id=change_id, **row)

    def master_history(self, entity: str, entity_id: int) -> list[MasterChange]:
        """The changes of one company, organisation or user, in chain order: a company's only when the actor
        may see it (``list_companies``' rule), a user's only when ``list_users`` lists them."""
        t = master_changes
        query = select(t).where(t.c.entity == entity, t.c.entity_id == entity_id).order_by(t.c.seq)
        if entity == "company":
            company = select(companies.c.id).where(companies.c.id == entity_id)
            query = query.where(self._company_scope(company).exists())
        elif entity == "user":
            query = query.where(self._user_scope(select(users.c.id).where(users.c.id == entity_id)).exists())
        with self._every_council():  # the scope is applied explicitly, on both backends
            return by_name(MasterChange, self.conn.execute(query))

    def insert_org(self, org: NewOrganisation) -> int:
        return self._insert_id(insert(orgs).values(**with_folded_name(asdict(org))))

    def orgs_by_id(self, ids: Iterable[int]) -> dict[int, Organisation]:
        rows = self.conn.execute(select(orgs).where(orgs.c.id.in_(list(ids)))).mappings()
        return {r["id"]: Organisation(**r) for r in rows}

    def list_orgs(self) -> list[Organisation]:
        return by_name(Organisation, self.conn.execute(select(orgs).order_by(orgs.c.id)))

    def insert_user(self, user: NewUser, more_councils: Iterable[str] = ()) -> int:
        user_id = self._insert_id(insert(users).values(**asdict(user)))
        extra = [{"user_name": user.name, "council": c} for c in sorted(set(more_councils) - {user.council})]
        if extra:
            self.conn.execute(insert(user_councils), extra)
        return user_id

    def any_user(self) -> bool:
        """Whether the database has any user (the set-up before the first admin). On PostgreSQL asked of
        a function run as the owner: row-level security shows the actor only some users (migration 0018)."""
        if self.conn.dialect.name == "postgresql":
            return bool(self.conn.execute(text("SELECT casetrack_any_user()")).scalar())
        return self.conn.execute(select(users.c.id).limit(1)).first() is not None

    def councils_of(self, name: str) -> set[str]:
        """Every council ``name`` acts for: their own and any further ones."""
        own = self.conn.execute(select(users.c.council).where(users.c.name == name)).scalar()
        return ({own} if own else set()) | self.further_councils(name)

    def further_councils(self, name: str) -> set[str]:
        """The councils ``name`` acts for besides their own."""
        more: Iterable[str] = self.conn.execute(_further_councils, {"name": name}).scalars()
        return set(more)

    def user(self, name: str) -> User | None:
        row = self.conn.execute(_user, {"name": name}).mappings().first()
        return User(**row) if row else None

    def list_users(self) -> list[StaffMember]:
        """The staff of the councils in scope by login, each with the further councils they act for."""
        u = users.c
        query = self._user_scope(
            select(u.id, u.name, u.council, u.email, u.display_name, u.role, u.active).order_by(u.name)
        )
        more: dict[str, list[str]] = {}
        for name, council in tuples(
            self.conn.execute(select(user_councils).order_by(user_councils.c.council))
        ):
            more.setdefault(name, []).append(council)
        return [
            StaffMember(**r, more_councils=tuple(more.get(r["name"], ())))
            for r in self.conn.execute(query).mappings()
        ]

    def _user_scope(self, query: Select[Any]) -> Select[Any]:
        """Only the staff of the councils in scope: their own council or one they act for."""
        if self.scope is None:
            return query
        return query.where(
            or_(
                users.c.council.in_(sorted(self.scope)),
                users.c.name.in_(
                    select(user_councils.c.user_name).where(user_councils.c.council.in_(sorted(self.scope)))
                ),
            )
        )

    def update_user(self, name: str, changes: UserChanges) -> None:
        self.conn.execute(update(users).where(users.c.name == name).values(**changes))

    def set_more_councils(self, name: str, more: Iterable[str]) -> None:
        """Replace the further councils ``name`` acts for (their own council is on the user row)."""
        self.conn.execute(delete(user_councils).where(user_councils.c.user_name == name))
        own = self.conn.execute(select(users.c.council).where(users.c.name == name)).scalar()
        rows = [{"user_name": name, "council": c} for c in sorted(set(more) - {own})]
        if rows:
            self.conn.execute(insert(user_councils), rows)

    def active_admins(self) -> list[str]:
        query = select(users.c.name).where(users.c.role == "admin", users.c.active.is_(True))
        return list(self.conn.execute(query).scalars())

    # -- access log ----------------------------------------------------------------------------
    def log_access(self, *, at: dt.datetime, user: str, action: str, what: str, rows: int) -> None:
        self.conn.execute(insert(access_log).values(at=at, user=user, action=action, what=what, rows=rows))

    def access_entries(
        self, user: str | None, since: dt.datetime | None, limit: int | None
    ) -> list[AccessEntry]:
        query = select(access_log).order_by(access_log.c.id.desc())
        if user:
            query = query.where(access_log.c.user == user)
        if since:
            query = query.where(access_log.c.at >= since)
        if limit:
            query = query.limit(limit)
        return by_name(AccessEntry, self.conn.execute(query))

    # -- cases ---------------------------------------------------------------------------------
    def next_case_number(self, council: str, fiscal_year: int) -> int:
        key = and_(counters.c.council == council, counters.c.fiscal_year == fiscal_year)
        done = self.conn.execute(update(counters).where(key).values(last=counters.c.last + 1))
        if done.rowcount == 0:
            self.conn.execute(insert(counters).values(council=council, fiscal_year=fiscal_year, last=1))
            return 1
        return int(self.conn.execute(select(counters.c.last).where(key)).scalar_one())

    def advance_case_counter(self, council: str, fiscal_year: int, at_least: int) -> None:
        """Make the next number issued for (council, fiscal year) come after ``at_least`` (a number
        already taken by an imported case); a counter already past it stays where it is."""
        key = and_(counters.c.council == council, counters.c.fiscal_year == fiscal_year)
        self.conn.execute(update(counters).where(key, counters.c.last < at_least).values(last=at_least))
        if self.conn.execute(select(counters.c.last).where(key)).first() is None:
            self.conn.execute(
                insert(counters).values(council=council, fiscal_year=fiscal_year, last=at_least)
            )

    def insert_case(self, case: NewCase) -> None:
        self.conn.execute(insert(cases).values(**asdict(case)))

    def case(self, case_id: str) -> Case | None:
        found = by_name(Case, self._by_case(_case, case_id))
        return found[0] if found else None

    def _by_case(self, statement: Callable[[bool], Executable], case_id: str) -> CursorResult[Any]:
        """Run the read ``statement(scoped)`` (built once per shape, below) for case ``case_id``."""
        return self.conn.execute(statement(self.scope is not None), self._params(case_id=case_id))

    def list_cases(
        self,
        *,
        council: str | None = None,
        program: str | None = None,
        state: str | None = None,
        coordinator: str | None = None,
        q: str | None = None,
    ) -> list[CaseWithCompany]:
        """``q``: a 法人番号 (13 digits, full-width, spaces or dashes allowed) or a part of the company's
        name, folded as the web's case list folds it (domain.text.fold)."""
        query = select(cases, companies.c.name.label("company_name")).join(
            companies, companies.c.id == cases.c.company_id
        )
        if q is not None and q.strip():
            from .browse import CaseQuery, case_conditions

            folded = fold(q) or ""
            digits = re.sub(r"[\s\-]", "", folded)
            number = digits if re.fullmatch(r"\d{13}", digits) else None
            query = query.where(
                *case_conditions(
                    CaseQuery(corporate_number=number, name_contains=None if number else q.strip())
                )
            )
        for column, value in (
            (cases.c.council, council),
            (cases.c.program, program),
            (cases.c.state, state),
            (cases.c.coordinator, coordinator),
        ):
            if value is not None:
                query = query.where(column == value)
        query = self._case_scope(query).order_by(cases.c.id)
        return by_name(CaseWithCompany, self.conn.execute(query))

    def open_cases_of(
        self, coordinator: str, open_states: Mapping[str, Sequence[str]], council: str | None = None
    ) -> list[Case]:
        """Cases of ``coordinator`` in an open state of their program (``open_states``: program → states),
        in id order, locked for the caller's transaction where the database can (PostgreSQL)."""
        program_open = or_(
            *(and_(cases.c.program == p, cases.c.state.in_(list(s))) for p, s in open_states.items())
        )
        query = select(cases).where(cases.c.coordinator == coordinator, program_open)
        if council is not None:
            query = query.where(cases.c.council == council)
        query = self._case_scope(query).order_by(cases.c.id)
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return by_name(Case, self.conn.execute(query))

    def update_case(self, case_id: str, version: int, values: CaseChanges) -> bool:
        """Compare-and-set on the version column (bumped here); False when someone else changed the case.
        ``values`` (maybe none: the case only marked as changed) are the fields the change sets."""
        result = self.conn.execute(
            update(cases)
            .where(cases.c.id == case_id, cases.c.version == version)
            .values(version=cases.c.version + 1, **values)
        )
        return result.rowcount == 1

    def insert_links(
        self,
        case_id: str,
        lender_rows: Sequence[LenderLink],
        support_rows: Sequence[SupportLink],
        estimate_rows: Mapping[str, int],
    ) -> None:
        if lender_rows:
            self.conn.execute(insert(lenders), [{"case_id": case_id, **asdict(r)} for r in lender_rows])
        if support_rows:
            self.conn.execute(insert(support), [{"case_id": case_id, **asdict(r)} for r in support_rows])
        if estimate_rows:
            self.conn.execute(
                insert(estimates),
                [{"case_id": case_id, "component": c, "amount": a} for c, a in estimate_rows.items()],
            )

    def case_lenders(self, case_id: str) -> list[CaseLender]:
        return by_name(CaseLender, self._by_case(_case_lenders, case_id))

    def case_support_orgs(self, case_id: str) -> list[CaseSupportOrg]:
        return by_name(CaseSupportOrg, self._by_case(_case_support_orgs, case_id))

    def case_estimates(self, case_id: str) -> dict[str, int]:
        return {c: a for c, a in tuples(self._by_case(_case_estimates, case_id))}

    def insert_agreements(self, case_id: str, rows: Sequence[NewAgreement]) -> None:
        """The financial support lenders agreed to."""
        if rows:
            self.conn.execute(insert(agreements), [{"case_id": case_id, **asdict(r)} for r in rows])

    def case_agreements(self, case_id: str) -> list[CaseAgreement]:
        """The case's recorded financial support, in the order of its lenders, with the lender's name."""
        return by_name(CaseAgreement, self._by_case(_case_agreements, case_id))

    def insert_document(self, values: NewDocument) -> int:
        return self._insert_id(insert(documents).values(**asdict(values)))

    def insert_document_file(self, document_id: int, data: bytes) -> None:
        self.conn.execute(insert(document_files).values(document_id=document_id, data=data))

    def document(self, case_id: str, document_id: int) -> CaseDocument | None:
        """One document of a case (the case already read through the scope), with whether its bytes are
        stored."""
        stored = (
            select(document_files.c.document_id)
            .where(document_files.c.document_id == documents.c.id)
            .exists()
        )
        query = select(documents, stored.label("stored")).where(
            documents.c.case_id == case_id,
            documents.c.id == document_id,
            *self._in_scope(documents.c.case_id),
        )
        found = by_name(CaseDocument, self.conn.execute(query))
        return found[0] if found else None

    def document_file(self, document_id: int) -> bytes | None:
        query = (
            select(document_files.c.data)
            .join(documents, documents.c.id == document_files.c.document_id)
            .where(document_files.c.document_id == document_id, *self._in_scope(documents.c.case_id))
        )
        return self.conn.execute(query).scalar_one_or_none()

    def case_documents(self, case_id: str) -> list[CaseDocument]:
        """The case's documents with whether each has its file stored (the bytes are not read)."""
        return by_name(CaseDocument, self._by_case(_case_documents, case_id))

    def insert_history(self, values: NewHistory) -> HistoryRow:
        """Append a history row, chained to the case's previous one. The hash covers the row as the
        store writes it (``chain.HISTORY_FIELDS``), so a row reads back to the same hash."""
        last = self.conn.execute(_last_history, {"case_id": values.case_id}).first()
        row: dict[str, Any] = {**asdict(values), "seq": (last.seq if last else 0) + 1}
        row["prev_hash"] = last.hash if last else chain.GENESIS
        row["hash"] = chain.link(row["prev_hash"], row, chain.HISTORY_FIELDS)
        row_id = self._insert_id(insert(history).values(**row))
        self.conn.execute(update(cases).where(cases.c.id == values.case_id).values(history_head=row["hash"]))
        return HistoryRow(id=row_id, **row)

    def case_history(self, case_id: str) -> list[HistoryRow]:
        return by_name(HistoryRow, self._by_case(_case_history, case_id))

    def history_has_event(self, case_id: str, event: str) -> bool:
        query = (
            select(history.c.id)
            .where(history.c.case_id == case_id, history.c.event == event, *self._in_scope(history.c.case_id))
            .limit(1)
        )
        return self.conn.execute(query).first() is not None

    def insert_claim(self, values: NewClaim) -> int:
        return self._insert_id(insert(claims).values(**asdict(values)))

    def case_claims(self, case_id: str) -> list[FeeClaim]:
        return by_name(FeeClaim, self._by_case(_case_claims, case_id))

    def decide_claim(self, claim_id: int, decision: ClaimDecided | ClaimRejected) -> None:
        """Move a claim out of ``claimed`` (decided or rejected); a decided claim never changes again."""
        status = "decided" if isinstance(decision, ClaimDecided) else "rejected"
        result = self.conn.execute(
            update(claims)
            .where(claims.c.id == claim_id, claims.c.status == "claimed")
            .values(status=status, **asdict(decision))
        )
        if result.rowcount != 1:
            raise RuntimeError(f"claim {claim_id} is no longer open")

    def insert_ledger_entry(self, values: NewLedgerEntry) -> None:
        """Append a ledger entry, chained to the case's previous one. The hash covers the entry as the
        store writes it (``chain.LEDGER_FIELDS``), so an entry reads back to the same hash."""
        last = self.conn.execute(
            select(ledger.c.hash)
            .where(ledger.c.case_id == values.case_id)
            .order_by(ledger.c.id.desc())
            .limit(1)
        ).scalar()
        row: dict[str, Any] = {**asdict(values), "prev_hash": last or chain.GENESIS}
        row["hash"] = chain.link(row["prev_hash"], row, chain.LEDGER_FIELDS)
        self.conn.execute(insert(ledger).values(**row))
        self.conn.execute(update(cases).where(cases.c.id == values.case_id).values(ledger_head=row["hash"]))

    def case_ledger(self, case_id: str) -> list[LedgerEntry]:
        return by_name(LedgerEntry, self._by_case(_case_ledger, case_id))

    def replace_estimates(self, case_id: str, values: dict[str, int]) -> None:
        for component, amount in values.items():
            key = (estimates.c.case_id == case_id) & (estimates.c.component == component)
            if self.conn.execute(update(estimates).where(key).values(amount=amount)).rowcount == 0:
                self.conn.execute(
                    insert(estimates).values(case_id=case_id, component=component, amount=amount)
                )

    def insert_sessions(self, case_id: str, rows: Sequence[ScheduledSession]) -> None:
        if rows:
            self.conn.execute(insert(sessions), [{"case_id": case_id, **asdict(r)} for r in rows])

    def replace_sessions(self, case_id: str, rows: Sequence[ScheduledSession]) -> None:
        self.conn.execute(delete(sessions).where(sessions.c.case_id == case_id))
        self.insert_sessions(case_id, rows)

    def case_sessions(self, case_id: str) -> list[MonitoringSession]:
        return by_name(MonitoringSession, self._by_case(_case_sessions, case_id))

    def update_session(
        self, case_id: str, seq: int, change: SessionHeld | SessionWaived | SessionMoved
    ) -> bool:
        """Hold, waive or move a session still scheduled; False when it no longer is."""
        values: dict[str, Any] = asdict(change)
        if isinstance(change, SessionHeld):
            values["status"] = "held"
        elif isinstance(change, SessionWaived):
            values["status"] = "waived"
        result = self.conn.execute(
            update(sessions)
            .where(
                sessions.c.case_id == case_id,
                sessions.c.seq == seq,
                sessions.c.status == "scheduled",
            )
            .values(**values)
        )
        return result.rowcount == 1

    def list_sessions(
        self,
        *,
        case_id: str | None = None,
        council: str | None = None,
        status: str | None = None,
        due_before: dt.date | None = None,
    ) -> list[ListedSession]:
        query = (
            select(sessions, cases.c.council, companies.c.name.label("company_name"))
            .join(cases, cases.c.id == sessions.c.case_id)
            .join(companies, companies.c.id == cases.c.company_id)
        )
        if case_id is not None:
            query = query.where(sessions.c.case_id == case_id)
        if council is not None:
            query = query.where(cases.c.council == council)
        if status is not None:
            query = query.where(sessions.c.status == status)
        if due_before is not None:
            query = query.where(sessions.c.due_on < due_before)
        query = self._case_scope(query).order_by(sessions.c.due_on, sessions.c.case_id, sessions.c.seq)
        return by_name(ListedSession, self.conn.execute(query))

    def prior_cases(
        self, company_id: int, program: str, exclude: str, council: str | None = None
    ) -> list[str]:
        """Earlier uses of this program by this company — cases that reached 利用決定 (accepted), in any
        council. A case of another council than ``council`` is named only as OTHER_COUNCIL_CASE, never by
        its id (one entry per case: the uses are counted, not named)."""
        query = (
            select(cases.c.id, cases.c.council)
            .where(
                cases.c.company_id == company_id,
                cases.c.program == program,
                cases.c.id != exclude,
                cases.c.accepted_on.is_not(None),
            )
            .order_by(cases.c.id)
        )
        with self._every_council():
            rows: list[tuple[str, str]] = list(tuples(self.conn.execute(query)))
        return [cid if council is None or their == council else OTHER_COUNCIL_CASE for cid, their in rows]

    @contextlib.contextmanager
    def _every_council(self) -> Iterator[None]:
        """PostgreSQL: lift row-level security's council scope for one query whose answer the caller
        masks (the prior-use rule counts every council's cases but names only the actor's)."""
        if self.conn.dialect.name != "postgresql" or self.scope is None:
            yield
            return
        set_council_scope(self.conn, None)
        try:
            yield
        finally:
            set_council_scope(self.conn, self.scope)

    # -- facts for the guards -----------------------------------------------------------------
    def facts(self, case: Case, *, with_prior_cases: bool = True) -> CaseFacts:
        """The snapshot the guards read. Earlier cases of the company are looked up only when asked."""
        prior = {case.id} if with_prior_cases else set()
        return load_facts(
            self.conn,
            [case],
            prior,
            lambda c: self.prior_cases(c.company_id, c.program, c.id, c.council),
            self.scope,
        )[case.id]


# -- statements built once ----------------------------------------------------------------------------
# The reads every command makes (who acts, the case and what hangs from it), built once per shape and
# kept, with the values as parameters (``:case_id``, ``:name``; ``:scope`` where scoped): building the
# same SQL again in every command cost as much as running it on SQLite.
_user = select(users).where(users.c.name == bindparam("name"))
_further_councils = select(user_councils.c.council).where(user_councils.c.user_name == bindparam("name"))
_last_history = (
    select(history.c.seq, history.c.hash)
    .where(history.c.case_id == bindparam("case_id"))
    .order_by(history.c.seq.desc())
    .limit(1)
)


def _of_case(table: Any, scoped: bool) -> list[ColumnElement[bool]]:
    """The rows of ``table`` of case ``:case_id`` (in scope)."""
    return [table.c.case_id == bindparam("case_id"), *scope_terms(table.c.case_id, scoped)]


@cache  # one statement per shape: scoped (the actor's councils) or every council
def _case(scoped: bool) -> Select[Any]:
    query = select(cases).where(cases.c.id == bindparam("case_id"))
    return in_scope_where(query, scoped)


@cache
def _case_lenders(scoped: bool) -> Select[Any]:
    return (
        select(lenders, orgs.c.name, orgs.c.email)
        .join(orgs, orgs.c.id == lenders.c.org_id)
        .where(*_of_case(lenders, scoped))
        .order_by(lenders.c.position)
    )


@cache
def _case_support_orgs(scoped: bool) -> Select[Any]:
    return (
        select(support, orgs.c.name, orgs.c.certified, orgs.c.email, orgs.c.kind)
        .join(orgs, orgs.c.id == support.c.org_id)
        .where(*_of_case(support, scoped))
        .order_by(support.c.position)
    )


@cache
def _case_estimates(scoped: bool) -> Select[Any]:
    return select(estimates.c.component, estimates.c.amount).where(*_of_case(estimates, scoped))


@cache
def _case_agreements(scoped: bool) -> Select[Any]:
    return (
        select(agreements, orgs.c.name, lenders.c.position)
        .join(orgs, orgs.c.id == agreements.c.lender_id)
        .outerjoin(
            lenders,
            and_(lenders.c.case_id == agreements.c.case_id, lenders.c.org_id == agreements.c.lender_id),
        )
        .where(*_of_case(agreements, scoped))
        .order_by(lenders.c.position, agreements.c.lender_id, agreements.c.kind)
    )


@cache
def _case_documents(scoped: bool) -> Select[Any]:
    stored = (
        select(document_files.c.document_id).where(document_files.c.document_id == documents.c.id).exists()
    )
    return (
        select(documents, stored.label("stored")).where(*_of_case(documents, scoped)).order_by(documents.c.id)
    )


@cache
def _case_history(scoped: bool) -> Select[Any]:
    return select(history).where(*_of_case(history, scoped)).order_by(history.c.seq)


@cache
def _case_claims(scoped: bool) -> Select[Any]:
    return select(claims).where(*_of_case(claims, scoped)).order_by(claims.c.id)


@cache
def _case_ledger(scoped: bool) -> Select[Any]:
    return select(ledger).where(*_of_case(ledger, scoped)).order_by(ledger.c.id)


@cache
def _case_sessions(scoped: bool) -> Select[Any]:
    return select(sessions).where(*_of_case(sessions, scoped)).order_by(sessions.c.seq)

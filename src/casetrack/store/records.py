"""Reads for the company and organisation pages and the intake form's pickers: a page of companies or
organisations with its total (search folded as the case list folds it, sorted by a named column), and
the cases of one organisation. Companies are narrowed by the same rule as ``Repo.list_companies``
(confidential: a company whose cases are all another council's is not there); cases by the actor's
councils, like every case read."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import and_, func, or_, select

from ..domain.directory_records import CompanyEntry, OrgEntry, RecordCase
from ..domain.text import fold
from .repo import Repo, cases, companies, lenders, orgs, support

COMPANY_SORTS = {
    "id": (companies.c.id,),
    "name": (companies.c.name, companies.c.id),
    "corporate_number": (companies.c.corporate_number, companies.c.id),
    "fiscal_year_end_month": (companies.c.fiscal_year_end_month, companies.c.id),
    "prefecture": (companies.c.prefecture, companies.c.id),
}
COMPANY_ENTRY = (
    companies.c.id,
    companies.c.name,
    companies.c.corporate_number,
    companies.c.fiscal_year_end_month,
    companies.c.prefecture,
)
ORG_ENTRY = (
    orgs.c.id,
    orgs.c.name,
    orgs.c.kind,
    orgs.c.certified,
    orgs.c.email,
    orgs.c.is_bank,
    orgs.c.phone,
)
RECORD_CASE = (
    cases.c.id,
    cases.c.program,
    cases.c.track,
    cases.c.state,
    cases.c.opened_on,
    cases.c.coordinator,
)
ORG_SORTS = {
    "id": (orgs.c.id,),
    "name": (orgs.c.name, orgs.c.id),
    "kind": (orgs.c.kind, orgs.c.id),
    "certified": (orgs.c.certified, orgs.c.id),
}


def _like(text: str) -> str:
    folded = fold(text) or ""
    return "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _number_part(text: str) -> str | None:
    """The digits of a (part of a) 法人番号 as typed: full-width, with hyphens or spaces; None when the
    text is not such a number (at least 4 digits, so a year in a name is not taken for one)."""
    digits = re.sub(r"[\s\-]", "", fold(text) or "")
    return digits if re.fullmatch(r"[0-9]{4,13}", digits) else None


class RecordsRepo(Repo):
    def search_companies(
        self,
        q: str | None,
        *,
        sort: str = "id",
        descending: bool = False,
        limit: int = 50,
        offset: int = 0,
        count: bool = True,
    ) -> tuple[int, list[CompanyEntry]]:
        """(how many companies the actor may see match ``q``, the page of them): ``q`` a part of the
        name (folded: さくら finds サクラ and ｻｸﾗ) or of the 法人番号, each with how many of its cases
        the actor sees. ``count=False``: the total is not counted (-1), so a first page in id
        order stops at its last row (the intake form's picker)."""
        where: list[Any] = []
        if q and q.strip():
            words = [
                companies.c.name_folded.like(_like(word), escape="\\") for word in (fold(q) or "").split()
            ]  # every word, in any order: 「さくら 堂」
            terms = [and_(*words)]
            number = _number_part(q)
            if number is not None:
                terms.append(companies.c.corporate_number.like(f"%{number}%"))
            where.append(or_(*terms))
        in_scope = select(func.count()).select_from(cases).where(cases.c.company_id == companies.c.id)
        if self.scope is not None:
            in_scope = in_scope.where(cases.c.council.in_(sorted(self.scope)))
        keys = [(k.desc() if descending else k.asc()).nulls_last() for k in COMPANY_SORTS[sort]]
        with self._every_council():  # the scope is applied explicitly, on both backends
            total = -1
            if count:
                counted = self._company_scope(select(func.count()).select_from(companies).where(*where))
                total = int(self.conn.execute(counted).scalar_one())
            query = self._company_scope(
                select(*COMPANY_ENTRY, in_scope.scalar_subquery().label("cases")).where(*where)
            )
            rows = self.conn.execute(query.order_by(*keys).limit(limit).offset(offset)).mappings()
            return total, [CompanyEntry(**r) for r in rows]

    def search_orgs(
        self,
        q: str | None,
        *,
        kind: str | None = None,
        sort: str = "id",
        descending: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[OrgEntry]]:
        """(how many organisations match, the page of them): ``q`` a part of the name, folded."""
        where: list[Any] = []
        if q and q.strip():
            where.append(orgs.c.name_folded.like(_like(q.strip()), escape="\\"))
        if kind:
            where.append(orgs.c.kind == kind)
        total = int(self.conn.execute(select(func.count()).select_from(orgs).where(*where)).scalar_one())
        keys = [(k.desc() if descending else k.asc()).nulls_last() for k in ORG_SORTS[sort]]
        query = select(*ORG_ENTRY).where(*where).order_by(*keys).limit(limit).offset(offset)
        return total, [OrgEntry(**r) for r in self.conn.execute(query).mappings()]

    def company_cases(self, company_id: int) -> list[RecordCase]:
        """The company's cases in the actor's councils, newest first."""
        query = self._case_scope(select(*RECORD_CASE).where(cases.c.company_id == company_id))
        return [
            RecordCase(**r)
            for r in self.conn.execute(query.order_by(cases.c.opened_on.desc(), cases.c.id.desc())).mappings()
        ]

    def org_cases(self, org_id: int) -> list[RecordCase]:
        """The cases in the actor's councils that ``org_id`` supports or lends on, newest first, each with
        its company's name and how the organisation takes part (``support_lead``, ``support``,
        ``lender_main``, ``lender_guaranteed``, ``lender``)."""
        supported = select(support.c.case_id).where(support.c.org_id == org_id)
        lent = select(lenders.c.case_id).where(lenders.c.org_id == org_id)
        query = (
            select(*RECORD_CASE, companies.c.name.label("company_name"))
            .join(companies, companies.c.id == cases.c.company_id)
            .where(or_(cases.c.id.in_(supported), cases.c.id.in_(lent)))
        )
        query = self._case_scope(query).order_by(cases.c.opened_on.desc(), cases.c.id.desc())
        rows = list(self.conn.execute(query).mappings())
        ids = [r["id"] for r in rows]
        roles: dict[str, list[str]] = {i: [] for i in ids}
        if ids:
            for row in self.conn.execute(
                select(support.c.case_id, support.c.lead).where(
                    support.c.org_id == org_id, support.c.case_id.in_(ids)
                )
            ).mappings():
                roles[row["case_id"]].append("support_lead" if row["lead"] else "support")
            for row in self.conn.execute(
                select(lenders.c.case_id, lenders.c.main, lenders.c.guaranteed).where(
                    lenders.c.org_id == org_id, lenders.c.case_id.in_(ids)
                )
            ).mappings():
                roles[row["case_id"]].append(
                    "lender_main" if row["main"] else "lender_guaranteed" if row["guaranteed"] else "lender"
                )
        return [RecordCase(**r, roles=tuple(roles[r["id"]])) for r in rows]

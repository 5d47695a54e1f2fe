"""The database, councils, companies, organisations and council staff."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..domain import corporate_number
from ..errors import BadInput, NotFound
from ..resources import councils_csv
from ..store import migrate
from ..store.db import redact, refresh_statistics, transaction
from ..store.repo import Repo, utcnow
from .context import Context

ORG_KINDS = ("bank", "tax_accountant", "cpa", "lawyer", "sme_consultant", "chamber", "other")
ROLES = ("coordinator", "supervisor", "hq", "admin")


def init_db(ctx: Context) -> dict[str, Any]:
    before, after = migrate.upgrade(ctx.engine)
    rows = read_councils_csv(councils_csv())
    with transaction(ctx.engine, write=True) as conn:
        added = Repo(conn).upsert_councils(rows)
    refresh_statistics(ctx.engine)
    return {"database": redact(ctx.db_url), "schema_before": before, "schema": after,
            "councils": len(rows), "councils_added": added}


def read_councils_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{
            "code": r["code"], "name": r["council"], "prefecture": r["prefecture"] or None,
            "host_organization": r["host_organization"], "postal_code": r["postal_code"],
            "address": r["address"], "phone": r["phone"],
        } for r in csv.DictReader(fh)]


def list_councils(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return repo.list_councils()


# -- registry ------------------------------------------------------------------------------------

def add_company(ctx: Context, *, name: str, corporate_number_: str | None, fiscal_year_end_month: int,
                founded_on: dt.date | None, prefecture: str | None) -> dict[str, Any]:
    if not name.strip():
        raise BadInput("company name is empty")
    number = None
    if corporate_number_:
        try:
            number = corporate_number.validate(corporate_number_)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
    if not 1 <= fiscal_year_end_month <= 12:
        raise BadInput(f"fiscal-year-end month {fiscal_year_end_month} is not 1–12")
    with ctx.write() as repo:
        if prefecture is not None and (repo.council(prefecture) is None or prefecture == "00"):
            raise BadInput(f"unknown prefecture code {prefecture!r} (01–47)")
        if number and (other := repo.company_by_number(number)):
            raise BadInput(f"corporate number {number} is already registered as company {other['id']} ({other['name']})")
        values = {"name": name.strip(), "corporate_number": number, "fiscal_year_end_month": fiscal_year_end_month,
                  "founded_on": founded_on, "prefecture": prefecture}
        company_id = repo.insert_company(values)
    return {"id": company_id, **values}


def add_org(ctx: Context, *, name: str, kind: str, certified: bool, email: str | None) -> dict[str, Any]:
    if not name.strip():
        raise BadInput("organisation name is empty")
    if kind not in ORG_KINDS:
        raise BadInput(f"unknown organisation kind {kind!r} (one of {', '.join(ORG_KINDS)})")
    _check_email(email)
    values = {"name": name.strip(), "kind": kind, "certified": certified, "email": email, "is_bank": kind == "bank"}
    with ctx.write() as repo:
        org_id = repo.insert_org(values)
    return {"id": org_id, **values}


def add_user(ctx: Context, *, name: str, council: str, email: str | None, role: str) -> dict[str, Any]:
    if not re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", name):
        raise BadInput(f"user name {name!r} must be 1–64 letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r} (one of {', '.join(ROLES)})")
    _check_email(email)
    with ctx.write() as repo:
        if repo.council(council) is None:
            raise NotFound("council", council)
        if repo.user(name):
            raise BadInput(f"user {name} already exists")
        values = {"name": name, "council": council, "email": email, "role": role, "active": True,
                  "created_at": utcnow()}
        repo.insert_user(values)
    return {k: v for k, v in values.items() if k != "created_at"}


def list_users(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return [{k: u[k] for k in ("name", "council", "email", "role", "active")} for u in repo.list_users()]


def list_orgs(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return repo.list_orgs()


def list_companies(ctx: Context) -> list[dict[str, Any]]:
    with ctx.read() as repo:
        return repo.list_companies()


def _check_email(email: str | None) -> None:
    if email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise BadInput(f"{email!r} is not an e-mail address")



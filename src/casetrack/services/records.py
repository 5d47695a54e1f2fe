"""The company and organisation pages and the intake form's choices: read-only use cases over the
registry, each checked against the policy like every other. Companies are confidential (a company
whose cases are all another council's is not found: `Repo.list_companies`); organisations are a public
directory, their cases narrowed to the actor's councils."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from ..domain import policy
from ..domain.directory_records import CompanyEntry, OrgEntry, RecordCase
from ..domain.master_records import Company, Council, Organisation
from ..errors import BadInput, NotFound
from ..store.records import COMPANY_SORTS, ORG_SORTS
from ..workflow.catalog import all_workflows
from .context import Context
from .directory import ORG_KINDS
from .master_data import change_row
from .parsing import component_labels

PER_PAGE = 50
MAX_PAGE = 10_000
ORG_KIND_LABELS = {
    "bank": "金融機関",
    "tax_accountant": "税理士",
    "cpa": "公認会計士",
    "lawyer": "弁護士",
    "sme_consultant": "中小企業診断士",
    "chamber": "商工会・商工会議所",
    "other": "その他",
}
assert set(ORG_KIND_LABELS) == set(ORG_KINDS)
ROLE_IN_CASE = {
    "support_lead": "代表の支援機関",
    "support": "協力する支援機関",
    "lender_main": "メイン行",
    "lender_guaranteed": "借入先（保証付）",
    "lender": "借入先",
}
PREFECTURES_NOTE = "都道府県コード（01〜47）"


def _page_of(page: int, sort: str, sorts: dict[str, Any]) -> int:
    if not 1 <= page <= MAX_PAGE:
        raise BadInput(
            f"page {page} is not 1–{MAX_PAGE}", ja=[f"ページ {page} はありません（1〜{MAX_PAGE}）。"]
        )
    if sort not in sorts:
        raise BadInput(
            f"cannot sort by {sort!r} (one of {', '.join(sorts)})",
            ja=[f"「{sort[:20]}」では並べ替えられません。"],
        )
    return (page - 1) * PER_PAGE


def _paged(total: int, rows: Sequence[CompanyEntry | OrgEntry], page: int) -> dict[str, Any]:
    return {
        "rows": rows,
        "total": total,
        "page": page,
        "per_page": PER_PAGE,
        "pages": max(1, -(-total // PER_PAGE)),
    }


def company_list(
    ctx: Context, *, q: str | None = None, sort: str = "id", descending: bool = False, page: int = 1
) -> dict[str, Any]:
    """One page of the companies the user may see, found by a part of the name (folded) or 法人番号."""
    ctx.authorize("registry.read")
    offset = _page_of(page, sort, COMPANY_SORTS)
    with ctx.read() as repo:
        total, rows = repo.records.search_companies(
            q, sort=sort, descending=descending, limit=PER_PAGE, offset=offset
        )
    return _paged(total, rows, page) | {"may_add": _may(ctx, "registry.write")}


def company_search(ctx: Context, q: str, *, limit: int = 20) -> list[CompanyEntry]:
    """The intake form's company picker: at most ``limit`` companies the user may see matching ``q``."""
    if not q.strip():
        return []
    ctx.authorize("registry.read")
    with ctx.read() as repo:
        return repo.records.search_companies(q, limit=limit, count=False)[1]


def _case_rows(cases: list[RecordCase]) -> list[dict[str, Any]]:
    """The cases as a company's or organisation's page shows them: with the labels of their program,
    track, state and of how the organisation takes part."""
    specs = all_workflows()
    rows = []
    for case in cases:
        spec = specs.get(case.program)
        state = spec.states.get(case.state) if spec else None
        track = spec.tracks.get(case.track) if spec else None
        rows.append(
            {
                "id": case.id,
                "company_name": case.company_name,
                "opened_on": case.opened_on,
                "coordinator": case.coordinator,
                "program_label": spec.ja if spec else case.program,
                "state_label": state.ja if state else case.state,
                "track_label": track.ja if track else case.track,
                "open": bool(spec and case.state in spec.open_states),
                "role_labels": [ROLE_IN_CASE[r] for r in case.roles],
            }
        )
    return rows


def _may(ctx: Context, action: str) -> bool:
    role = ctx.actor.role
    return role is None or policy.allows(role, action)


def company_detail(ctx: Context, company_id: int) -> dict[str, Any]:
    """A company the user may see, its cases in the user's councils (for the roles that read cases) and
    the history of its corrections. A company of another council's cases only is not found. One read
    transaction; the reading is logged after it."""
    ctx.authorize("registry.read")
    reads_cases = _may(ctx, "case.read")
    if reads_cases:
        ctx.authorize("case.read")
    with ctx.read() as repo:
        company = repo.company(company_id)
        if company is None or not repo.company_visible(company_id):
            raise NotFound("company", company_id)
        history = [change_row(r) for r in repo.master_history("company", company_id)]
        council = repo.council(company.prefecture) if company.prefecture else None
        prefecture = council.prefecture if council else None
        duplicate_of = repo.company(company.duplicate_of) if company.duplicate_of else None
        if duplicate_of is not None and not repo.company_visible(duplicate_of.id):
            duplicate_of = None
        cases = _case_rows(repo.records.company_cases(company_id)) if reads_cases else None
    ctx.log_access(f"company show {company_id}", 1)
    return {
        "company": company,
        "cases": cases,
        "history": history,
        "duplicate_of": duplicate_of,
        "prefecture": prefecture,
        "may_edit": _may(ctx, "registry.write"),
        "may_open": _may(ctx, "case.open"),
    }


def org_list(
    ctx: Context,
    *,
    q: str | None = None,
    kind: str | None = None,
    sort: str = "id",
    descending: bool = False,
    page: int = 1,
) -> dict[str, Any]:
    ctx.authorize("registry.read")
    offset = _page_of(page, sort, ORG_SORTS)
    if kind and kind not in ORG_KINDS:
        raise BadInput(f"unknown organisation kind {kind!r}", ja=[f"種別「{kind[:20]}」はありません。"])
    with ctx.read() as repo:
        total, rows = repo.records.search_orgs(
            q, kind=kind or None, sort=sort, descending=descending, limit=PER_PAGE, offset=offset
        )
    return _paged(total, rows, page)


def org_detail(ctx: Context, org_id: int) -> dict[str, Any]:
    """An organisation, the cases in the user's councils it supports or lends on (for the roles that
    read cases) and the history of its corrections, in one read transaction."""
    ctx.authorize("registry.read")
    reads_cases = _may(ctx, "case.read")
    if reads_cases:
        ctx.authorize("case.read")
    with ctx.read() as repo:
        org = repo.org(org_id)
        if org is None:
            raise NotFound("organisation", org_id)
        history = [change_row(r) for r in repo.master_history("organisation", org_id)]
        cases = _case_rows(repo.records.org_cases(org_id)) if reads_cases else None
    return {"org": org, "cases": cases, "history": history, "may_edit": _may(ctx, "registry.write")}


def intake_choices(ctx: Context) -> dict[str, Any]:
    """What the 新規案件 form offers: the programs with their tracks (and the days each is available)
    and fee components per track; the user's councils and the staff of each who may coordinate a case;
    the organisations are picked by search (`org_search`), not offered all at once."""
    actor = ctx.authorize("case.open")
    specs = all_workflows()
    programs = [
        {
            "id": p,
            "label": s.ja,
            "tracks": [
                {
                    "id": t.id,
                    "label": t.ja,
                    "from": t.available_from,
                    "until": t.available_until,
                    "components": component_labels(s, t.id),
                }
                for t in s.tracks.values()
            ],
            "components": {c: label for c, label in component_labels(s).items()},
            "reuse_grounds": dict(s.reuse_grounds),
        }
        for p, s in specs.items()
    ]
    ctx.authorize("user.read")
    with ctx.read() as repo:
        every = [c for c in repo.list_councils() if c.code != "00"]
        councils = [c for c in every if actor.role is None or c.code in actor.councils]
        staff: dict[str, list[dict[str, Any]]] = {c.code: [] for c in councils}
        for user in repo.list_users():
            if not user.active or user.role not in ("coordinator", "supervisor"):
                continue
            for code in {user.council, *user.more_councils}:
                if code in staff:
                    staff[code].append(
                        {"name": user.name, "display_name": user.display_name, "role": user.role}
                    )
        me = repo.user(ctx.user)
    own = me.council if me else None
    return {
        "programs": programs,
        "councils": councils,
        "staff": staff,
        "prefectures": every,
        "home_council": own if own in staff else next(iter(staff), None),
        "today": ctx.today,
    }


def track_window(track: dict[str, Any]) -> str:
    """A track's availability as people read it (2024-02-01〜2028-01-31; empty when unbounded)."""
    start: dt.date | None = track["from"]
    end: dt.date | None = track["until"]
    if start is None and end is None:
        return ""
    return f"{start.isoformat() if start else ''}〜{end.isoformat() if end else ''}"


def picked_company(ctx: Context, company_id: int) -> Company | None:
    """The company picked in the intake form, when the user may see it (else None: not shown)."""
    ctx.authorize("registry.read")
    with ctx.read() as repo:
        company = repo.company(company_id)
        return company if company is not None and repo.company_visible(company_id) else None


def org_search(
    ctx: Context, q: str, *, banks_only: bool = False, limit: int = 20
) -> tuple[int, list[OrgEntry]]:
    """The intake form's organisation pickers: how many organisations match ``q`` (a part of the name,
    folded) and the first ``limit`` of them by name; ``banks_only`` for the lenders (only a bank lends,
    DOMAIN.md §1). A blank ``q`` finds none: thousands of organisations are not offered at once."""
    if not q.strip():
        return 0, []
    ctx.authorize("registry.read")
    with ctx.read() as repo:
        return repo.records.search_orgs(q, kind="bank" if banks_only else None, sort="name", limit=limit)


def picked_orgs(ctx: Context, ids: list[int]) -> list[Organisation]:
    """The organisations picked in the intake form, in the order given (an unknown id is left out)."""
    if not ids:
        return []
    ctx.authorize("registry.read")
    with ctx.read() as repo:
        found = repo.orgs_by_id(ids)
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def company_for_edit(ctx: Context, company_id: int) -> Company:
    """A company the user may correct (registry.write), for the edit form."""
    ctx.authorize("registry.write")
    with ctx.read() as repo:
        company = repo.company(company_id)
        if company is None or not repo.company_visible(company_id):
            raise NotFound("company", company_id)
        return company


def org_for_edit(ctx: Context, org_id: int) -> Organisation:
    """An organisation the user may correct (registry.write), for the edit form."""
    return _org(ctx, org_id, "registry.write")


def _org(ctx: Context, org_id: int, action: str) -> Organisation:
    ctx.authorize(action)
    with ctx.read() as repo:
        org = repo.org(org_id)
        if org is None:
            raise NotFound("organisation", org_id)
        return org


def company_form(ctx: Context) -> list[Council]:
    """The prefectures a company may be registered in (01–47), for a user who may register one
    (registry.write, as `company add` and the intake form's inline registration)."""
    ctx.authorize("registry.write")
    with ctx.read() as repo:
        return [c for c in repo.list_councils() if c.code != "00"]


def org_form(ctx: Context) -> dict[str, str]:
    """The kinds an organisation may be registered as, for a user who may register one (registry.write)."""
    ctx.authorize("registry.write")
    return ORG_KIND_LABELS

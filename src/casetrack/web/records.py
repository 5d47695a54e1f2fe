"""The company and organisation pages: GET /companies and /orgs (search, sorting, paging), one record
with its cases (/companies/{id}, /orgs/{id}), its registration form (GET/POST /companies/new,
/orgs/new: `company add`, `org add`), its correction form (GET/POST …/edit: `company edit`,
`org edit`) and its change history (…/history: `company history`, `org history`).

A company another council's cases only is not found (confidential); an organisation is a public
directory entry, its cases narrowed to the user's councils. Every rule comes from the use cases; a
refused correction shows the form again with the reasons and what was typed, at the form's URL."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..errors import BadInput, CasetrackError
from ..services.directory import add_company, add_org
from ..services.master_data import FIELD_LABELS, edit_company, edit_org, record_history
from ..services.records import (
    ORG_KIND_LABELS,
    company_detail,
    company_for_edit,
    company_form,
    company_list,
    org_detail,
    org_for_edit,
    org_form,
    org_list,
)
from .intake import why
from .toolkit import Web, endpoint, reasons_of, status_of

COMPANY_SORTS = {
    "id": "番号",
    "name": "名称",
    "corporate_number": "法人番号",
    "fiscal_year_end_month": "決算月",
    "prefecture": "都道府県",
}
ORG_SORTS = {"id": "番号", "name": "名称", "kind": "種別", "certified": "認定"}
COMPANY_NEW = ("name", "corporate_number", "fiscal_year_end_month", "prefecture", "reason")
COMPANY_EDIT = (
    "name",
    "corporate_number",
    "fiscal_year_end_month",
    "address",
    "representative",
    "email",
    "phone",
)
ORG_EDIT = ("name", "kind", "email", "phone")
DONE = {"edited": "訂正を記録しました。", "added": "登録しました。"}


def routes() -> list[Route]:
    return [
        Route("/companies", endpoint(companies), methods=["GET"]),
        Route("/companies/new", endpoint(company_new_form), methods=["GET"]),
        Route("/companies/new", endpoint(company_new), methods=["POST"]),
        Route("/companies/{record_id:int}", endpoint(company), methods=["GET"]),
        Route("/companies/{record_id:int}/edit", endpoint(company_edit_form), methods=["GET"]),
        Route("/companies/{record_id:int}/edit", endpoint(company_edit), methods=["POST"]),
        Route("/companies/{record_id:int}/history", endpoint(company_history), methods=["GET"]),
        Route("/orgs", endpoint(orgs), methods=["GET"]),
        Route("/orgs/new", endpoint(org_new_form), methods=["GET"]),
        Route("/orgs/new", endpoint(org_new), methods=["POST"]),
        Route("/orgs/{record_id:int}", endpoint(org), methods=["GET"]),
        Route("/orgs/{record_id:int}/edit", endpoint(org_edit_form), methods=["GET"]),
        Route("/orgs/{record_id:int}/edit", endpoint(org_edit), methods=["POST"]),
        Route("/orgs/{record_id:int}/history", endpoint(org_history), methods=["GET"]),
    ]


def _listing(
    web: Web, base: str, sorts: dict[str, str], keep: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the list's arguments for the use case, what the template needs to link pages and sort headers)."""
    params = web.request.query_params
    raw_page = params.get("page", "1")
    if not raw_page.isdigit() or len(raw_page) > 6:
        raise BadInput(f"ページ「{raw_page[:20]}」は番号ではありません。")
    sort, order = params.get("sort") or "id", params.get("order") or "asc"
    if sort not in sorts:
        raise BadInput(f"「{sort[:20]}」では並べ替えられません（{'・'.join(sorts.values())}）。")
    if order not in ("asc", "desc"):
        raise BadInput(f"order={order[:20]} は asc か desc です。")
    kept = {k: params[k] for k in keep if params.get(k)}
    descending = order == "desc"
    ordering = {} if sort == "id" and not descending else {"sort": sort, "order": order}
    headers = [
        {
            "column": c,
            "label": label,
            "href": base
            + "?"
            + urlencode({**kept, "sort": c, "order": "desc" if c == sort and not descending else "asc"}),
            "aria": ("descending" if descending else "ascending") if c == sort else None,
        }
        for c, label in sorts.items()
    ]
    page = int(raw_page)
    links = {
        "params": kept,
        "ordering": ordering,
        "headers": headers,
        "link": lambda to: base + "?" + urlencode({**kept, **ordering, "page": to}),
    }
    return {"sort": sort, "descending": descending, "page": page}, links


def _pager(result: dict[str, Any], links: dict[str, Any]) -> dict[str, Any]:
    page = result["page"]
    return {
        "prev_link": links["link"](page - 1) if page > 1 else None,
        "next_link": links["link"](page + 1) if page < result["pages"] else None,
    }


def companies(web: Web) -> Response:
    args, links = _listing(web, "/companies", COMPANY_SORTS, ("q",))
    result = company_list(web.ctx, q=web.request.query_params.get("q", "")[:100] or None, **args)
    return web.page("companies.html.j2", result=result, **links, **_pager(result, links))


def orgs(web: Web) -> Response:
    args, links = _listing(web, "/orgs", ORG_SORTS, ("q", "kind"))
    params = web.request.query_params
    result = org_list(web.ctx, q=params.get("q", "")[:100] or None, kind=params.get("kind") or None, **args)
    return web.page("orgs.html.j2", result=result, kinds=ORG_KIND_LABELS, **links, **_pager(result, links))


def _id(web: Web) -> int:
    return int(web.request.path_params["record_id"])


def company(web: Web) -> Response:
    data = company_detail(web.ctx, _id(web))
    return web.page("company.html.j2", data=data, done=DONE.get(web.request.query_params.get("done", "")))


def org(web: Web) -> Response:
    data = org_detail(web.ctx, _id(web))
    return web.page(
        "org.html.j2",
        data=data,
        kinds=ORG_KIND_LABELS,
        done=DONE.get(web.request.query_params.get("done", "")),
    )


def company_history(web: Web) -> Response:
    found = record_history(web.ctx, "company", _id(web))  # another council's company: not found
    return web.page("record_history.html.j2", entity="company", record=found["record"], rows=found["rows"])


def org_history(web: Web) -> Response:
    found = record_history(web.ctx, "organisation", _id(web))
    return web.page(
        "record_history.html.j2", entity="organisation", record=found["record"], rows=found["rows"]
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def company_edit_form(web: Web) -> Response:
    record = company_for_edit(web.ctx, _id(web))
    stored = asdict(record)
    tried = {f: _text(stored[f]) for f in COMPANY_EDIT} | {"note": ""}
    return web.page("company_edit.html.j2", record=record, tried=tried, labels=FIELD_LABELS, error=None)


def company_edit(web: Web) -> Response:
    record = company_for_edit(web.ctx, _id(web))
    tried = {f: web.field(f, 500) for f in (*COMPANY_EDIT, "note")}
    try:
        month = tried["fiscal_year_end_month"].strip()
        if not month.isdigit() or len(month) > 2:
            raise BadInput(f"決算月「{month[:20]}」は1〜12の数字ではありません。")
        changes: dict[str, Any] = {f: tried[f] for f in COMPANY_EDIT} | {"fiscal_year_end_month": int(month)}
        edit_company(web.ctx, record.id, changes, note=tried["note"].strip() or None)
    except CasetrackError as exc:
        return web.page(
            "company_edit.html.j2",
            status_of(exc),
            record=record,
            tried=tried,
            labels=FIELD_LABELS,
            error={"title": "訂正を記録できませんでした。", "details": reasons_of(exc)},
            page_url=f"/companies/{record.id}/edit",
        )
    return RedirectResponse(f"/companies/{record.id}?done=edited", status_code=303)


def org_edit_form(web: Web) -> Response:
    record = org_for_edit(web.ctx, _id(web))
    stored = asdict(record)
    tried = {f: _text(stored[f]) for f in ORG_EDIT} | {"note": "", "certified": record.certified}
    return web.page(
        "org_edit.html.j2", record=record, tried=tried, labels=FIELD_LABELS, kinds=ORG_KIND_LABELS, error=None
    )


def org_edit(web: Web) -> Response:
    record = org_for_edit(web.ctx, _id(web))
    tried: dict[str, Any] = {f: web.field(f, 500) for f in (*ORG_EDIT, "note")}
    tried["certified"] = web.field("certified", 5) == "1"
    try:
        changes = {f: tried[f] for f in ORG_EDIT} | {"certified": tried["certified"]}
        edit_org(web.ctx, record.id, changes, note=tried["note"].strip() or None)
    except CasetrackError as exc:
        return web.page(
            "org_edit.html.j2",
            status_of(exc),
            record=record,
            tried=tried,
            labels=FIELD_LABELS,
            kinds=ORG_KIND_LABELS,
            error={"title": "訂正を記録できませんでした。", "details": reasons_of(exc)},
            page_url=f"/orgs/{record.id}/edit",
        )
    return RedirectResponse(f"/orgs/{record.id}?done=edited", status_code=303)


def org_new_form(web: Web) -> Response:
    kinds = org_form(web.ctx)
    tried: dict[str, Any] = {"name": "", "kind": "", "email": "", "certified": False}
    return web.page("org_new.html.j2", kinds=kinds, tried=tried, error=None)


def org_new(web: Web) -> Response:
    """Register an organisation, as `casetrack org add`."""
    kinds = org_form(web.ctx)
    tried: dict[str, Any] = {f: web.field(f, 500) for f in ("name", "kind", "email")}
    tried["certified"] = web.field("certified", 5) == "1"
    try:
        if not tried["kind"]:
            raise BadInput("種別を選んでください。")
        added = add_org(
            web.ctx,
            name=tried["name"],
            kind=tried["kind"],
            certified=tried["certified"],
            email=tried["email"].strip() or None,
        )
    except CasetrackError as exc:
        return web.page(
            "org_new.html.j2",
            status_of(exc),
            kinds=kinds,
            tried=tried,
            page_url="/orgs/new",
            error={"title": "登録できませんでした。", "details": reasons_of(exc)},
        )
    return RedirectResponse(f"/orgs/{added['id']}?done=added", status_code=303)


def company_new_form(web: Web) -> Response:
    prefectures = company_form(web.ctx)
    tried: dict[str, Any] = dict.fromkeys(COMPANY_NEW, "") | {"force": False}
    return web.page("company_new.html.j2", prefectures=prefectures, tried=tried, error=None)


def company_new(web: Web) -> Response:
    """Register a company, as `casetrack company add` and the intake form's inline registration: the same
    duplicate refusals, and the same override (another company of the same name, with a reason)."""
    prefectures = company_form(web.ctx)
    tried: dict[str, Any] = {f: web.field(f, 500) for f in COMPANY_NEW} | {
        "force": web.field("force", 5) == "1"
    }
    try:
        if not tried["name"].strip():
            raise BadInput("事業者の名称を入力してください。")
        month = tried["fiscal_year_end_month"].strip()
        if not month:
            raise BadInput("決算月を選んでください。")
        if not month.isdigit() or len(month) > 2:
            raise BadInput(f"決算月「{month[:20]}」は1〜12の数字ではありません。")
        added = add_company(
            web.ctx,
            name=tried["name"],
            corporate_number_=tried["corporate_number"].strip() or None,
            fiscal_year_end_month=int(month),
            founded_on=None,
            prefecture=tried["prefecture"].strip() or None,
            force=tried["force"],
            reason=tried["reason"].strip() or None,
        )
    except CasetrackError as exc:
        return web.page(
            "company_new.html.j2",
            status_of(exc),
            prefectures=prefectures,
            tried=tried,
            page_url="/companies/new",
            error={"title": "登録できませんでした。", "details": why(exc)},
        )
    return RedirectResponse(f"/companies/{added['id']}?done=added", status_code=303)

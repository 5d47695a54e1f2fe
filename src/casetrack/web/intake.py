"""新規案件: GET/POST /cases/new (`case open`, with `company add` inline) and the pickers' results
(GET /cases/new/companies and GET /cases/new/orgs?part=support|lender, fragments the form's script swaps
in; without script the form's 検索 buttons post the form back with them). Organisations are found by a
part of the name, as companies are: the form never carries the whole directory.

The form is read into what was typed (kept on every refusal), then a new company is registered through
`company add`'s use case (its duplicate checks, and `--force --reason` as the "another company of the
same name" box), then the case is opened through `case open`'s. A refusal shows the form again with
every reason and what was typed, at the form's own URL; a company registered before the case was
refused stays registered and is picked in the form, so sending it again opens the case."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..domain.directory_records import CompanyEntry
from ..domain.master_records import Company
from ..errors import BadInput, CasetrackError, Conflict
from ..services.cases import open_case
from ..services.directory import add_company
from ..services.parsing import LenderArg, normalise, parse_yen
from ..services.records import (
    ORG_KIND_LABELS,
    company_search,
    intake_choices,
    org_search,
    picked_company,
    picked_orgs,
    track_window,
)
from .toolkit import Web, endpoint, reasons_of, status_of

FORM_URL = "/cases/new"
ORG_PARTS = ("support", "lender")
PICKED_MAX = 20


def routes() -> list[Route]:
    return [
        Route(FORM_URL, endpoint(form), methods=["GET"]),
        Route(FORM_URL, endpoint(submit), methods=["POST"]),
        Route(FORM_URL + "/companies", endpoint(companies), methods=["GET"]),
        Route(FORM_URL + "/orgs", endpoint(orgs), methods=["GET"]),
    ]


def _blank(web: Web) -> dict[str, Any]:
    return {
        "program": "",
        "track": "",
        "council": "",
        "company_mode": "existing",
        "company_q": "",
        "company_id": "",
        "new_name": "",
        "new_corporate_number": "",
        "new_fiscal_year_end_month": "",
        "new_prefecture": "",
        "new_force": False,
        "new_reason": "",
        "support_q": "",
        "support_lead": "",
        "support_more": [],
        "lender_q": "",
        "lenders": [],
        "lender_main": "",
        "guaranteed": [],
        "coordinator": web.session.user if web.session else "",
        "estimates": {},
        "on": web.today.isoformat(),
        "interim_monitoring": False,
        "interval_months": "",
        "reuse_reason": "",
        "reuse_ground": "",
    }


def form(web: Web) -> Response:
    """The empty form (?company=ID picks a company, as the company page's link does)."""
    choices = intake_choices(web.ctx)
    tried = _blank(web)
    tried["council"] = choices["home_council"] or ""
    tried["program"] = choices["programs"][0]["id"] if choices["programs"] else ""
    wanted = web.request.query_params.get("company", "")
    if wanted.isdigit() and len(wanted) <= 12:
        tried["company_id"] = wanted
    return _page(web, choices, tried)


def companies(web: Web) -> Response:
    """The picker's results for ?company_q= (the fragment only)."""
    q = web.request.query_params.get("company_q", "")[:100]
    return web.page("_intake_companies.html.j2", results=company_search(web.ctx, q), company_q=q, chosen="")


def orgs(web: Web) -> Response:
    """One organisation picker's chosen rows and results (the fragment only): ``part`` support or lender,
    with the picker's search text and what is ticked in it."""
    part = web.request.query_params.get("part", "")
    if part not in ORG_PARTS:
        raise BadInput(f"part={part[:20]} は support か lender です。")
    tried = _blank(web)
    _read_picks(tried, web.request.query_params.get, web.request.query_params.getlist)
    return web.page(
        "_intake_orgs.html.j2",
        part=part,
        orgs={part: _org_part(web, part, tried)},
        tried=tried,
        kinds=ORG_KIND_LABELS,
    )


def _org_part(web: Web, part: str, tried: dict[str, Any]) -> dict[str, Any]:
    """A picker's rows: the organisations ticked in it first (kept whatever is searched), then the first
    matches of its search text that are not ticked."""
    if part == "support":
        ticked = [tried["support_lead"], *tried["support_more"]]
    else:
        ticked = [*tried["lenders"], tried["lender_main"], *tried["guaranteed"]]
    chosen = picked_orgs(web.ctx, [int(v) for v in ticked if re.fullmatch(r"[0-9]{1,12}", v)])
    total, found = org_search(web.ctx, tried[f"{part}_q"].strip(), banks_only=part == "lender")
    taken = {o.id for o in chosen}
    return {
        "q": tried[f"{part}_q"].strip(),
        "chosen": chosen,
        "total": total,
        "shown": len(found),
        "rows": [o for o in found if o.id not in taken],
    }


def _page(
    web: Web,
    choices: dict[str, Any],
    tried: dict[str, Any],
    *,
    status: int = 200,
    error: dict[str, Any] | None = None,
    registered: dict[str, Any] | None = None,
) -> Response:
    q = tried["company_q"].strip()
    found = company_search(web.ctx, q) if q else []
    picked = picked_company(web.ctx, int(tried["company_id"])) if tried["company_id"].isdigit() else None
    results: list[CompanyEntry | Company] = list(found)
    if picked is not None and all(r.id != picked.id for r in found):
        results = [picked, *found]
    return web.page(
        "intake.html.j2",
        status,
        choices=choices,
        tried=tried,
        results=results,
        error=error,
        registered=registered,
        track_window=track_window,
        page_url=FORM_URL if status != 200 else "",
        orgs={part: _org_part(web, part, tried) for part in ORG_PARTS},
        kinds=ORG_KIND_LABELS,
        councils_by_code={c.code: c.name for c in choices["councils"]},
    )


def _read(web: Web) -> dict[str, Any]:
    """Everything typed, as typed (kept when the form is shown again)."""
    form_data = web.form
    assert form_data is not None
    tried = _blank(web)
    for key in (
        "program",
        "track",
        "council",
        "company_mode",
        "company_id",
        "new_fiscal_year_end_month",
        "new_prefecture",
        "coordinator",
        "on",
        "interval_months",
        "reuse_ground",
    ):
        tried[key] = web.field(key, 40).strip()
    for key in ("company_q", "new_name", "new_corporate_number"):
        tried[key] = web.field(key, 200)
    tried["new_reason"] = web.field("new_reason")
    tried["reuse_reason"] = web.field("reuse_reason")
    tried["new_force"] = web.field("new_force", 5) == "1"
    tried["interim_monitoring"] = web.field("interim_monitoring", 5) == "1"
    _read_picks(tried, lambda key, default: web.field(key, 200), form_data.getlist)
    tried["estimates"] = {
        key.removeprefix("estimate."): web.field(key, 40) for key in form_data if key.startswith("estimate.")
    }
    return tried


def _read_picks(
    tried: dict[str, Any], get: Callable[[str, str], Any], getlist: Callable[[str], list[Any]]
) -> None:
    """The organisation pickers' fields, from the form or (for a picker's fragment) the query."""

    def text(key: str, most: int) -> str:
        value = get(key, "")
        return value[:most].strip() if isinstance(value, str) else ""

    def texts(key: str) -> list[str]:
        values = (v.strip()[:20] for v in getlist(key) if isinstance(v, str) and v.strip())
        return list(dict.fromkeys(values))[:PICKED_MAX]  # a box ticked once, however often it is sent

    tried.update(
        support_q=text("support_q", 100),
        support_lead=text("support_lead", 20),
        support_more=texts("support_more"),
        lender_q=text("lender_q", 100),
        lenders=texts("lender"),
        lender_main=text("lender_main", 20),
        guaranteed=texts("guaranteed"),
    )


def _id(text: str, what: str) -> int:
    if not re.fullmatch(r"[0-9]{1,12}", text):
        raise BadInput(f"{what}の指定「{text[:20]}」が正しくありません。")
    return int(text)


def _lenders(tried: dict[str, Any]) -> list[LenderArg]:
    """The ticked lenders in the form's order; a メイン行 or 保証付 mark needs the row's 借入先 tick."""
    main, guaranteed = tried["lender_main"], tried["guaranteed"]
    if any(v not in tried["lenders"] for v in (main, *guaranteed) if v):
        raise BadInput("メイン行・保証付に印を付けた金融機関に、借入先の印がありません。")
    return [
        LenderArg(_id(v, "金融機関"), main=v == main, guaranteed=v in guaranteed) for v in tried["lenders"]
    ]


def _estimates(tried: dict[str, Any], choices: dict[str, Any]) -> dict[str, int]:
    """The chosen program's estimates (fields ``estimate.PROGRAM.COMPONENT``); blank ones are not set."""
    prefix = tried["program"] + "."
    labels: dict[str, str] = next(
        (p["components"] for p in choices["programs"] if p["id"] == tried["program"]), {}
    )
    amounts = {}
    for key, text in tried["estimates"].items():
        if key.startswith(prefix) and text.strip():
            component = key.removeprefix(prefix)
            amounts[component] = parse_yen(text, f"見積（{labels.get(component, component)}）")
    return amounts


def _month(text: str) -> int:
    if not text:
        raise BadInput("新しい事業者の決算月を選んでください。")
    if not re.fullmatch(r"[0-9]{1,2}", text):
        raise BadInput(f"決算月「{text[:20]}」は1〜12の数字ではありません。")
    return int(text)


def _interval(text: str) -> int | None:
    text = normalise(text).strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,2}", text):
        raise BadInput(f"伴走支援の間隔「{text[:20]}」は月数（1〜12）ではありません。")
    return int(text)


def submit(web: Web) -> Response:
    choices = intake_choices(web.ctx)  # also the permission check (case.open), before anything is read
    tried = _read(web)
    if web.field("action", 20) == "search":  # the picker without script: show the form with the results
        return _page(web, choices, tried)
    registered = None
    try:
        if not tried["program"]:
            raise BadInput("事業を選んでください。")
        if not tried["council"]:
            raise BadInput("協議会を選んでください。")
        if not tried["support_lead"]:
            raise BadInput("代表の支援機関を選んでください。")
        support = [
            _id(tried["support_lead"], "代表の支援機関"),
            *(_id(v, "協力する支援機関") for v in tried["support_more"] if v != tried["support_lead"]),
        ]
        lenders = _lenders(tried)
        estimates = _estimates(tried, choices)
        interval = _interval(tried["interval_months"])
        on = web.date("on", "受付日")
        if tried["company_mode"] == "new":
            registered = _register(web, tried)
            tried.update(company_mode="existing", company_id=str(registered["id"]), new_force=False)
        elif not tried["company_id"]:
            raise BadInput("事業者を選んでください（検索して選ぶか、新しく登録します）。")
        result = open_case(
            web.ctx,
            program=tried["program"],
            track=tried["track"] or None,
            council=tried["council"],
            company_id=_id(tried["company_id"], "事業者"),
            support_orgs=list[int | str](support),
            lenders=lenders,
            coordinator=tried["coordinator"] or None,
            interim_monitoring=tried["interim_monitoring"],
            interval_months=interval,
            estimates=estimates,
            reuse_reason=tried["reuse_reason"].strip() or None,
            reuse_ground=tried["reuse_ground"] or None,
            on=on,
        )
    except CasetrackError as exc:
        title = "案件を受け付けられませんでした。"
        if registered is None and tried["company_mode"] == "new":
            title = "新しい事業者を登録できませんでした。案件も受け付けていません。"
            if isinstance(exc, Conflict):  # show the registered look-alike in the picker, to pick it
                tried["company_q"] = tried["new_corporate_number"].strip() or tried["new_name"].strip()
        return _page(
            web,
            choices,
            tried,
            status=status_of(exc),
            registered=registered,
            error={"title": title, "details": why(exc)},
        )
    return RedirectResponse(f"/cases/{quote(result['id'])}?done=opened", status_code=303)


def _register(web: Web, tried: dict[str, Any]) -> dict[str, Any]:
    """The new company, as `company add` registers it (the same checks and duplicate refusals)."""
    if not tried["new_name"].strip():
        raise BadInput("新しい事業者の名称を入力してください。")
    month = _month(tried["new_fiscal_year_end_month"])
    return add_company(
        web.ctx,
        name=tried["new_name"],
        corporate_number_=tried["new_corporate_number"].strip() or None,
        fiscal_year_end_month=month,
        founded_on=None,
        prefecture=tried["new_prefecture"] or None,
        force=tried["new_force"],
        reason=tried["new_reason"].strip() or None,
    )


def why(exc: CasetrackError) -> list[str]:
    """The reasons for a refused registry form: a conflict here is a look-alike registered already (its
    Japanese reasons say which), not a case changed meanwhile."""
    return list(exc.ja) if isinstance(exc, Conflict) and exc.ja else reasons_of(exc)


def notice(web: Web) -> str | None:
    """The case page's notice after the form opened it."""
    return "案件を受け付けました。" if web.request.query_params.get("done") == "opened" else None

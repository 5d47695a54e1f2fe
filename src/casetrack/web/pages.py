"""GET / (Today), GET /cases, GET /cases/{id}, POST /cases/{id}/advance."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from starlette.responses import RedirectResponse, Response

from ..domain.dates import parse_date
from ..errors import BadInput, CasetrackError, Conflict, EventNotAllowed, GuardFailed, NotFound, NotPermitted
from ..services import dashboard
from ..services.cases import advance as advance_case
from . import case_forms
from .app import CONFLICT_MESSAGE, Web, message_of, status_of


def today(web: Web) -> Response:
    council = web.request.query_params.get("council") or None
    return web.page("today.html.j2", data=dashboard.today_page(web.ctx, council=council))


CASE_FILTERS = ("program", "state", "coordinator", "q")


def case_list(web: Web) -> Response:
    params = web.request.query_params
    raw_page = params.get("page", "1")
    try:
        page = int(raw_page)
    except ValueError:
        raise BadInput(f"page {raw_page[:20]!r} is not a whole number") from None
    result = dashboard.search_cases(web.ctx, program=params.get("program"), state=params.get("state"),
                                    coordinator=params.get("coordinator"), text=params.get("q"), page=page)
    kept = {k: params[k] for k in CASE_FILTERS if params.get(k)}

    def link(to_page: int) -> str:
        return "/cases?" + urlencode({**kept, "page": to_page})

    return web.page("cases.html.j2", result=result, labels=dashboard.labels(), params=kept,
                    prev_link=link(page - 1) if page > 1 else None,
                    next_link=link(page + 1) if page < result["pages"] else None)


def case(web: Web) -> Response:
    case_id = web.request.path_params["case_id"]
    data = dashboard.case_page(web.ctx, case_id)
    done = web.request.query_params.get("done")
    notice = f"「{data['labels']['events'][done]}」を記録しました。" if done in data["labels"]["events"] else None
    notice = notice or case_forms.notice(web, data)
    return web.page("case.html.j2", data=data, notice=notice, error=None, tried={})


def _date(web: Web, name: str) -> dt.date | None:
    text = web.field(name, 20).strip()
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError as exc:
        raise BadInput(f"{name}: {exc}") from None


def advance(web: Web) -> Response:
    """Fire one event through the service layer, on the version of the case the form was made from. A
    refusal shows the case again with every reason; a concurrent change writes nothing and says so."""
    case_id = web.request.path_params["case_id"]
    event = web.field("event", 40).strip()
    tried: dict[str, Any] = {"event": event, "on": web.field("on", 20), "note": web.field("note"),
                             "reason": web.field("reason"), "until": web.field("until", 20)}
    try:
        raw_version = web.field("version", 20)
        try:
            version = int(raw_version)
        except ValueError:
            raise BadInput(f"version {raw_version!r} is not a whole number") from None
        advance_case(web.ctx, case_id, event, on=_date(web, "on"), until=_date(web, "until"),
                         note=tried["note"].strip() or None, reason=tried["reason"].strip() or None,
                         view=False, expected_version=version)
    except NotFound:
        raise
    except CasetrackError as exc:
        data = dashboard.case_page(web.ctx, case_id)
        label = data["labels"]["events"].get(event, event)
        if isinstance(exc, Conflict):
            error = {"title": CONFLICT_MESSAGE, "details": ["何も記録していません。下は最新の内容です。"]}
        elif isinstance(exc, GuardFailed):
            error = {"title": f"「{label}」はできません。理由：", "details": exc.details}
        elif isinstance(exc, EventNotAllowed):
            error = {"title": f"「{label}」は今の状態（{data['case']['state_label']}）ではできません。",
                     "details": []}
        elif isinstance(exc, NotPermitted):
            error = {"title": f"「{label}」を記録する権限がありません。", "details": [exc.message]}
        else:
            error = {"title": message_of(exc), "details": exc.details}
        return web.page("case.html.j2", status_of(exc), data=data, notice=None, error=error, tried=tried)
    return RedirectResponse(f"/cases/{quote(case_id)}?" + urlencode({"done": event}), status_code=303)

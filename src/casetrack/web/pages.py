"""GET / (Today), GET /cases (and its download, /cases/export.csv|xlsx), GET /cases/{id},
POST /cases/{id}/advance."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any, BinaryIO, cast
from urllib.parse import quote, urlencode

from starlette.datastructures import QueryParams
from starlette.responses import RedirectResponse, Response, StreamingResponse

from ..errors import BadInput, CasetrackError, Conflict, EventNotAllowed, GuardFailed, NotFound, NotPermitted
from ..services import dashboard
from ..services.cases import advance as advance_case
from ..services.directory import (
    save_case_filters,
    save_today_council,
    saved_case_filters,
    saved_today_council,
)
from ..services.exchange import check_case_list_export, export_case_list
from ..services.parsing import AgreementArg
from . import case_forms, intake, money_forms, staff
from .toolkit import CONFLICT_MESSAGE, Web, attachment, head_only, reasons_of, status_of


def today(web: Web) -> Response:
    """GET /. Opened without a query, the council the user chose last comes back (a redirect to it, so
    the URL says what is shown); ``?clear=1`` forgets it (「条件をクリア」), as the case list does."""
    params = web.request.query_params
    if params.get("clear") == "1":
        save_today_council(web.ctx, None, web.remembered)
        return RedirectResponse("/", status_code=303)
    if not params and (saved := saved_today_council(web.ctx, web.remembered)):
        return RedirectResponse("/?" + urlencode({"council": saved}), status_code=303)
    council = params.get("council") or None
    response = web.page("today.html.j2", data=dashboard.today_page(web.ctx, council=council))
    if "council" in params:  # checked by the page: a refused council is not remembered
        save_today_council(web.ctx, council, web.remembered)
    return response


CASE_FILTERS = ("program", "track", "state", "coordinator", "q")
CASE_FLAGS = ("overdue", "stalled", "open")  # checkboxes: 1, or absent (0 and blank are absent too)
SORT_LABELS = {
    "id": "案件番号",
    "program": "事業",
    "company": "事業者",
    "corporate_number": "法人番号",
    "state": "状態",
    "state_since": "状態の開始日",
    "coordinator": "担当",
}


def _flag(params: QueryParams, name: str) -> bool:
    raw = params.get(name, "")
    if raw not in ("", "0", "1"):
        raise BadInput(f"{name}={raw[:20]} は 1 か空です。")
    return raw == "1"


def _filters(params: QueryParams) -> tuple[dict[str, Any], dict[str, str]]:
    """(the filters for the services, the non-blank ones as query parameters to keep in links)."""
    flags = {f: _flag(params, f) for f in CASE_FLAGS}
    chosen: dict[str, Any] = {
        "program": params.get("program"),
        "track": params.get("track"),
        "state": params.get("state"),
        "coordinator": params.get("coordinator"),
        "text": params.get("q"),
        "overdue": flags["overdue"],
        "stalled": flags["stalled"],
        "open_only": flags["open"],
    }
    kept = {k: params[k] for k in CASE_FILTERS if params.get(k)} | {f: "1" for f in CASE_FLAGS if flags[f]}
    return chosen, kept


def _sort(params: QueryParams) -> tuple[str, bool]:
    sort = params.get("sort") or "id"
    order = params.get("order") or "asc"
    if sort not in SORT_LABELS:
        raise BadInput(f"「{sort[:20]}」では並べ替えられません（{'・'.join(SORT_LABELS.values())}）。")
    if order not in ("asc", "desc"):
        raise BadInput(f"order={order[:20]} は asc か desc です。")
    return sort, order == "desc"


REMEMBERED = (*CASE_FILTERS, *CASE_FLAGS, "sort", "order")  # what the case list remembers per user


def case_list(web: Web) -> Response:
    """GET /cases. Opened without a query, the user's last filters and sort come back (a redirect to
    them, so the URL says what is shown); ``?clear=1`` forgets them (「条件をクリア」)."""
    params = web.request.query_params
    if params.get("clear") == "1":
        save_case_filters(web.ctx, "", web.remembered)
        return RedirectResponse("/cases", status_code=303)
    if not params:
        saved = saved_case_filters(web.ctx, web.remembered)
        if saved:
            return RedirectResponse(f"/cases?{saved}", status_code=303)
    response = _case_list(web, params)
    save_case_filters(
        web.ctx, urlencode([(k, v) for k, v in params.multi_items() if k in REMEMBERED and v]), web.remembered
    )
    return response


def _case_list(web: Web, params: QueryParams) -> Response:
    raw_page = params.get("page", "1")
    try:
        page = int(raw_page)
    except ValueError:
        raise BadInput(f"ページ「{raw_page[:20]}」は番号ではありません。") from None
    chosen, kept = _filters(params)
    sort, descending = _sort(params)
    result = dashboard.search_cases(web.ctx, page=page, sort=sort, descending=descending, **chosen)
    ordering = (
        {} if sort == "id" and not descending else {"sort": sort, "order": "desc" if descending else "asc"}
    )

    def link(to_page: int) -> str:
        return "/cases?" + urlencode({**kept, **ordering, "page": to_page})

    def sort_link(column: str) -> str:
        """The column's header link: ascending, or descending when it is the ascending sort now."""
        flip = column == sort and not descending
        return "/cases?" + urlencode({**kept, "sort": column, "order": "desc" if flip else "asc"})

    headers = [
        {
            "column": c,
            "label": label,
            "href": sort_link(c),
            "aria": ("descending" if descending else "ascending") if c == sort else None,
        }
        for c, label in SORT_LABELS.items()
    ]
    return web.page(
        "cases.html.j2",
        result=result,
        labels=dashboard.labels(),
        params=kept,
        headers=headers,
        ordering=ordering,
        export_query=urlencode(kept),
        prev_link=link(page - 1) if page > 1 else None,
        next_link=link(page + 1) if page < result["pages"] else None,
    )


SPOOL_BYTES = 8 * 1024 * 1024  # a download is built in memory up to this, then in a temporary file
CHUNK_BYTES = 64 * 1024
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _chunks(spool: IO[bytes]) -> Iterator[bytes]:
    with spool:
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk


def _case_export(web: Web, fmt: str) -> Response:
    """The case list's current view — every matching case, not one page — as a file. It is written in
    full (rows streamed from the database into the writer, in memory up to SPOOL_BYTES, past that in a
    temporary file) before the first byte is sent, so a refusal is still a page and the access-log row
    says how many rows were given out; then it is sent in chunks. HEAD gets the same checks and headers
    and no file: nothing is read, written or logged."""
    chosen, _kept = _filters(web.request.query_params)
    day = web.today.isoformat()
    disposition = attachment(f"cases-{day}.{fmt}", f"案件一覧-{day}.{fmt}")
    if web.request.method == "HEAD":
        check_case_list_export(web.ctx, fmt=fmt, **chosen)
        return head_only(MEDIA_TYPES[fmt], {"Content-Disposition": disposition})
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (closed by _chunks)
    try:
        export_case_list(web.ctx, cast(BinaryIO, spool), fmt=fmt, **chosen)
        size = spool.seek(0, 2)  # the end, wherever the writer left the position
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    headers = {"Content-Disposition": disposition, "Content-Length": str(size)}
    return StreamingResponse(_chunks(spool), media_type=MEDIA_TYPES[fmt], headers=headers)


def case_export_csv(web: Web) -> Response:
    return _case_export(web, "csv")


def case_export_xlsx(web: Web) -> Response:
    return _case_export(web, "xlsx")


def case(web: Web) -> Response:
    case_id = web.request.path_params["case_id"]
    data = dashboard.case_page(web.ctx, case_id)
    web.names = data["staff_names"]  # read with the case: the page names its staff from the same snapshot
    done = web.request.query_params.get("done")
    notice = staff.assign_notice(web)  # before the events': "assign" names the history row too
    notice = notice or (
        f"「{data['labels']['events'][done]}」を記録しました。" if done in data["labels"]["events"] else None
    )
    notice = notice or money_forms.notice(web.request.query_params)
    notice = notice or case_forms.notice(web, data)
    notice = notice or intake.notice(web)
    assign = staff.assign_form(web, data)
    flash = web.take_flash()  # a form of this case refused: why, and the values typed (shown once)
    if flash:
        return web.page(
            "case.html.j2",
            data=data,
            notice=None,
            error={**(flash.get("error") or {}), "status": flash.get("status")},
            tried=flash.get("tried") or {},
            assign=assign,
        )
    return web.page("case.html.j2", data=data, notice=notice, error=None, tried={}, assign=assign)


def _agreements(web: Web, tried: dict[str, Any]) -> list[AgreementArg]:
    """The agree form's financial support: per lender (``agreement-<id>``, checked kinds) and the note of
    its その他 (``agreement_note-<id>``), which goes with the kinds that need one."""
    form = web.form
    chosen: dict[int, list[str]] = {}
    notes: dict[int, str] = {}
    for name in dict.fromkeys(form.keys() if form is not None else ()):
        prefix, _, lender = name.partition("-")
        if prefix == "agreement" and lender.isascii() and lender.isdigit() and form is not None:
            chosen[int(lender)] = [str(v)[:32] for v in form.getlist(name)]
        elif prefix == "agreement_note" and lender.isascii() and lender.isdigit():
            notes[int(lender)] = web.field(name).strip()
    # kept by lender id as text: a refused form's values come back through the session's one-time flash (JSON)
    tried["agreements"] = {str(k): v for k, v in chosen.items()}
    tried["agreement_notes"] = {str(k): v for k, v in notes.items()}
    out = []
    for lender_id, kinds in chosen.items():
        for kind in kinds:
            out.append(
                AgreementArg(lender_id, kind, notes.get(lender_id) or None if kind == "other" else None)
            )
    return out


def advance(web: Web) -> Response:
    """Fire one event through the service layer, on the version of the case the form was made from. A
    refusal shows the case again with every reason; a concurrent change writes nothing and says so."""
    case_id = web.request.path_params["case_id"]
    event = web.field("event", 40).strip()
    tried: dict[str, Any] = {
        "event": event,
        "on": web.field("on", 20),
        "note": web.field("note"),
        "reason": web.field("reason"),
        "until": web.field("until", 20),
    }
    try:
        agreements = _agreements(web, tried)
        version = web.version()
        advance_case(
            web.ctx,
            case_id,
            event,
            on=web.date("on", "効力発生日"),
            until=web.date("until", "新しい期限"),
            note=tried["note"].strip() or None,
            reason=tried["reason"].strip() or None,
            view=False,
            expected_version=version,
            agreements=agreements or None,
        )
    except NotFound:
        raise
    except CasetrackError as exc:
        data = dashboard.case_page(web.ctx, case_id)
        label = data["labels"]["events"].get(event, event)
        if isinstance(exc, Conflict):
            error = {"title": CONFLICT_MESSAGE, "details": ["何も記録していません。下は最新の内容です。"]}
        elif isinstance(exc, GuardFailed):
            error = {"title": f"「{label}」はできません。理由：", "details": reasons_of(exc)}
        elif isinstance(exc, EventNotAllowed):
            error = {
                "title": f"「{label}」は今の状態（{data['case']['state_label']}）ではできません。",
                "details": [],
            }
        elif isinstance(exc, NotPermitted):
            error = {"title": f"「{label}」を記録する権限がありません。", "details": reasons_of(exc)}
        elif isinstance(exc, BadInput):
            error = {"title": f"「{label}」の入力に誤りがあります。", "details": reasons_of(exc)}
        else:
            error = {"title": f"「{label}」はできません。理由：", "details": reasons_of(exc)}
        return web.refused_on_case(case_id, status_of(exc), error, tried)
    return RedirectResponse(f"/cases/{quote(case_id)}?" + urlencode({"done": event}), status_code=303)

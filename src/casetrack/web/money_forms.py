"""The case page's money and monitoring forms, and the fee statement:

- POST /cases/{id}/claims                    — `fee claim`
- POST /cases/{id}/claims/{claim}/decide     — `fee decide`
- POST /cases/{id}/claims/{claim}/reject     — `fee reject`
- POST /cases/{id}/sessions/{seq}/record     — `monitoring record`
- POST /cases/{id}/sessions/{seq}/waive      — `monitoring waive`
- GET  /cases/{id}/statement                 — `fee statement --format html`

Each POST parses the form, calls the same use case as the CLI on the version of the case the form was
made from, and redirects back to the case with a notice. A refusal, bad input or a change by someone
else meanwhile shows the case again with the reason and writes nothing; another council's case is the
same 404 as a missing one."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import QueryParams
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ..errors import BadInput, CasetrackError, Conflict, NotFound, NotPermitted
from ..services import dashboard
from ..services.fees import check_fee_statement, claim_fee, decide_fee, fee_statement, reject_fee
from ..services.monitoring import record_session, waive_session
from ..services.parsing import parse_number, parse_yen
from .toolkit import CONFLICT_MESSAGE, SecurityHeaders, Web, head_only, reasons_of, status_of

NOTICES = {
    "fee_claim": "費用の支払申請（申請 {n}）を記録しました。",
    "fee_decide": "申請 {n} を決定しました。補助金の計算は「費用と補助金」にあります。",
    "fee_reject": "申請 {n} を却下しました。",
    "session_record": "第{n}回の伴走支援の実施を記録しました。",
    "session_waive": "第{n}回の伴走支援を免除しました。",
}


def notice(params: QueryParams) -> str | None:
    """The notice after one of these forms (``?done=fee_claim&n=3``), or None."""
    template, n = NOTICES.get(params.get("done", "")), params.get("n", "")
    return template.format(n=n) if template and re.fullmatch(r"\d{1,9}", n) else None


def _done(case_id: str, what: str, n: int) -> Response:
    return RedirectResponse(f"/cases/{quote(case_id)}?" + urlencode({"done": what, "n": n}), status_code=303)


def _required_date(web: Web, name: str, label: str) -> dt.date:
    day = web.date(name, label)
    if day is None:
        raise BadInput(f"{label}を入力してください。")
    return day


def _yen(web: Web, name: str, label: str) -> int:
    """Yen as the CLI reads them: 1,234,567 or 1234567 (円 allowed at the end)."""
    text = web.field(name, 40)
    try:
        return parse_yen(text, label)
    except BadInput as exc:
        if "is more than" in exc.message:  # a whole number, but too large: its own Japanese says so
            raise
        raise BadInput(
            exc.message,
            [
                f"{label}「{text.strip()}」は円単位の金額ではありません。"
                "1以上の整数で入力してください（例：1,234,567）。"
            ],
        ) from None


def _seq(web: Web, name: str, label: str) -> int | None:
    text = web.field(name, 20).strip()
    if not text:
        return None
    seq = parse_number(text, 4)
    if seq is None:
        raise BadInput(
            f"{name} {text!r} is not a session number", [f"{label}「{text}」は回の番号ではありません。"]
        )
    return seq


def _again(web: Web, case_id: str, exc: CasetrackError, label: str, tried: dict[str, Any]) -> Response:
    """The case page again with why ``label`` was not done (nothing was written)."""
    if isinstance(exc, NotFound) and exc.what == "case":
        raise exc
    dashboard.case_page(web.ctx, case_id)  # another council's case: NotFound here too
    if isinstance(exc, Conflict):
        error = {"title": CONFLICT_MESSAGE, "details": ["何も記録していません。下は最新の内容です。"]}
    elif isinstance(exc, NotPermitted):
        error = {"title": f"「{label}」を記録する権限がありません。", "details": reasons_of(exc)}
    elif isinstance(exc, NotFound):
        what = {"claim": "申請", "monitoring session": "伴走支援の回"}.get(exc.what, exc.what)
        error = {"title": f"「{label}」はできません。", "details": [f"この案件にその{what}はありません。"]}
    elif isinstance(exc, BadInput):
        error = {"title": f"「{label}」の入力に誤りがあります。", "details": reasons_of(exc)}
    else:
        error = {"title": f"「{label}」はできません。理由：", "details": reasons_of(exc)}
    return web.refused_on_case(case_id, status_of(exc), error, tried)


def claim(web: Web) -> Response:
    case_id = web.request.path_params["case_id"]
    tried = {
        "form": "claim",
        "component": web.field("component", 40).strip(),
        "fee": web.field("fee", 40),
        "session": web.field("session", 20),
        "on": web.field("on", 20),
    }
    try:
        version = web.version()
        fee, on, seq = (
            _yen(web, "fee", "費用"),
            web.date("on", "申請日"),
            _seq(web, "session", "伴走支援の回"),
        )
        result = claim_fee(
            web.ctx, case_id, tried["component"], fee=fee, session=seq, on=on, expected_version=version
        )
    except CasetrackError as exc:
        return _again(web, case_id, exc, "支払申請", tried)
    return _done(case_id, "fee_claim", result["id"])


def decide(web: Web) -> Response:
    case_id, claim_id = web.request.path_params["case_id"], web.request.path_params["claim_id"]
    tried = {"form": f"decide-{claim_id}", "on": web.field("on", 20)}
    try:
        version = web.version()
        decide_fee(web.ctx, case_id, claim_id, on=web.date("on", "決定日"), expected_version=version)
    except CasetrackError as exc:
        return _again(web, case_id, exc, f"申請 {claim_id} の決定", tried)
    return _done(case_id, "fee_decide", claim_id)


def reject(web: Web) -> Response:
    case_id, claim_id = web.request.path_params["case_id"], web.request.path_params["claim_id"]
    tried = {"form": f"reject-{claim_id}", "reason": web.field("reason"), "on": web.field("on", 20)}
    try:
        version = web.version()
        reject_fee(
            web.ctx,
            case_id,
            claim_id,
            reason=tried["reason"].strip(),
            on=web.date("on", "却下日"),
            expected_version=version,
        )
    except CasetrackError as exc:
        return _again(web, case_id, exc, f"申請 {claim_id} の却下", tried)
    return _done(case_id, "fee_reject", claim_id)


def record(web: Web) -> Response:
    case_id, seq = web.request.path_params["case_id"], web.request.path_params["seq"]
    tried = {"form": f"record-{seq}", "held_on": web.field("held_on", 20), "note": web.field("note")}
    try:
        version = web.version()
        held_on = _required_date(web, "held_on", "実施日")
        record_session(
            web.ctx,
            case_id,
            seq,
            held_on=held_on,
            note=tried["note"].strip() or None,
            expected_version=version,
        )
    except CasetrackError as exc:
        return _again(web, case_id, exc, f"第{seq}回の実施の記録", tried)
    return _done(case_id, "session_record", seq)


def waive(web: Web) -> Response:
    case_id, seq = web.request.path_params["case_id"], web.request.path_params["seq"]
    tried = {"form": f"waive-{seq}", "reason": web.field("reason")}
    try:
        version = web.version()
        waive_session(web.ctx, case_id, seq, reason=tried["reason"].strip(), expected_version=version)
    except CasetrackError as exc:
        return _again(web, case_id, exc, f"第{seq}回の免除", tried)
    return _done(case_id, "session_waive", seq)


STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def statement(web: Web) -> Response:
    """The fee statement as `casetrack fee statement --format html` writes it. Its one inline <style> is
    allowed by its hash, for this response only; everything else keeps the site's CSP. HEAD gets the
    same checks and type, and no page (so the site's CSP: there is no style to allow)."""
    if web.request.method == "HEAD":
        check_fee_statement(web.ctx, web.request.path_params["case_id"])
        return head_only("text/html")
    html = fee_statement(web.ctx, web.request.path_params["case_id"], "html")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in STYLE.findall(html)
    )
    csp = SecurityHeaders.CSP.replace("style-src 'self'", f"style-src 'self' {hashes}".rstrip())
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})

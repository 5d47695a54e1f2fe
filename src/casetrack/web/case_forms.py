"""The case page's forms besides the events: POST /cases/{id}/documents (`doc add`),
/cases/{id}/estimates (`case estimate`) and /cases/{id}/corrections (`case correct`).

Each parses its fields, calls the use case on the version of the case the form was made from, and
redirects back with a notice (?done=…); a refusal shows the case again with the reason and the values
entered, and writes nothing. The use cases decide everything: who may, in which state, which kinds
and components exist."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from ..domain.files import EXTENSIONS
from ..errors import BadInput, CasetrackError, Conflict, NotFound, NotPermitted
from ..services import dashboard
from ..services.cases import correct_history
from ..services.documents import Upload, add_document
from ..services.documents import document_file as stored_file
from ..services.fees import set_estimates
from ..services.parsing import parse_number, parse_yen
from .toolkit import CONFLICT_MESSAGE, Web, attachment, head_only, reasons_of, status_of

ESTIMATE_FIELD = "estimate."  # one field per fee component: estimate.plan, estimate.monitoring, …


def notice(web: Web, data: dict[str, Any]) -> str | None:
    """The notice after one of these forms was recorded (?done=document.KIND or ?done=estimates)."""
    done = web.request.query_params.get("done", "")
    kind = done.removeprefix("document.")
    if done.startswith("document.") and kind in data["labels"]["documents"]:
        return f"「{data['labels']['documents'][kind]}」を記録しました。"
    if done == "estimates":
        return "「見積」を記録しました。"
    return None


def documents(web: Web) -> Response:
    """Record a document on the case, as `casetrack doc add CASE KIND [--lender] [--on]`."""
    case_id = web.request.path_params["case_id"]
    tried: dict[str, Any] = {
        "form": "document",
        "kind": web.field("kind", 40).strip(),
        "lender": web.field("lender", 20).strip(),
        "on": web.field("on", 20),
    }
    try:
        version = web.version()
        if not tried["kind"]:
            raise BadInput("書類の種類を選んでください。")
        added = add_document(
            web.ctx,
            case_id,
            tried["kind"],
            lender_id=_lender(tried["lender"]),
            on=web.date("on", "書類の日付"),
            file=None,
            upload=_upload(web),
            expected_version=version,
        )
    except NotFound:
        raise
    except CasetrackError as exc:
        return _shown_again(
            web, case_id, exc, "書類を記録できませんでした。", "書類を記録する権限がありません。", tried
        )
    return _back(case_id, "document." + str(added.get("kind", tried["kind"])))


def _upload(web: Web) -> Upload | None:
    """The form's file (the field ``file``), or None when none was chosen (a browser sends an empty part
    without a name then). Its size was bounded while the request was read (413 past the limit)."""
    part = web.form.get("file") if web.form is not None else None
    if part is None or part == "":
        return None
    if not isinstance(part, UploadFile):
        raise BadInput("フォームの項目 file がファイルではありません。")
    if not part.filename:
        return None
    part.file.seek(0)
    return Upload(part.filename, part.file.read())


def document_file(web: Web) -> Response:
    """GET /cases/{id}/documents/{doc_id}/file: the stored file, checked against its SHA-256, as an
    attachment under its original name (RFC 5987) and the type its content was sniffed as. Another
    council's case, another case's document or a document without a file: 404. HEAD checks and answers
    the headers without reading the access log into it."""
    case_id = web.request.path_params["case_id"]
    doc_id = web.request.path_params["doc_id"]
    doc, data = stored_file(web.ctx, case_id, doc_id, log=web.request.method != "HEAD")
    name = doc.file_name or f"document-{doc_id}"
    ascii_name = f"document-{doc_id}{EXTENSIONS.get(doc.file_type or '', '')}"
    headers = {"Content-Disposition": attachment(ascii_name, name)}
    if web.request.method == "HEAD":
        return head_only(doc.file_type, headers)
    return Response(data, media_type=doc.file_type, headers=headers)


def estimates(web: Web) -> Response:
    """Change the fee estimates, as `casetrack case estimate CASE COMPONENT=YEN...`: the components
    given are set, the others kept."""
    case_id = web.request.path_params["case_id"]
    entered = {
        key.removeprefix(ESTIMATE_FIELD): web.field(key, 40)
        for key in (web.form or {})
        if key.startswith(ESTIMATE_FIELD)
    }
    tried: dict[str, Any] = {"form": "estimates", "estimates": entered}
    try:
        version = web.version()
        amounts: dict[str, int] = {}
        for component, text in entered.items():
            if text.strip():
                try:
                    amounts[component] = parse_yen(text, component)
                except BadInput as exc:
                    if "is more than" in exc.message:  # a whole number, but too large
                        raise
                    raise BadInput(
                        f"見積の金額「{text[:40]}」は円の整数ではありません（例：1,234,567）。"
                    ) from None
        if not amounts:
            raise BadInput("見積の金額を一つ以上入力してください。")
        set_estimates(web.ctx, case_id, amounts, expected_version=version)
    except NotFound:
        raise
    except CasetrackError as exc:
        return _shown_again(
            web, case_id, exc, "見積を変更できませんでした。", "見積を変更する権限がありません。", tried
        )
    return _back(case_id, "estimates")


def corrections(web: Web) -> Response:
    """Append a correction of one history row, as `casetrack case correct CASE SEQ --note`."""
    case_id = web.request.path_params["case_id"]
    raw_seq = web.field("seq", 10).strip()
    seq = parse_number(raw_seq, 9)
    tried: dict[str, Any] = {
        "form": "correct",
        "seq": seq,
        "note": web.field("note"),
        "on": web.field("on", 20),
    }
    what = f"第{seq}項の訂正" if seq is not None else "訂正"
    try:
        version = web.version()
        if tried["seq"] is None:
            raise BadInput(f"訂正する項目の番号「{raw_seq[:10]}」が正しくありません。")
        if not tried["note"].strip():
            raise BadInput("訂正の内容（何が誤りで、何が正しいか）を書いてください。")
        on = web.date("on", "正しい効力発生日")
        correct_history(web.ctx, case_id, tried["seq"], note=tried["note"], on=on, expected_version=version)
    except NotFound as exc:
        if exc.what == "case":
            raise
        return _shown_again(
            web,
            case_id,
            BadInput(f"第{seq}項はこの案件の経過にありません。"),
            f"{what}を記録できませんでした。",
            "",
            tried,
        )
    except CasetrackError as exc:
        return _shown_again(
            web,
            case_id,
            exc,
            f"{what}を記録できませんでした。",
            f"{what}を記録する権限がありません（協議会の決定の訂正は統括責任者・補佐が行います）。",
            tried,
        )
    return _back(case_id, "correct")


def _lender(text: str) -> int | str | None:
    """The lender of a letter: the form's choice (an organisation's id), or a bank's exact name as typed
    (resolved by the use case, as `doc add --lender` resolves it)."""
    if not text:
        return None
    number = parse_number(text, 12)
    if number is not None:
        return number
    if text.isascii() and text.strip().isdigit():
        raise BadInput(f"金融機関の指定「{text}」が正しくありません。")
    return text


def _back(case_id: str, done: str) -> Response:
    return RedirectResponse(f"/cases/{quote(case_id)}?" + urlencode({"done": done}), status_code=303)


def _shown_again(
    web: Web, case_id: str, exc: CasetrackError, title: str, not_permitted: str, tried: dict[str, Any]
) -> Response:
    """Back to the case page, with why nothing was written and the values entered."""
    dashboard.case_page(web.ctx, case_id)  # another council's case: NotFound here too
    if isinstance(exc, Conflict):
        error: dict[str, Any] = {
            "title": CONFLICT_MESSAGE,
            "details": ["何も記録していません。下は最新の内容です。"],
        }
    elif isinstance(exc, NotPermitted):
        error = {"title": not_permitted, "details": reasons_of(exc)}
    else:
        error = {"title": title, "details": reasons_of(exc)}
    return web.refused_on_case(case_id, status_of(exc), error, tried)

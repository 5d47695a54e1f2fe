"""Documents on a case."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from ..errors import BadInput, NotFound
from ..store.repo import utcnow
from .context import Context, load_case, stale

SESSION_DOCUMENT = "monitoring_report"  # the one document kind filed for a monitoring session


def fingerprint(file: str, option: str) -> dict[str, Any]:
    """Where a document's file is, its sha256 and size; a file that cannot be read is bad input."""
    path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{option} {file}: {exc.strerror}") from None
    return {"file_path": str(path.resolve()), "file_sha256": hashlib.sha256(data).hexdigest(), "file_size": len(data)}


def add_document(ctx: Context, case_id: str, kind: str, *, lender_id: int | None, on: dt.date | None,
                 file: str | None, expected_version: int | None = None,
                 session: int | None = None) -> dict[str, Any]:
    """Record a document of ``kind`` (a letter from a lender: ``lender_id``, by default the main bank).
    ``expected_version``: the version of the case the caller looked at (a web form); any other is a
    Conflict."""
    ctx.authorize("case.work")
    on = on or ctx.today
    file_info = fingerprint(file, "--file") if file is not None else {}
    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        if expected_version is not None and case["version"] != expected_version:
            raise stale(case_id)
        if kind not in spec.documents:
            raise BadInput(f"unknown document kind {kind!r} (one of {', '.join(spec.documents)})",
                           ja=[f"書類の種類「{kind}」は{spec.ja}にはありません。"])
        doc_kind = spec.documents[kind]
        case_lenders = {r["org_id"]: r for r in repo.case_lenders(case_id)}
        if lender_id is not None:
            if not doc_kind.from_lender:
                raise BadInput(f"a {kind} document does not come from a lender; drop --lender",
                               ja=[f"「{doc_kind.ja}」は金融機関からの書類ではありません。金融機関を選ばずに記録してください。"])
            if lender_id not in case_lenders:
                names = "、".join(r["name"] for r in case_lenders.values()) or "なし"
                raise BadInput(f"organisation {lender_id} is not a lender of case {case_id} "
                               f"(lenders: {', '.join(map(str, case_lenders)) or 'none'})",
                               ja=[f"指定の金融機関（{lender_id}）はこの案件の金融機関ではありません"
                                   f"（この案件の金融機関：{names}）。"])
        elif doc_kind.from_lender:
            main = next((r for r in case_lenders.values() if r["main"]), None)
            if main is None:
                raise BadInput(f"a {kind} comes from a lender: name it with --lender ORG_ID",
                               ja=[f"「{doc_kind.ja}」は金融機関からの書類です。どの金融機関からかを選んでください"
                                   "（この案件にはメイン行がありません）。"])
            lender_id = main["org_id"]
        if session is not None:
            if kind != SESSION_DOCUMENT:
                raise BadInput(f"only a {SESSION_DOCUMENT} names a monitoring session; drop --session",
                               ja=[f"伴走支援の回を付けられるのは「{spec.documents[SESSION_DOCUMENT].ja}」だけです。"])
            if all(s["seq"] != session for s in repo.case_sessions(case_id)):
                raise NotFound("monitoring session", f"{case_id}#{session}")
        if not repo.update_case(case_id, case["version"], {}):
            raise stale(case_id)
        values = {"case_id": case_id, "kind": kind, "lender_id": lender_id, "on": on, "recorded_at": utcnow(),
                  "user": ctx.user, "session_seq": session, **file_info}
        doc_id = repo.insert_document(values)
    return {"id": doc_id, "case": case_id, "kind": kind, "label": doc_kind.ja, "lender_id": lender_id,
            "on": on, "file": file_info.get("file_path"), "sha256": file_info.get("file_sha256"),
            "session": session}



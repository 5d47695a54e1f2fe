"""Documents on a case, and their files.

A document's file is kept in the database (table document_file, one row per document), written in the
same transaction as the document: a refused upload writes nothing, every backup of the database holds
the files, and on PostgreSQL the document's row-level security covers them. Its SHA-256, size, sniffed
type and original name are on the document; a download and `audit verify` check the bytes against them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..domain import files as file_kinds
from ..domain.case_rows import CaseDocument, FileColumns, NewDocument
from ..errors import BadInput, FileCorrupt, NotFound, TooLarge
from .context import Context, load_case, stale
from .parsing import normalise, resolve_label

SESSION_DOCUMENT = "monitoring_report"  # the one document kind filed for a monitoring session


@dataclass(frozen=True)
class Upload:
    """A file handed in: its own name, its bytes, and (from the CLI) where it was read from."""

    name: str
    data: bytes
    path: str | None = None


def too_large(ctx: Context, size: int, option: str = "file") -> TooLarge:
    mb, limit = ctx.settings.files.max_mb, ctx.settings.files.max_bytes
    return TooLarge(
        f"{option}: {size:,} bytes is over the limit of {mb:g} MB ({limit:,} bytes; [files] max_mb)",
        ja=[f"ファイルが大きすぎます（{size:,} バイト。上限は {mb:g} MB）。何も記録していません。"],
    )


def read_upload(ctx: Context, file: str, option: str) -> Upload:
    """A file named on the command line, read whole; over ``[files] max_mb`` (by its size, before
    reading) or unreadable is bad input."""
    path = Path(file)
    limit = ctx.settings.files.max_bytes
    try:
        size = path.stat().st_size
        if size > limit:
            raise too_large(ctx, size, f"{option} {file}")
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(
            f"{option} {file}: {exc.strerror}", ja=[f"{option} {file} を読めません（{exc.strerror}）。"]
        ) from None
    return Upload(path.name, data, str(path.resolve()))


def file_values(ctx: Context, upload: Upload, option: str = "--file") -> FileColumns:
    """The document's columns for ``upload``: SHA-256, size, sniffed type, original name. A file over the
    limit, empty, or of a kind not accepted is bad input."""
    limit = ctx.settings.files.max_bytes
    if len(upload.data) > limit:
        raise too_large(ctx, len(upload.data), option)
    name = file_kinds.clean_name(upload.name) or "file"
    if not upload.data:
        raise BadInput(f"{option} {name}: the file is empty", ja=[f"ファイル「{name}」は空です。"])
    kind = file_kinds.sniff(upload.data)
    if kind is None:
        raise BadInput(
            f"{option} {name}: not a PDF, PNG, JPEG, xlsx or docx file (judged by its content)",
            ja=[
                f"ファイル「{name}」の形式は受け付けていません（受け付ける形式：{file_kinds.ACCEPTED}。"
                "内容で判定します）。"
            ],
        )
    return FileColumns(
        file_path=upload.path,
        file_sha256=hashlib.sha256(upload.data).hexdigest(),
        file_size=len(upload.data),
        file_name=name,
        file_type=kind,
    )


def fingerprint(ctx: Context, file: str, option: str) -> tuple[FileColumns, bytes]:
    """A file named on the command line: its document columns and its bytes."""
    upload = read_upload(ctx, file, option)
    return file_values(ctx, upload, option), upload.data


def add_document(
    ctx: Context,
    case_id: str,
    kind: str,
    *,
    lender_id: int | str | None,
    on: dt.date | None,
    file: str | None,
    upload: Upload | None = None,
    expected_version: int | None = None,
    session: int | None = None,
) -> dict[str, Any]:
    """Record a document of ``kind`` (a letter from a lender: ``lender_id``, by default the main bank;
    by its id or its exact name among the case's lenders; a monitoring report: the ``session`` it is
    for), with its file (``file``, a path, from the CLI;
    ``upload`` from the web), stored in the same transaction. ``expected_version``: the version of the
    case the caller looked at (a web form); any other is a Conflict."""
    ctx.authorize("case.work")
    on = ctx.effective(on, "--on", "書類の日付")
    if file is not None:
        upload = read_upload(ctx, file, "--file")
    file_info = asdict(file_values(ctx, upload)) if upload is not None else {}
    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        if expected_version is not None and case.version != expected_version:
            raise stale(case_id)
        kind = resolve_label(kind, {k: d.ja for k, d in spec.documents.items()}, "document kind")
        if kind not in spec.documents:
            raise BadInput(
                f"unknown document kind {kind!r} (one of {', '.join(spec.documents)})",
                ja=[f"書類の種類「{kind}」は{spec.ja}にはありません。"],
            )
        doc_kind = spec.documents[kind]
        case_lenders = {r.org_id: r for r in repo.case_lenders(case_id)}
        if isinstance(lender_id, str):
            typed = normalise(lender_id).strip()
            named = [o for o, r in case_lenders.items() if normalise(r.name).strip() == typed]
            if len(named) != 1:
                names = "、".join(r.name for r in case_lenders.values()) or "なし"
                listed = ", ".join(f"{o} {r.name}" for o, r in case_lenders.items()) or "none"
                raise BadInput(
                    f"no single lender of case {case_id} is named {lender_id!r} (lenders: {listed})",
                    ja=[
                        f"金融機関「{lender_id}」はこの案件の金融機関にありません（この案件の金融機関：{names}）。"
                    ],
                )
            lender_id = named[0]
        if lender_id is not None:
            if not doc_kind.from_lender:
                raise BadInput(
                    f"a {kind} document does not come from a lender; drop --lender",
                    ja=[
                        f"「{doc_kind.ja}」は金融機関からの書類ではありません。金融機関を選ばずに記録してください。"
                    ],
                )
            if lender_id not in case_lenders:
                names = "、".join(r.name for r in case_lenders.values()) or "なし"
                raise BadInput(
                    f"organisation {lender_id} is not a lender of case {case_id} "
                    f"(lenders: {', '.join(map(str, case_lenders)) or 'none'})",
                    ja=[
                        f"指定の金融機関（{lender_id}）はこの案件の金融機関ではありません"
                        f"（この案件の金融機関：{names}）。"
                    ],
                )
        elif doc_kind.from_lender:
            main = next((r for r in case_lenders.values() if r.main), None)
            if main is None:
                raise BadInput(
                    f"a {kind} comes from a lender: name it with --lender ORG_ID",
                    ja=[
                        f"「{doc_kind.ja}」は金融機関からの書類です。どの金融機関からかを選んでください"
                        "（この案件にはメイン行がありません）。"
                    ],
                )
            lender_id = main.org_id
        if session is not None:
            if kind != SESSION_DOCUMENT:
                raise BadInput(
                    f"only a {SESSION_DOCUMENT} names a monitoring session; drop --session",
                    ja=[f"伴走支援の回を付けられるのは「{spec.documents[SESSION_DOCUMENT].ja}」だけです。"],
                )
            if all(s.seq != session for s in repo.case_sessions(case_id)):
                raise NotFound("monitoring session", f"{case_id}#{session}")
        if not repo.update_case(case_id, case.version, {}):
            raise stale(case_id)
        doc_id = repo.insert_document(
            NewDocument(
                case_id=case_id,
                kind=kind,
                lender_id=lender_id,
                on=on,
                recorded_at=ctx.now(),
                user=ctx.user,
                session_seq=session,
                **file_info,
            )
        )
        if upload is not None:
            repo.insert_document_file(doc_id, upload.data)
    return {
        "id": doc_id,
        "case": case_id,
        "kind": kind,
        "label": doc_kind.ja,
        "lender_id": lender_id,
        "on": on,
        "file": file_info.get("file_path") or file_info.get("file_name"),
        "sha256": file_info.get("file_sha256"),
        "file_name": file_info.get("file_name"),
        "file_type": file_info.get("file_type"),
        "size": file_info.get("file_size"),
        "session": session,
    }


def document_file(
    ctx: Context, case_id: str, document_id: int, *, log: bool = True
) -> tuple[CaseDocument, bytes]:
    """A document's row and its file, checked against the SHA-256 and size recorded with it. A case the
    user may not see, a document of another case, or a document without a stored file is not found; a
    file that no longer matches is refused (FileCorrupt) and not handed out. Logged in the access log."""
    ctx.authorize("case.read")
    with ctx.read() as repo:
        load_case(repo, case_id)
        doc = repo.document(case_id, document_id)
        data = repo.document_file(document_id) if doc is not None else None
    if doc is None:
        raise NotFound("document", f"{case_id}#{document_id}")
    if data is None:
        raise NotFound("file of document", f"{case_id}#{document_id}")
    if hashlib.sha256(data).hexdigest() != doc.file_sha256 or len(data) != doc.file_size:
        raise FileCorrupt(
            f"the file of document {document_id} of case {case_id} does not match the SHA-256 "
            "recorded with it (damaged or altered): not handed out; run casetrack audit verify",
            ja=[
                f"書類 {document_id} のファイルが記録時の SHA-256 と一致しません（破損または改ざん）。"
                "お渡しできません。管理者に連絡してください。"
            ],
        )
    if log:
        ctx.log_access(f"doc get {case_id} {document_id}", 1)
    return doc, data


def save_document_file(ctx: Context, case_id: str, document_id: int, out: str) -> dict[str, Any]:
    """`casetrack doc get CASE DOC_ID --out PATH`: the checked file written to ``out`` (through a
    temporary file beside it, so a failure leaves no half-written file)."""
    doc, data = document_file(ctx, case_id, document_id)
    target = Path(out)
    if target.is_dir():
        raise BadInput(
            f"--out {out} is a folder: name the file to write",
            ja=[f"--out {out} はフォルダです。書き出すファイルの名前を指定してください。"],
        )
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BadInput(
            f"--out {out}: {exc.strerror}", ja=[f"--out {out} に書き出せません（{exc.strerror}）。"]
        ) from None
    return {
        "id": document_id,
        "case": case_id,
        "kind": doc.kind,
        "file_name": doc.file_name,
        "file_type": doc.file_type,
        "size": len(data),
        "sha256": doc.file_sha256,
        "out": str(target),
    }

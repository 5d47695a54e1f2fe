"""Export (CSV or xlsx, Japanese headers) of cases, monitoring sessions and audit findings."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from ..domain.labels import ORG_KINDS as ORG_KIND_LABELS
from ..domain.labels import label
from ..errors import BadInput
from ..exchange.writers import Column, write_csv, write_xlsx
from ..store.browse import case_conditions
from ..store.work import Work
from ..workflow.catalog import all_workflows
from .audits import audit_stalled
from .case_filters import CaseFilter, case_filter
from .context import Context
from .filters import check
from .reminders import SESSION_KIND_LABELS

CASE_COLUMNS = [
    Column("id", "案件番号"),
    Column("program_label", "事業"),
    Column("track_label", "枠"),
    Column("council", "協議会"),
    Column("company_name", "事業者"),
    Column("corporate_number", "法人番号"),
    Column("fiscal_year_end_month", "決算月", "int"),
    Column("state_label", "状態"),
    Column("state", "状態コード"),
    Column("state_since", "状態の開始日", "date"),
    Column("coordinator", "担当"),
    Column("lead_name", "代表認定支援機関"),
    Column("lead_email", "代表認定支援機関のメール"),
    Column("lead_kind_label", "代表認定支援機関の種別"),
    Column("lead_certified", "代表認定支援機関の認定"),
    Column("lenders", "金融機関"),
    Column("main_bank", "メイン行"),
    Column("opened_on", "受付日", "date"),
    Column("accepted_on", "利用決定日", "date"),
    Column("plan_date", "計画日", "date"),
    Column("validity_until", "延長後の有効期限", "date"),
    Column("monitoring_interval_months", "伴走支援の間隔（月）", "int"),
    Column("interim_monitoring", "期中の伴走支援"),
    Column("sessions_held", "実施済みの伴走支援（回）", "int"),
    Column("rule_set", "適用ルール"),
    Column("subsidy", "補助額", "yen"),
    Column("paid", "支払済", "yen"),
    Column("retained", "留保中", "yen"),
]
# the case list's download: the columns of `export cases` (so it imports back) with the program's name
LIST_COLUMNS = [*CASE_COLUMNS[:2], Column("program_label", "事業名"), *CASE_COLUMNS[2:]]
SESSION_COLUMNS = [
    Column("case_id", "案件番号"),
    Column("council", "協議会"),
    Column("company_name", "事業者"),
    Column("seq", "回", "int"),
    Column("kind_label", "種別"),
    Column("nominal_due_on", "本来の期限", "date"),
    Column("due_on", "期限", "date"),
    Column("status_label", "状態"),
    Column("held_on", "実施日", "date"),
    Column("overdue_days", "超過日数", "int"),
]
FINDING_COLUMNS = [
    Column("case", "案件番号"),
    Column("council", "協議会"),
    Column("company", "事業者"),
    Column("state_label", "状態"),
    Column("code_label", "区分"),
    Column("level_label", "緊急度"),
    Column("since", "開始日", "date"),
    Column("days", "日数", "int"),
    Column("waiting_on_label", "対応待ち"),
    Column("coordinator", "担当"),
    Column("message", "内容"),
]
SESSION_STATUS = {"scheduled": "予定", "held": "実施済", "waived": "免除"}
WHAT = ("cases", "monitoring", "findings")


def _cases(ctx: Context, repo: Work, council: str | None, where: Any = ()) -> Iterator[dict[str, Any]]:
    specs = all_workflows()
    for case in repo.audits.export_case_rows(council, where):
        spec = specs.get(case.program)
        track = spec.tracks.get(case.track) if spec else None
        yield {
            **case._asdict(),
            "state_label": spec.states[case.state].ja if spec and case.state in spec.states else case.state,
            "program_label": spec.ja if spec else case.program,
            "track_label": track.ja if track else case.track,
            "lead_kind_label": label(ORG_KIND_LABELS, case.lead_kind),
        }


def _sessions(ctx: Context, repo: Work, council: str | None) -> Iterator[dict[str, Any]]:
    for session in repo.audits.export_session_rows(council):
        overdue = (ctx.today - session.due_on).days if session.status == "scheduled" else 0
        yield {
            **session._asdict(),
            "kind_label": SESSION_KIND_LABELS.get(session.kind, session.kind),
            "status_label": SESSION_STATUS.get(session.status, session.status),
            "overdue_days": max(overdue, 0),
        }


PERSONAL = (
    "coordinator",
    "company_name",
)  # people's names (a sole proprietor's business is its owner's name)


class _Pseudonyms:
    """Stable within one export, unlinkable across exports: a keyed hash with a key thrown away after."""

    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)

    def __call__(self, field: str, value: Any) -> Any:
        if value in (None, ""):
            return value
        digest = hmac.new(self.key, f"{field}\0{value}".encode(), hashlib.sha256).hexdigest()[:10]
        return f"{'担当' if field == 'coordinator' else '事業者'}#{digest}"


def _redacted(rows: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    pseudonym = _Pseudonyms()
    for row in rows:
        yield {**row, **{f: pseudonym(f, row[f]) for f in PERSONAL if f in row}}


def export(
    ctx: Context,
    what: str,
    *,
    fmt: str,
    out: str | None,
    encoding: str = "utf-8",
    council: str | None = None,
    redact: bool = False,
) -> dict[str, Any]:
    """Write the export; every run is recorded in the access log (who, what, how many rows). With
    ``redact`` people's names become pseudonyms (stable within the file, unlinkable across files)."""
    ctx.authorize("case.export")
    if what not in WHAT:
        raise BadInput(
            f"unknown export {what!r} (one of {', '.join(WHAT)})",
            ja=[f"出力の種類「{what}」はありません（{'、'.join(WHAT)} のいずれかです）。"],
        )
    if fmt == "xlsx" and out is None:
        raise BadInput(
            "xlsx needs --out FILE (it is not text)",
            ja=["xlsx は文字で表示できないため --out FILE で書き出してください。"],
        )
    if fmt == "xlsx" and encoding.lower() not in ("utf-8", "utf8"):
        raise BadInput("--encoding applies to CSV only", ja=["--encoding は CSV のときだけ指定できます。"])
    try:
        "".encode(encoding)
    except LookupError:
        raise BadInput(
            f"unknown encoding {encoding!r}", ja=[f"文字コード「{encoding}」は使えません。"]
        ) from None
    if council is not None:
        with ctx.read() as repo:
            check(repo, council=council)
    findings = audit_stalled(ctx, council=council) if what == "findings" else []
    with ctx.read() as repo:
        if what == "cases":
            columns, rows, sheet = CASE_COLUMNS, _cases(ctx, repo, council), "案件"
        elif what == "monitoring":
            columns, rows, sheet = SESSION_COLUMNS, _sessions(ctx, repo, council), "伴走支援"
        else:
            columns, rows, sheet = FINDING_COLUMNS, iter(findings), "要対応"
        if redact:
            rows = _redacted(rows)
        target = Path(out) if out else None
        if fmt == "xlsx":
            assert target is not None
            count = write_xlsx(target, sheet, columns, rows)
        elif target is None:
            count = write_csv(sys.stdout.buffer, columns, rows, encoding)
        else:
            partial = target.with_name(target.name + ".part")
            try:
                with partial.open("wb") as fh:
                    count = write_csv(fh, columns, rows, encoding)
                partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
    ctx.log_access(
        f"export {what}" + (f" --council {council}" if council else "") + (" --redact" if redact else ""),
        count,
    )
    return {
        "export": what,
        "format": fmt,
        "rows": count,
        "file": str(target) if target else None,
        "redacted": redact,
    }


LIST_FORMATS = ("csv", "xlsx")


def export_case_list(
    ctx: Context,
    out: BinaryIO,
    *,
    fmt: str,
    program: str | None = None,
    state: str | None = None,
    coordinator: str | None = None,
    text: str | None = None,
    overdue: bool = False,
    stalled: bool = False,
    open_only: bool = False,
    track: str | None = None,
) -> dict[str, Any]:
    """The case list as its filters choose it (services.case_filters: the web page's filters) — every
    matching case the user may see, not one page — written to ``out`` as CSV (UTF-8 with BOM, CRLF) or
    xlsx, in the columns of `export cases` plus the program's name, and recorded in the access log
    like every export. Rows stream from the database into the writer; no ORM objects."""
    chosen = _case_list_export(
        ctx,
        fmt,
        program=program,
        state=state,
        coordinator=coordinator,
        text=text,
        overdue=overdue,
        stalled=stalled,
        open_only=open_only,
        track=track,
    )
    with ctx.read() as repo:
        rows = _cases(ctx, repo, None, case_conditions(chosen.query(ctx.today), scoped=ctx.scope is not None))
        count = (
            write_xlsx(out, "案件", LIST_COLUMNS, rows)
            if fmt == "xlsx"
            else write_csv(out, LIST_COLUMNS, rows)
        )
    described = chosen.describe()
    ctx.log_access(f"export cases ({fmt}, case list)" + (f" {described}" if described else ""), count)
    return {"export": "cases", "format": fmt, "rows": count, "filters": chosen.as_dict()}


def check_case_list_export(
    ctx: Context,
    *,
    fmt: str,
    program: str | None = None,
    state: str | None = None,
    coordinator: str | None = None,
    text: str | None = None,
    overdue: bool = False,
    stalled: bool = False,
    open_only: bool = False,
    track: str | None = None,
) -> None:
    """What export_case_list checks before it reads a row — the user may export, the format and the
    filters are good — raising as it would, for a HEAD request: nothing is read or written, so no
    access-log row either (nothing is given out)."""
    _case_list_export(
        ctx,
        fmt,
        program=program,
        state=state,
        coordinator=coordinator,
        text=text,
        overdue=overdue,
        stalled=stalled,
        open_only=open_only,
        track=track,
    )


def _case_list_export(ctx: Context, fmt: str, **filters: Any) -> CaseFilter:
    ctx.authorize("case.export")
    if fmt not in LIST_FORMATS:
        raise BadInput(
            f"unknown format {fmt!r} (one of {', '.join(LIST_FORMATS)})",
            ja=[f"形式「{fmt}」はありません（{'、'.join(LIST_FORMATS)} のいずれかです）。"],
        )
    return case_filter(**filters)

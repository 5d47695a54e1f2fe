"""Monitoring sessions: list, record, waive."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from .. import presenters
from ..domain.case_rows import FileColumns, NewDocument, ScheduledSession, SessionHeld, SessionWaived
from ..errors import BadInput, NotFound, Refused
from .closures import calendar_of, calendars
from .context import Context, load_case, stale
from .documents import fingerprint
from .filters import SESSION_STATUSES, check, check_choice

REPORT_KIND = "monitoring_report"  # 伴走支援報告書 (DOMAIN.md §4)


def list_sessions(ctx: Context, **filters: Any) -> list[dict[str, Any]]:
    ctx.authorize("case.read")
    with ctx.read() as repo:
        check(repo, council=filters.get("council"))
        check_choice("session status", filters.get("status"), SESSION_STATUSES, "伴走支援の状態")
        if filters.get("case_id"):
            load_case(repo, filters["case_id"])
        cals = calendars(ctx, repo.reminders)
        return [
            presenters.session_row(s, s.council, ctx.today, cals.get(s.council) or cals[None])
            for s in repo.list_sessions(**filters)
        ]


STATUS_LABELS = {"scheduled": "予定", "held": "実施済み", "waived": "免除"}


def record_session(
    ctx: Context,
    case_id: str,
    seq: int,
    *,
    held_on: dt.date,
    note: str | None,
    report: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Session ``seq`` was held on ``held_on`` (no later than today, not before the plan date). With
    ``report`` (a file), its 伴走支援報告書 is recorded too: a monitoring_report document dated
    ``held_on``, fingerprinted like ``doc add --file``, in the same transaction. ``expected_version``:
    the version of the case the caller looked at (a web form); any other is a Conflict and nothing is
    written."""
    ctx.authorize("case.work")
    report_file = fingerprint(ctx, report, "--report") if report is not None else None
    return _close_session(ctx, case_id, seq, SessionHeld(held_on, note), expected_version, report=report_file)


def waive_session(
    ctx: Context, case_id: str, seq: int, *, reason: str, expected_version: int | None = None
) -> dict[str, Any]:
    ctx.authorize("case.decide")
    if not reason.strip():
        raise BadInput("waiving a session needs a reason", ["免除するには理由を入力してください。"])
    return _close_session(ctx, case_id, seq, SessionWaived(reason), expected_version)


def _close_session(
    ctx: Context,
    case_id: str,
    seq: int,
    change: SessionHeld | SessionWaived,
    expected_version: int | None = None,
    *,
    report: tuple[FileColumns, bytes] | None = None,
) -> dict[str, Any]:
    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        if expected_version is not None and case.version != expected_version:
            raise stale(case_id)
        current = next((s for s in repo.case_sessions(case_id) if s.seq == seq), None)
        if current is None:
            raise NotFound("monitoring session", f"{case_id}#{seq}")
        if current.status != "scheduled":
            raise Refused(
                f"session {seq} of case {case_id} is already {current.status}",
                [f"第{seq}回の伴走支援はすでに{STATUS_LABELS.get(current.status, current.status)}です。"],
            )
        if case.state not in spec.session_states:  # where its sessions are live (DOMAIN.md §11)
            state = spec.states[case.state].ja if case.state in spec.states else case.state
            raise Refused(
                f"case {case_id} is {case.state}: sessions are recorded in {', '.join(spec.session_states)}",
                [f"伴走支援の記録は計画の成立後、終了までの案件でできます（この案件は{state}）。"],
            )
        held_on = change.held_on if isinstance(change, SessionHeld) else None
        if held_on and held_on > ctx.today:
            raise BadInput(
                f"--held-on {held_on} is after today ({ctx.today}): record a session once it has been held",
                [f"実施日 {held_on} が今日（{ctx.today}）より後です。実施してから記録してください。"],
            )
        if held_on and case.plan_date and held_on < case.plan_date:
            raise BadInput(
                f"--held-on {held_on} is before the plan date {case.plan_date}",
                [f"実施日 {held_on} が計画日 {case.plan_date} より前です。"],
            )
        if report is not None and REPORT_KIND not in spec.documents:
            raise BadInput(
                f"program {spec.program} has no {REPORT_KIND} document kind: --report cannot be recorded",
                ja=[f"{spec.ja}には伴走支援報告書の書類の種類がないため、--report を記録できません。"],
            )
        if not repo.update_case(case_id, case.version, {}):
            raise stale(case_id)
        repo.update_session(case_id, seq, change)
        document = None
        if report is not None and held_on is not None:
            file_info, data = report
            doc_id = repo.insert_document(
                NewDocument(
                    case_id=case_id,
                    kind=REPORT_KIND,
                    lender_id=None,
                    on=held_on,
                    recorded_at=ctx.now(),
                    user=ctx.user,
                    session_seq=seq,
                    **asdict(file_info),
                )
            )
            repo.insert_document_file(doc_id, data)
            document = {
                "id": doc_id,
                "kind": REPORT_KIND,
                "label": spec.documents[REPORT_KIND].ja,
                "on": held_on,
                "file": file_info.file_path,
                "sha256": file_info.file_sha256,
                "file_name": file_info.file_name,
                "file_type": file_info.file_type,
                "session": seq,
            }
        row = next(s for s in repo.case_sessions(case_id) if s.seq == seq)
        calendar = calendar_of(ctx, repo, case.council)
    out = presenters.session_row(row, case.council, ctx.today, calendar)
    if isinstance(change, SessionHeld):
        out["report"] = document
    return out


def set_explicit_schedule(ctx: Context, case_id: str, dates: list[dt.date]) -> list[dict[str, Any]]:
    """Replace a 405 case's sessions by a schedule agreed with the banks (before any is held or waived)."""
    ctx.authorize("case.work")
    from ..domain.schedule import ScheduleRefused, explicit_sessions
    from .closures import council_calendar

    with ctx.write() as repo:
        case, spec = load_case(repo, case_id)
        if spec.program != "405":
            raise Refused(
                f"case {case_id} is {spec.program}: explicit schedules are for 405 cases",
                ja=[
                    f"案件 {case_id} は405事業の案件ではありません。伴走支援の日程を個別に決められるのは405事業の案件だけです。"
                ],
            )
        if case.state not in spec.session_states:
            raise Refused(
                f"case {case_id} is {case.state}: a schedule is agreed between the plan date and "
                f"the end of monitoring ({', '.join(spec.session_states)})",
                ja=[
                    f"案件 {case_id} は{spec.states[case.state].ja}です。伴走支援の日程は計画の成立後、伴走支援の終了までに決めます。"
                ],
            )
        if case.plan_date is None:
            raise Refused(
                f"case {case_id} has no plan date yet (set by {spec.plan_date_event})",
                ja=[f"案件 {case_id} にはまだ計画日がありません。"],
            )
        current = repo.case_sessions(case_id)
        if any(s.status != "scheduled" for s in current):
            raise Refused(
                f"case {case_id} already has held or waived sessions; its schedule can no longer change",
                ja=[f"案件 {case_id} には実施済みまたは免除の回があるため、日程はもう変更できません。"],
            )
        rules = spec.rule_set(case.rule_set).values
        cal = council_calendar(ctx, repo.reminders, case.council)
        try:
            planned = explicit_sessions(
                case.plan_date,
                sorted(dates),
                case.window_months or int(rules["window_months"]),
                is_closed=cal.is_closed,
            )
        except ScheduleRefused as exc:
            raise Refused(
                f"schedule refused for case {case_id}: {exc}",
                str(exc).split("; "),
                ja=[
                    f"案件 {case_id} の伴走支援の日程を受け付けられません（各回の間は1〜12か月、最後の回は伴走支援の期間内）："
                    + "、".join(exc.ja)
                ],
            ) from None
        if not repo.update_case(case_id, case.version, {}):
            raise stale(case_id)
        repo.replace_sessions(
            case_id, [ScheduledSession(s.seq, s.kind, s.nominal_due_on, s.due_on) for s in planned]
        )
        return [presenters.session_row(s, case.council, ctx.today, cal) for s in repo.case_sessions(case_id)]

"""The stalled-case audit (DOMAIN.md §9): what needs someone to act, why, since when, and who it is
waiting on. Pure: the store streams typed records in (domain.audit_records; ``whatif`` its own cases),
thresholds come from the workflow data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from . import deadlines

CODES = ("stalled", "claim_deadline", "validity", "monitoring_overdue", "holdback_open")


class Finding(NamedTuple):
    """One finding. A named tuple: the audit builds one per case in trouble, ×100,000 at national size,
    and a tuple is the cheapest immutable record to build and to keep for sorting."""

    case: str
    council: str
    state: str
    code: str
    since: dt.date
    days: int
    waiting_on: str
    message: str
    overdue: bool  # a deadline passed or a session overdue (listed before mere warnings)
    coordinator: str | None = None
    program: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "council": self.council,
            "state": self.state,
            "code": self.code,
            "since": self.since,
            "days": self.days,
            "waiting_on": self.waiting_on,
            "message": self.message,
            "level": "overdue" if self.overdue else "warning",
            "coordinator": self.coordinator,
            "program": self.program,
        }


class Named(Protocol):
    """What a finding names of its case (a record of domain.audit_records has these fields)."""

    @property
    def id(self) -> str: ...
    @property
    def council(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def coordinator(self) -> str | None: ...
    @property
    def program(self) -> str: ...


class Dated(Named, Protocol):
    """A case with the dates its own findings count from: its state's start, acceptance, extended validity."""

    @property
    def state_since(self) -> dt.date: ...
    @property
    def accepted_on(self) -> dt.date | None: ...
    @property
    def validity_until(self) -> dt.date | None: ...


@dataclass(frozen=True)
class StateInfo:
    label: str
    waiting_on: str | None
    stall_days: int | None


def urgency(f: Finding) -> tuple[int, int, str, str]:
    return (0 if f.overdue else 1, -f.days, f.case, f.code)


def case_findings(
    case: Dated,
    state: StateInfo,
    rules: Mapping[str, Any],
    today: dt.date,
    *,
    claim_open_in: Sequence[str] = (),
    validity_open_in: Sequence[str] = (),
    missing_consents: Sequence[str] = (),
) -> list[Finding]:
    """Findings about the case itself (stall, deadlines); sessions and holdbacks have their own."""
    out = []
    ident = (case.id, case.council, case.state)  # a Finding's first three fields
    who = (case.coordinator, case.program)  # and its last two
    if state.stall_days is not None and state.waiting_on:
        days = (today - case.state_since).days
        if days > state.stall_days:
            detail = ""
            if case.state == "negotiating" and missing_consents:
                detail = f"。同意書が未提出の金融機関：{'、'.join(missing_consents)}"
            message = f"「{state.label}」のまま{days}日経過しています（目安{state.stall_days}日）{detail}"
            out.append(
                Finding(*ident, "stalled", case.state_since, days, state.waiting_on, message, False, *who)
            )
    accepted = case.accepted_on
    if accepted and case.state in claim_open_in and "claim_deadline_months" in rules:
        warn = deadlines.claim_deadline_warning(accepted, rules)
        if today >= warn:
            deadline = deadlines.claim_deadline(accepted, rules)
            passed = today > deadline
            message = (
                f"支払申請期限 {deadline} を{(today - deadline).days}日過ぎています（失効の対象）"
                if passed
                else f"支払申請期限 {deadline} まであと{(deadline - today).days}日です"
                f"（利用決定 {accepted} から{rules['claim_deadline_months']}か月）"
            )
            out.append(
                Finding(
                    *ident, "claim_deadline", warn, (today - warn).days, "support_org", message, passed, *who
                )
            )
    if accepted and case.state in validity_open_in and "validity_months" in rules:
        until = case.validity_until
        warn = deadlines.validity_warning(accepted, until, rules)
        if today >= warn:
            end = deadlines.validity_end(accepted, until, rules)
            passed = today > end
            extended = "（延長後）" if until else ""
            message = (
                f"利用申請の有効期限{extended} {end} を{(today - end).days}日過ぎています（失効の対象）"
                if passed
                else f"利用申請の有効期限{extended} {end} まであと{(end - today).days}日です"
            )
            out.append(
                Finding(*ident, "validity", warn, (today - warn).days, "support_org", message, passed, *who)
            )
    return out


def session_finding(
    case: Named, seq: int, due: dt.date, today: dt.date, rules: Mapping[str, Any]
) -> Finding | None:
    """Session ``seq`` of the case, still scheduled, after its due date ``due``. From
    ``monitoring_escalation_days`` days late (a rule-set value; none: never) the coordinator is asked to act
    too."""
    if today <= due:
        return None
    days = (today - due).days
    escalate = rules.get("monitoring_escalation_days")
    escalated = (
        f"（{escalate}日以上：コーディネーターも対応）" if escalate is not None and days >= escalate else ""
    )
    message = f"伴走支援 第{seq}回（期限 {due}）が{days}日経過しても未実施です{escalated}"
    return Finding(
        case.id,
        case.council,
        case.state,
        "monitoring_overdue",
        due,
        days,
        "support_org",
        message,
        True,
        case.coordinator,
        case.program,
    )


def holdback_finding(
    case: Named, rules: Mapping[str, Any], decided_on: dt.date, outstanding: int, today: dt.date
) -> Finding | None:
    if outstanding <= 0 or "holdback_open_warn_months" not in rules:
        return None
    since = deadlines.holdback_warning(decided_on, rules)
    if today < since:
        return None
    return Finding(
        case=case.id,
        council=case.council,
        state=case.state,
        code="holdback_open",
        since=since,
        days=(today - since).days,
        waiting_on="support_org",
        overdue=False,
        coordinator=case.coordinator,
        program=case.program,
        message=f"計画策定支援費用の留保額 {outstanding:,}円 が、支払決定 {decided_on} から"
        f"{rules['holdback_open_warn_months']}か月を過ぎても伴走支援費用の決定がなく未払いです",
    )

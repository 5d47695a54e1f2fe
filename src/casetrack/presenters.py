"""Plain dicts for output (JSON keys of CLI.md): records in, dicts out. No I/O — what a view needs is
read before, in the use case's one transaction — and no formatting of tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .business_days import BusinessCalendar
from .domain.case_records import CaseRecords
from .domain.case_rows import (
    CaseWithCompany,
    FeeClaim,
    HistoryRow,
    LedgerEntry,
    ListedSession,
    MonitoringSession,
)
from .domain.labels import (
    OUTBOX_STATUS,
    RECIPIENT_ROLES,
    REMINDER_ITEMS,
    SESSION_KINDS,
    SESSION_STATUS,
    label,
)
from .domain.ledger import Entry, problems, totals
from .domain.schedule import closed_days_passed
from .workflow.spec import WorkflowSpec

if TYPE_CHECKING:
    from .domain.reminder_records import OutboxMessage

OUTBOX_KEYS = (
    "id",
    "status",
    "case_id",
    "item",
    "item_ref",
    "rung",
    "due_on",
    "send_on",
    "recipient_role",
    "to_addr",
    "subject",
    "message_id",
    "attempts",
    "last_error",
    "created_at",
    "sent_at",
)


def case_row(case: CaseWithCompany) -> dict[str, Any]:
    return {
        "id": case.id,
        "program": case.program,
        "track": case.track,
        "council": case.council,
        "state": case.state,
        "state_since": case.state_since,
        "company": {"id": case.company_id, "name": case.company_name},
        "coordinator": case.coordinator,
        "opened_on": case.opened_on,
        "accepted_on": case.accepted_on,
        "plan_date": case.plan_date,
    }


def session_row(
    s: MonitoringSession, council: str, today: dt.date, calendar: BusinessCalendar
) -> dict[str, Any]:
    """One monitoring session of a case of ``council``; ``calendar`` is that council's, to say why a
    moved due date moved. A listed session (``Repo.list_sessions``) names its company too."""
    overdue = (today - s.due_on).days if s.status == "scheduled" and today > s.due_on else 0
    return {
        "case": s.case_id,
        "council": council,
        **({"company": s.company_name} if isinstance(s, ListedSession) else {}),
        "seq": s.seq,
        "kind": s.kind,
        "kind_label": label(SESSION_KINDS, s.kind),
        "status_label": label(SESSION_STATUS, s.status),
        "nominal_due_on": s.nominal_due_on,
        "due_on": s.due_on,
        "status": s.status,
        "held_on": s.held_on,
        "overdue_days": overdue,
        "note": s.note,
        "waive_reason": s.waive_reason,
        "moved_because": moved_because(s.nominal_due_on, s.due_on, calendar),
    }


def moved_because(nominal: dt.date, due: dt.date, calendar: BusinessCalendar) -> list[dict[str, Any]]:
    """Each closed day a due date moved over, nominal date first: [{"day", "reasons"}] (DOMAIN.md §8)."""
    return [
        {"day": day, "reasons": list(reasons)}
        for day, reasons in closed_days_passed(nominal, due, calendar.reasons_closed)
    ]


def history_row(h: HistoryRow) -> dict[str, Any]:
    return {
        "seq": h.seq,
        "event": h.event,
        "from": h.from_state,
        "to": h.to_state,
        "effective_on": h.effective_on,
        "recorded_at": h.recorded_at,
        "user": h.user,
        "note": h.note,
        "reason": h.reason,
        "until": h.until,
        "rule_set": h.rule_set,
        "corrects": h.corrects,
    }


def outbox_row(m: OutboxMessage, rung_label: str) -> dict[str, Any]:
    """One message as ``outbox list`` shows it (CLI.md keys), with the labels people read."""
    return {
        **{k: getattr(m, k) for k in OUTBOX_KEYS},
        "status_label": label(OUTBOX_STATUS, m.status),
        "item_label": label(REMINDER_ITEMS, m.item),
        "rung_label": rung_label,
        "recipient_role_label": label(RECIPIENT_ROLES, m.recipient_role),
    }


def money_view(
    claims: Sequence[FeeClaim], entries: Sequence[LedgerEntry], caps: Mapping[str, int]
) -> dict[str, Any]:
    """Per component and in total: fees claimed, subsidies decided, paid, retained outstanding,
    company share; the ledger itself and whether it balances."""
    components: dict[str, dict[str, int]] = {}

    def comp(name: str) -> dict[str, int]:
        return components.setdefault(
            name,
            {
                "fee": 0,
                "subsidy": 0,
                "paid": 0,
                "retained": 0,
                "company_share": 0,
                "released": 0,
                "pending_fee": 0,
            },
        )

    for c in claims:
        if c.status == "claimed":
            comp(c.component)["pending_fee"] += c.fee
    for e in entries:
        row = comp(e.component)
        row["fee"] += e.fee
        row["subsidy"] += e.subsidy
        row["paid"] += e.paid
        row["retained"] += e.retained
        row["company_share"] += e.company_share
        row["released"] += e.released
    released = sum(e.released for e in entries)
    if released:  # the holdback was the plan's: show it paid there, and the release on the monitoring row
        plan = comp("plan")
        plan["paid"] += released
        plan["retained"] -= released
    ledger_entries = [entry_of(e) for e in entries]
    t = totals(ledger_entries)
    return {
        "components": components,
        "fee_total": t.fee,
        "subsidy_total": t.subsidy,
        "paid_total": t.paid,
        "retained_total": t.retained,
        "company_share_total": t.company_share,
        "pending_fee_total": sum(c["pending_fee"] for c in components.values()),
        "ledger": [
            {
                k: getattr(e, k)
                for k in (
                    "claim_id",
                    "component",
                    "fee",
                    "eligible",
                    "subsidy",
                    "paid",
                    "retained",
                    "released",
                    "company_share",
                    "limits",
                    "on",
                    "user",
                )
            }
            for e in entries
        ],
        "balanced": not problems(ledger_entries, caps),
    }


def entry_of(row: LedgerEntry) -> Entry:
    return Entry(
        row.claim_id,
        row.component,
        row.fee,
        row.subsidy,
        row.paid,
        row.retained,
        row.released,
        row.company_share,
    )


def case_view(
    records: CaseRecords, spec: WorkflowSpec, today: dt.date, calendar: BusinessCalendar
) -> dict[str, Any]:
    """One case as `case show` gives it; ``calendar`` is its council's business calendar."""
    case, company, docs = records.case, records.company, records.documents
    consent: dict[int, dt.date] = {}
    for d in docs:
        if d.kind == "consent_letter" and d.lender_id is not None:
            consent[d.lender_id] = max(consent.get(d.lender_id, d.on), d.on)
    state = spec.states[case.state]
    return {
        "id": case.id,
        "program": case.program,
        "track": case.track,
        "council": case.council,
        "state": case.state,
        "state_label": state.ja,
        "state_since": case.state_since,
        "waiting_on": state.waiting_on,
        "rule_set": case.rule_set,
        "company": {
            "id": company.id if company else None,
            "name": company.name if company else None,
            "corporate_number": company.corporate_number if company else None,
            "fiscal_year_end_month": company.fiscal_year_end_month if company else None,
        },
        "coordinator": case.coordinator,
        "opened_on": case.opened_on,
        "accepted_on": case.accepted_on,
        "plan_date": case.plan_date,
        "validity_until": case.validity_until,
        "version": case.version,
        "support_orgs": [
            {"id": s.org_id, "name": s.name, "lead": s.lead, "certified": s.certified}
            for s in records.support_orgs
        ],
        "lenders": [
            {
                "id": x.org_id,
                "name": x.name,
                "main": x.main,
                "guaranteed": x.guaranteed,
                "consented_on": consent.get(x.org_id),
            }
            for x in records.lenders
        ],
        "agreements": [
            {
                "lender_id": a.lender_id,
                "lender": a.name,
                "kind": a.kind,
                "kind_label": spec.support_kinds[a.kind].ja if a.kind in spec.support_kinds else a.kind,
                "note": a.note,
                "on": a.on,
            }
            for a in records.agreements
        ],
        "estimates": dict(records.estimates),
        "documents": [
            {
                "id": d.id,
                "kind": d.kind,
                "label": spec.documents[d.kind].ja,
                "lender_id": d.lender_id,
                "on": d.on,
                "file": d.file_path or d.file_name,
                "file_name": d.file_name,
                "file_type": d.file_type,
                "size": d.file_size,
                "sha256": d.file_sha256,
                "stored": bool(d.stored),
                "session": d.session_seq,
            }
            for d in docs
        ],
        "monitoring": [session_row(s, case.council, today, calendar) for s in records.sessions],
        "money": money_view(records.claims, records.ledger, spec.rule_set(case.rule_set).caps(case.track)),
    }

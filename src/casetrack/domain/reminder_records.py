"""What ``ReminderRepo`` takes and returns (DOMAIN.md §9): on the outbox's path a message to enqueue, a
superseded rung recorded as skipped, a message as the outbox holds it (delivered, claimed or listed),
a delivery's outcome, the sweep lease and a finished sweep; around it the people and places a message
names (supervisors, councils), the digest's coming sessions and the council closures. Plain frozen
values: the store fills them from its rows and writes them as they are; nothing here reads a clock or
a database.

The two records a sweep writes by the tens of thousands (``NewMessage``, ``SkippedRung``) are
NamedTuples, so the bulk insert hands them to the driver as they are; their field names are the
outbox's column names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple


class NewMessage(NamedTuple):
    """One e-mail to enqueue: rendered now (what ``outbox list`` and previews show is what goes), with
    its Message-ID fixed for every retry. ``status`` is ``pending``, or ``dead`` with ``last_error``
    when there is no address to send to."""

    key: str
    case_id: str | None
    item: str
    item_ref: str
    rung: str
    due_on: dt.date
    send_on: dt.date
    recipient_role: str
    to_addr: str | None
    to_name: str | None
    subject: str
    body: str
    message_id: str
    status: str
    last_error: str | None
    reply_to: str | None
    written_on: dt.date
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    attempts: int = 0


class SkippedRung(NamedTuple):
    """A rung superseded before it was sent (catch-up): recorded in the outbox as ``skipped`` with the
    reason, so no later sweep sends it. It has no subject, body or Reply-To: it never goes."""

    key: str
    case_id: str
    item: str
    item_ref: str
    rung: str
    due_on: dt.date
    send_on: dt.date
    recipient_role: str
    to_addr: str | None
    to_name: str | None
    message_id: str
    last_error: str


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One outbox row as stored: what delivery sends (claimed or not) and ``outbox list`` shows."""

    id: int
    key: str
    case_id: str | None
    item: str
    item_ref: str
    rung: str
    due_on: dt.date
    send_on: dt.date
    recipient_role: str
    to_addr: str | None
    to_name: str | None
    subject: str
    body: str
    message_id: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    last_error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    claimed_by: str | None
    claim_until: dt.datetime | None
    written_on: dt.date | None
    reply_to: str | None
    retried_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class HeldLease:
    """Who holds a lease (the sweep's) and until when."""

    name: str
    holder: str
    acquired_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class FinishedSweep:
    """One finished sweep (a scheduler tick or ``remind run``): what ``doctor`` reads. ``id`` is None
    until it is recorded."""

    holder: str
    as_of: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime
    enqueued: int
    sent: int
    failed: int
    dead: int
    dropped: int
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one delivery settles on a pending message: its status (``pending`` again for a retry at
    ``next_attempt_at``; ``sent``, ``dead``, ``dropped`` or ``skipped``), the attempts made so far, the
    last reply or reason, and when it was sent."""

    status: str
    attempts: int
    last_error: str | None
    sent_at: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Supervisor:
    """An active supervisor of ``council`` (their own or one they act for): who gets the escalations of a
    case without a coordinator, and the decisions waiting on the council."""

    name: str
    display_name: str | None
    email: str | None
    council: str


@dataclass(frozen=True, slots=True)
class CouncilContact:
    """How a council signs its e-mails."""

    name: str
    address: str
    phone: str


@dataclass(frozen=True, slots=True)
class UpcomingSession:
    """A scheduled monitoring session coming up (the weekly digest's list)."""

    case_id: str
    seq: int
    due_on: dt.date
    coordinator: str | None
    company_name: str


@dataclass(frozen=True, slots=True)
class ClosureDay:
    """A day a council (None: every council) is closed beyond the national calendar, and why."""

    day: dt.date
    council: str | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class ScheduledSession:
    """A scheduled session that a new or removed closure may move: its nominal and current due dates."""

    case_id: str
    seq: int
    nominal_due_on: dt.date
    due_on: dt.date
    council: str


@dataclass(frozen=True, slots=True)
class DueItem:
    """A case with a reminder item open (DOMAIN.md §9), as a sweep reads it: the case with its company,
    lead support org and coordinator (what a message says and whom it goes to); for a session item the
    session (``seq`` to ``due_on``), for a holdback item what is still held back and when it was decided."""

    case_id: str
    program: str
    track: str
    council: str
    state: str
    coordinator: str | None
    accepted_on: dt.date | None
    validity_until: dt.date | None
    rule_set: str
    state_since: dt.date
    plan_date: dt.date | None
    company_name: str
    lead_name: str | None
    lead_email: str | None
    coordinator_email: str | None
    coordinator_display: str | None
    seq: int | None = None
    kind: str | None = None
    nominal_due_on: dt.date | None = None
    due_on: dt.date | None = None
    retained: int = 0
    decided_on: dt.date | None = None

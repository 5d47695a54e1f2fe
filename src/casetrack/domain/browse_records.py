"""What ``BrowseRepo`` returns: a case of the case list's page, a session due on the Today page, and the
supervisor's waiting queues (a case waiting on the council, a fee claim waiting for 費用の決定). Plain
frozen values filled by the store from its rows, field for field (their names are the query's column
labels); nothing here reads a clock or a database. NamedTuples: a page or a queue is read whole and
shown once."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple


class ListedCase(NamedTuple):
    """One case of the case list's page, with its company."""

    id: str
    program: str
    track: str
    council: str
    state: str
    state_since: dt.date
    coordinator: str | None
    opened_on: dt.date
    accepted_on: dt.date | None
    plan_date: dt.date | None
    company_id: int
    company_name: str
    corporate_number: str | None


class SessionDue(NamedTuple):
    """A scheduled monitoring session coming up (the Today page's list): its nominal due date and the
    one a closure moved it to, with its case and company."""

    case_id: str
    seq: int
    kind: str
    nominal_due_on: dt.date
    due_on: dt.date
    program: str
    council: str
    coordinator: str | None
    company_name: str


class WaitingCase(NamedTuple):
    """A case waiting on the council (a decision, or the 再利用承認) since it entered its state."""

    id: str
    program: str
    council: str
    state: str
    state_since: dt.date
    coordinator: str | None
    company_name: str


class WaitingClaim(NamedTuple):
    """A fee claim still claimed that a supervisor decides (`fee decide`), with its case (``id``) and
    company; ``session_seq`` names the monitoring session a per-session claim is for."""

    claim_id: int
    component: str
    fee: int
    claimed_on: dt.date
    session_seq: int | None
    id: str
    program: str
    council: str
    state: str
    coordinator: str | None
    company_name: str

"""What ``SignInRepo`` takes and returns: a user as sign-in reads them, a session to store, a live
session with what its user may do and what their pages remember, and the sessions listed on the user's
own page. Plain frozen values: the store fills them from its rows; nothing here reads a clock or a
database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SignInUser:
    """A staff member as the password check reads them (``password_hash`` None: no password set)."""

    name: str
    role: str
    active: bool
    password_hash: str | None
    must_change_password: bool


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session to store at sign-in: ``id`` is the SHA-256 of its cookie's token, never the token;
    where it signed in (the client's address and browser) is kept for the user's own page."""

    id: str
    user_name: str
    csrf_token: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    client_ip: str | None
    user_agent: str | None


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A stored session with its user: their role, whether they are still active or must change a
    temporary password, the councils they act for (their own and any further ones), what their pages
    remember (``case_filters``, a query string) and the one-time message a form left (``flash``)."""

    id: str
    user_name: str
    csrf_token: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    flash: str | None
    role: str
    active: bool
    must_change_password: bool
    case_filters: str | None
    councils: frozenset[str]


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """One of a user's sessions as their own page lists it."""

    id: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    client_ip: str | None
    user_agent: str | None

"""Sign-in data for the web dashboard: sessions (by the SHA-256 of their cookie's token) and failed
sign-ins. Inside the caller's transaction, never committing, like every repository."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import bindparam, delete, func, insert, select, update

from ..domain.signin_records import LiveSession, NewSession, SessionEntry, SignInUser
from . import schema
from .db import set_acting_user, set_browser_session
from .repo import user_councils, users
from .scope import ScopedRepo

web_sessions = schema.web_session
failures = schema.login_failure


class SignInRepo(ScopedRepo):
    """Not council data: a user's own sessions and failed sign-ins (the unit of work builds it in the
    scope of no council)."""

    def acting_for(self, user: str, session: str | None) -> SignInRepo:
        """This repository, with row-level security (PostgreSQL) showing ``user``'s staff row and sessions
        and the browser's own ``session`` (migration 0018): a sign-in acts before anyone is known."""
        set_acting_user(self.conn, user)
        if session:
            set_browser_session(self.conn, session)
        return self

    # -- users ------------------------------------------------------------------------------------
    def user(self, name: str) -> SignInUser | None:
        query = select(
            users.c.name, users.c.role, users.c.active, users.c.password_hash, users.c.must_change_password
        ).where(users.c.name == name)
        row = self.conn.execute(query).mappings().first()
        return SignInUser(**row) if row else None

    # -- sessions ---------------------------------------------------------------------------------
    def insert_session(self, session: NewSession) -> None:
        self.conn.execute(insert(web_sessions).values(**dataclasses.asdict(session)))

    def session(self, session_id: str) -> LiveSession | None:
        """The session with its user's role, councils (their own and any further ones), what their pages
        remember and whether the user is still active. Looked up before anyone is known: on PostgreSQL
        the browser's session shows itself, then its user acts for the rest of the transaction (row-level
        security, migration 0018)."""
        set_browser_session(self.conn, session_id)
        owner = self.conn.execute(
            select(web_sessions.c.user_name).where(web_sessions.c.id == session_id)
        ).scalar()
        if owner is None:
            return None
        set_acting_user(self.conn, owner)
        query = (
            select(
                web_sessions.c.id,
                web_sessions.c.user_name,
                web_sessions.c.csrf_token,
                web_sessions.c.created_at,
                web_sessions.c.last_seen_at,
                web_sessions.c.flash,
                users.c.role,
                users.c.active,
                users.c.must_change_password,
                users.c.case_filters,
                users.c.council,
            )
            .join(users, users.c.name == web_sessions.c.user_name)
            .where(web_sessions.c.id == session_id)
        )
        row = self.conn.execute(query).mappings().first()
        if row is None:
            return None
        more: list[str] = list(
            self.conn.execute(
                select(user_councils.c.council).where(user_councils.c.user_name == owner)
            ).scalars()
        )
        fields = {k: v for k, v in row.items() if k != "council"}
        return LiveSession(**fields, councils=frozenset({row["council"], *more}))

    def set_flash(self, session_id: str, flash: str | None) -> None:
        self.conn.execute(update(web_sessions).where(web_sessions.c.id == session_id).values(flash=flash))

    def touch(self, session_id: str, at: dt.datetime) -> None:
        self.conn.execute(update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=at))

    def end_session(self, session_id: str) -> int:
        return int(self.conn.execute(delete(web_sessions).where(web_sessions.c.id == session_id)).rowcount)

    def end_sessions_of(self, user: str) -> int:
        return int(self.conn.execute(delete(web_sessions).where(web_sessions.c.user_name == user)).rowcount)

    def end_sessions_but(self, user: str, keep: str | None) -> int:
        """End every session of ``user`` except ``keep`` (a password change: a stolen session ends too)."""
        query = delete(web_sessions).where(web_sessions.c.user_name == user)
        if keep is not None:
            query = query.where(web_sessions.c.id != keep)
        return int(self.conn.execute(query).rowcount)

    def list_sessions(self, user: str) -> list[SessionEntry]:
        query = (
            select(
                web_sessions.c.id,
                web_sessions.c.created_at,
                web_sessions.c.last_seen_at,
                web_sessions.c.client_ip,
                web_sessions.c.user_agent,
            )
            .where(web_sessions.c.user_name == user)
            .order_by(web_sessions.c.created_at.desc())
        )
        return [SessionEntry(**r) for r in self.conn.execute(query).mappings()]

    def end_idle(self, seen_before: dt.datetime) -> int:
        """End every session (anyone's) last used before ``seen_before``. On PostgreSQL through a function
        run as the tables' owner: row-level security shows the signing-in user only their own."""
        if self.conn.dialect.name == "postgresql":
            at = bindparam("t", seen_before, type_=web_sessions.c.last_seen_at.type)
            return int(self.conn.execute(select(func.casetrack_end_idle_sessions(at))).scalar() or 0)
        return int(
            self.conn.execute(delete(web_sessions).where(web_sessions.c.last_seen_at < seen_before)).rowcount
        )

    def sessions_of(self, user: str) -> int:
        query = select(func.count()).select_from(web_sessions).where(web_sessions.c.user_name == user)
        return int(self.conn.execute(query).scalar_one())

    # -- failed sign-ins --------------------------------------------------------------------------
    def failures_since(self, user: str, since: dt.datetime) -> list[dt.datetime]:
        query = (
            select(failures.c.at)
            .where(failures.c.user_name == user, failures.c.at >= since)
            .order_by(failures.c.at)
        )
        return list(self.conn.execute(query).scalars())

    def add_failure(self, user: str, at: dt.datetime) -> None:
        self.conn.execute(insert(failures).values(user_name=user, at=at))

    def clear_failures(self, user: str) -> None:
        self.conn.execute(delete(failures).where(failures.c.user_name == user))

    def prune_failures(self, before: dt.datetime) -> None:
        self.conn.execute(delete(failures).where(failures.c.at < before))

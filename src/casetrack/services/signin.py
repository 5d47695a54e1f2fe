"""Sign-in for the web dashboard: the password check with its lockout, server-side sessions that end
after an idle time, and the CSRF token of each session.

These run before anyone is known, so they ask the policy for no action: they read only users' names,
roles, activity and password hashes, and write only sessions and failed sign-ins — never case data
(on PostgreSQL their transactions see no council)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..domain.signin import (
    AGENT_MAX,
    IP_MAX,
    SignInRules,
    bounded,
    describe_browser,
    locked_until,
    session_expired,
)
from ..domain.signin_records import NewSession
from ..errors import Refused
from ..settings import Settings
from ..store.signin import SignInRepo
from . import passwords
from .context import Context

TOUCH_EVERY = dt.timedelta(seconds=60)  # a session's last use is written at most this often
NAME_MAX = 64


class SignInRefused(Refused):
    """Wrong user name or password, or a disabled user (the message never says which name exists)."""

    slug = "sign_in_refused"


class UserDisabled(SignInRefused):
    """The password was right, but an admin disabled the user."""

    slug = "user_disabled"


class LockedOut(Refused):
    slug = "locked_out"

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(f"too many failed sign-ins: locked until {until.isoformat(timespec='seconds')}")
        self.until = until


@dataclass(frozen=True)
class WebSession:
    user: str
    role: str
    csrf_token: str
    token: str  # the cookie's value (only its SHA-256 is stored)
    must_change: bool = False  # signed in with a temporary password: every page but /me waits for a new one
    flash: str | None = None  # the one-time message a form left for the next page (JSON), see put_flash
    councils: frozenset[str] | None = None  # the councils the user acts for, when read with the session
    remembered: str | None = None  # what the user's pages remember (a query string), when read with it


def rules(settings: Settings) -> SignInRules:
    web = settings.web
    return SignInRules(
        idle=dt.timedelta(minutes=web.idle_minutes),
        max_age=dt.timedelta(hours=web.max_age_hours),
        max_failures=web.max_failures,
        failure_window=dt.timedelta(minutes=web.failure_window_minutes),
        lockout=dt.timedelta(minutes=web.lockout_minutes),
    )


def sign_in(
    ctx: Context,
    password: str,
    *,
    now: dt.datetime,
    client_ip: str | None = None,
    user_agent: str | None = None,
) -> WebSession:
    """Sign ``ctx.user`` in: a new session, or SignInRefused / LockedOut (exit 1) with nothing but a
    failure recorded. A user name that does not exist fails exactly as a wrong password does. The
    session keeps where it signed in: the client's address and its browser's User-Agent (cut to 200
    characters), for the user's own page."""
    name = ctx.user.strip()[:NAME_MAX]
    r = rules(ctx.settings)
    with _unit(ctx, write=False, user=name) as repo:
        until = locked_until(repo.failures_since(name, now - r.lookback), now, r)
        user = repo.user(name) if until is None else None
    if until is not None:
        raise LockedOut(until)
    ok = passwords.verify_password(password, user.password_hash if user else _decoy_hash())
    if user is None or not ok:
        with _unit(ctx, write=True, user=name) as repo:
            repo.add_failure(name, now)
            repo.prune_failures(now - r.lookback - dt.timedelta(days=1))
        raise SignInRefused("wrong user name or password", ja=["ユーザー名またはパスワードが違います。"])
    if not user.active:
        raise UserDisabled(f"user {name} is disabled", ja=["ユーザー名またはパスワードが違います。"])
    session = WebSession(
        user.name, user.role, secrets.token_urlsafe(32), secrets.token_urlsafe(32), user.must_change_password
    )
    with _unit(ctx, write=True, user=session.user) as repo:
        repo.clear_failures(name)
        repo.end_idle(now - r.idle)
        repo.insert_session(
            NewSession(
                _digest(session.token),
                session.user,
                session.csrf_token,
                now,
                now,
                bounded(client_ip, IP_MAX),
                bounded(user_agent, AGENT_MAX),
            )
        )
    return session


def check_password(ctx: Context, name: str, password: str) -> bool:
    """Whether ``password`` is ``name``'s (the current password, asked before changing it)."""
    with _unit(ctx, write=False, user=name) as repo:
        user = repo.user(name)
    return passwords.verify_password(password, user.password_hash if user else _decoy_hash())


def resume_session(ctx: Context, token: str | None, *, now: dt.datetime) -> WebSession | None:
    """The live session the cookie's ``token`` names, or None. A session idle too long, too old, or of
    a user since disabled ends here (a disabled user's every session)."""
    if not token or len(token) > 200:
        return None
    sid = _digest(token)
    with _unit(ctx, write=False, session=sid) as repo:
        row = repo.session(sid)
    if row is None:
        return None
    r = rules(ctx.settings)
    if not row.active or session_expired(row.created_at, row.last_seen_at, now, r):
        with _unit(ctx, write=True, user=row.user_name, session=sid) as repo:
            if row.active:
                repo.end_session(sid)
            else:
                repo.end_sessions_of(row.user_name)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        with _unit(ctx, write=True, user=row.user_name, session=sid) as repo:
            repo.touch(sid, now)
    return WebSession(
        row.user_name,
        row.role,
        row.csrf_token,
        token,
        row.must_change_password,
        row.flash,
        row.councils,
        row.case_filters or "",
    )


def sign_out(ctx: Context, token: str | None) -> bool:
    if not token:
        return False
    with _unit(ctx, write=True, session=_digest(token)) as repo:
        return repo.end_session(_digest(token)) > 0


def csrf_ok(session: WebSession, submitted: str | None) -> bool:
    """The form carries this session's CSRF token (compared in constant time)."""
    return bool(submitted) and hmac.compare_digest(session.csrf_token.encode(), str(submitted).encode())


def sessions_of(ctx: Context, user: str) -> int:
    """How many live sessions ``user`` has (for tests and the health of the sign-in tables)."""
    with _unit(ctx, write=False, user=user) as repo:
        return repo.sessions_of(user)


HANDLE = 16  # the hex digits of a session's id shown on the user's own page to name it


def my_sessions(ctx: Context, session: WebSession) -> list[dict[str, Any]]:
    """The signed-in sessions of ``session``'s user, newest first, the current one marked. A session is
    named by the first digits of its id (the SHA-256 of its cookie), never by its cookie."""
    current = _digest(session.token)
    with _unit(ctx, write=False, user=session.user) as repo:
        rows = repo.list_sessions(session.user)
    return [
        {
            "handle": r.id[:HANDLE],
            "created_at": r.created_at,
            "last_seen_at": r.last_seen_at,
            "current": r.id == current,
            "client_ip": r.client_ip,
            "user_agent": r.user_agent,
            "browser": describe_browser(r.user_agent),
        }
        for r in rows
    ]


def end_my_session(ctx: Context, session: WebSession, handle: str) -> bool:
    """End one other session of ``session``'s user, named by its handle; False when there is none."""
    current = _digest(session.token)
    with _unit(ctx, write=True, user=session.user) as repo:
        for row in repo.list_sessions(session.user):
            if row.id[:HANDLE] == handle and row.id != current and len(handle) == HANDLE:
                return repo.end_session(row.id) > 0
    return False


def end_my_other_sessions(ctx: Context, session: WebSession) -> int:
    with _unit(ctx, write=True, user=session.user) as repo:
        return repo.end_sessions_but(session.user, _digest(session.token))


def put_flash(ctx: Context, session: WebSession, flash: str | None) -> None:
    """Keep ``flash`` (a form's refusal and the values typed, or a password to show once) with the
    session on the server, for the page the form redirects to; None clears it once shown."""
    with _unit(ctx, write=True) as repo:
        repo.set_flash(_digest(session.token), flash)


def session_id(session: WebSession) -> str:
    return _digest(session.token)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@cache
def _decoy_hash() -> str:
    """A hash to verify against when the user does not exist, so that takes as long as a wrong password."""
    return passwords.hash_password(secrets.token_urlsafe(16))


class _Unit:
    def __init__(self, ctx: Context, write: bool, user: str | None, session: str | None) -> None:
        self.ctx, self.write, self.user, self.session = ctx, write, user, session

    def __enter__(self) -> SignInRepo:
        # no actor yet: no policy action, and no council in scope (PostgreSQL sees no case data). Row-level
        # security shows the user named (their staff row and sessions) and the browser's own session.
        self.ctx.authorized, self.ctx.scope = "sign-in", frozenset()
        self._cm = self.ctx.write() if self.write else self.ctx.read()
        return self._cm.__enter__().signin.acting_for(self.user or "", self.session)

    def __exit__(self, *exc: Any) -> bool | None:
        return self._cm.__exit__(*exc)


def _unit(ctx: Context, *, write: bool, user: str | None = None, session: str | None = None) -> _Unit:
    return _Unit(ctx, write, user, session)

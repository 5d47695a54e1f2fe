"""The context every use case runs in: who acts, on which database, as of which day; the access
check every use case makes first (``Context.authorize``, against ``domain.policy``); and the unit of
work (one transaction, schema checked once per database and process, the actor's councils handed to
every repository it gives — ``store.work.Work`` — and to PostgreSQL's row-level security)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..domain import policy
from ..domain.case_rows import Case
from ..errors import BadInput, CaseChanged, DatabaseUnavailable, NotFound, NotPermitted
from ..settings import Settings
from ..store import migrate
from ..store.db import (
    get_engine,
    normalise_url,
    redact,
    schema_revision,
    set_scope_and_user,
    sqlite_file_missing,
    transaction,
    translate_error,
)
from ..store.repo import Repo
from ..store.scope import Scope
from ..store.work import Work
from ..workflow.catalog import workflow
from ..workflow.spec import WorkflowSpec

if TYPE_CHECKING:
    from ..store.db import Engine


@dataclass(frozen=True)
class Actor:
    """Who acts. ``role`` is None while the database has no users yet: the set-up before the first
    admin exists (``casetrack init --admin NAME``), when everything is allowed."""

    name: str
    role: str | None
    councils: frozenset[str]

    @property
    def scope(self) -> frozenset[str] | None:
        """The councils this actor sees; None: every council."""
        if self.role is None or policy.REACH[self.role] == policy.ALL:
            return None
        return self.councils


def utc_now() -> dt.datetime:
    """The real clock: this instant, in UTC. What a Context reads unless it is given another clock."""
    return dt.datetime.now(dt.UTC)


@dataclass
class Context:
    """Who acts, on which database, as of which day and instant. Built once per command.

    ``today`` is the day rules are judged on (``--today``); ``now()`` is the instant written into every
    record (history, ledger, outbox, access log…), in UTC, from ``clock``: the one clock of casetrack —
    the store has none, and a test fixes it here.

    Every use case calls ``authorize(action)`` before its first unit of work; a unit of work opened
    without it is refused, so a use case that forgets the check fails loudly instead of seeing
    everything. ``trusted`` is for in-process callers that act for nobody (benchmarks, test seeding)."""

    db_url: str
    today: dt.date
    user: str
    settings: Settings = field(default_factory=Settings)
    scope: frozenset[str] | None = None  # councils the actor may see (set by authorize); None: all
    trusted: bool = False
    authorized: str | None = None  # the last action authorised
    clock: Callable[[], dt.datetime] = field(default=utc_now, repr=False)

    def now(self) -> dt.datetime:
        """This instant by the context's clock (aware, UTC)."""
        return self.clock().astimezone(dt.UTC)

    @cached_property
    def engine(self) -> Engine:
        return get_engine(self.db_url)

    @cached_property
    def actor(self) -> Actor:
        with _UnitOfWork(self, write=False, checked=False) as repo:
            row = repo.user(self.user)
            if row is None and not repo.any_user():  # the set-up, before the first admin
                return Actor(self.user, None, frozenset())
            councils = (
                frozenset(c for c in (row.council, *repo.further_councils(self.user)) if c)
                if row
                else frozenset()
            )
        if row is None:
            raise NotPermitted(
                f"{self.user!r} is not a casetrack user; an admin adds users (casetrack user add), "
                "and --user (or CASETRACK_USER) names who acts",
                ja=[
                    f"{self.user} は casetrack のユーザーではありません。ユーザーは管理者が追加します（casetrack user add）。操作する人は --user（または CASETRACK_USER）で指定します。"
                ],
            )
        if not row.active:
            raise NotPermitted(
                f"user {self.user} is disabled", ja=[f"ユーザー {self.user} は無効になっています。"]
            )
        return Actor(row.name, row.role, councils)

    def act_as(self, actor: Actor) -> None:
        """Act as ``actor``, as the caller has just read them (the web reads the user with the session
        that names them): ``authorize`` then checks against it without a lookup of its own."""
        self.__dict__["actor"] = actor

    def forget_actor(self) -> None:
        """Look the actor up again at the next check (a long-running process, after a user was disabled)."""
        self.__dict__.pop("actor", None)

    def authorize(self, action: str) -> Actor:
        """Allow ``action`` for the acting user or raise NotPermitted (exit 5); narrow every later read
        and write to the actor's councils."""
        if self.trusted:
            self.authorized = action
            return Actor(self.user, None, frozenset())
        actor = self.actor
        if actor.role is not None and not policy.allows(actor.role, action):
            raise NotPermitted(
                f"{actor.name} ({actor.role}) may not {policy.ACTIONS[action].en}",
                ja=[policy.refusal_ja(actor.name, actor.role, action)],
            )
        self.scope = actor.scope
        self.authorized = action
        return actor

    @property
    def reach(self) -> Scope:
        """What the unit of work gives every repository: the actor's councils, or every council where the
        policy lets the actor read across councils (``Actor.scope`` is None: 全国本部, admins, a trusted
        in-process caller, the set-up before the first admin)."""
        return Scope.EVERY if self.scope is None else Scope(self.scope)

    def check_council(self, council: str) -> None:
        """Refuse (exit 5) to create something in a council outside the actor's (an existing council:
        the directory is public, so naming one leaks nothing)."""
        if self.scope is not None and council not in self.scope:
            raise NotPermitted(
                f"{self.user} acts for council {', '.join(sorted(self.scope))} only, not {council}",
                ja=[
                    f"{self.user} は協議会 {council} の職員ではありません（{'、'.join(sorted(self.scope))} のみ）。"
                ],
            )

    def effective(self, on: dt.date | None, option: str = "--on", label: str = "効力発生日") -> dt.date:
        """The effective date of something recorded now: ``on`` or today. A date after today is bad input
        (DOMAIN.md §11: effective dates are never after today); a typo such as 2062 or 9999 would
        otherwise hide the case from the audits or break its date arithmetic for good."""
        day = on or self.today
        if day > self.today:
            raise BadInput(
                f"{option} {day} is after today ({self.today}): an effective date cannot be in the future",
                ja=[
                    f"{label}（{day}）が今日（{self.today}）より後です。まだ来ていない日付は記録できません。"
                ],
            )
        return day

    def log_access(self, what: str, rows: int) -> None:
        """Record that the actor read personal fields (people's names, e-mails): one access-log row."""
        with self.write() as repo:
            repo.log_access(
                at=self.now(), user=self.user, action=self.authorized or "", what=what[:200], rows=rows
            )

    def read(self) -> _UnitOfWork:
        return _UnitOfWork(self, write=False)

    def write(self) -> _UnitOfWork:
        return _UnitOfWork(self, write=True)


_CURRENT_SCHEMA: set[str] = set()  # databases seen at the current schema in this process


class _UnitOfWork:
    def __init__(self, ctx: Context, *, write: bool, checked: bool = True) -> None:
        self.ctx, self.write, self.checked = ctx, write, checked

    def __enter__(self) -> Work:
        if self.checked and self.ctx.authorized is None:
            raise RuntimeError("a use case opened the database without Context.authorize()")
        missing = sqlite_file_missing(self.ctx.db_url)
        if missing:
            raise DatabaseUnavailable(
                f"database file {missing} does not exist; create it with: casetrack init",
                ja=[f"データベースファイル {missing} がありません。casetrack init で作成してください。"],
            )
        self._cm = transaction(self.ctx.engine, write=self.write)
        conn = self._cm.__enter__()
        if self.ctx.db_url not in _CURRENT_SCHEMA and schema_revision(conn) == migrate.head():
            _CURRENT_SCHEMA.add(self.ctx.db_url)
        if self.ctx.db_url not in _CURRENT_SCHEMA:
            self._cm.__exit__(None, None, None)
            raise DatabaseUnavailable(
                f"database {redact(self.ctx.db_url)} is not initialised or is out of date; run: casetrack init",
                ja=[
                    f"データベース {redact(self.ctx.db_url)} は初期化されていないか、古い版です。casetrack init を実行してください。"
                ],
            )
        # PostgreSQL's second wall: the councils in scope, and who acts (their own staff row and sessions)
        set_scope_and_user(conn, self.ctx.scope if self.checked else frozenset(), self.ctx.user)
        return Work(conn, scope=self.ctx.reach)

    def __exit__(self, *exc: Any) -> bool | None:
        return self._cm.__exit__(*exc)


def load_case(repo: Repo, case_id: str) -> tuple[Case, WorkflowSpec]:
    case = repo.case(case_id)
    if case is None:
        raise NotFound("case", case_id)
    return case, workflow(case.program)


def stale(case_id: str) -> CaseChanged:
    return CaseChanged(
        f"case {case_id} was changed by someone else meanwhile; nothing written — "
        "look at it again (casetrack case show) and retry",
        ja=[
            f"案件 {case_id} は他の人が先に変更しました。何も書き込んでいません。casetrack case show で確認してからやり直してください。"
        ],
    )


# For the front ends, which do not reach into the store (tests/test_architecture.py):
database_url = normalise_url  # --db / CASETRACK_DB as a SQLAlchemy URL (None: the default SQLite file)
redact_url = redact  # a URL fit to print (password masked)
translate_db_error = translate_error  # a database error outside any unit of work, as one CasetrackError

"""The context every use case runs in: who acts, on which database, as of which day; and the unit
of work (one transaction, schema checked once per database and process)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, DatabaseUnavailable, NotFound
from ..settings import Settings
from ..store import migrate
from ..store.db import get_engine, redact, schema_revision, sqlite_file_missing, transaction
from ..store.repo import Repo
from ..workflow.registry import workflow
from ..workflow.spec import WorkflowSpec

if TYPE_CHECKING:
    from ..store.db import Engine


@dataclass
class Context:
    """Who acts, on which database, as of which day. Built once per command."""

    db_url: str
    today: dt.date
    user: str
    settings: Settings = field(default_factory=Settings)
    scope: frozenset[str] | None = None  # councils the actor may see; None: all (until roles land)

    @cached_property
    def engine(self) -> Engine:
        return get_engine(self.db_url)

    def read(self) -> Any:
        return _UnitOfWork(self, write=False)

    def write(self) -> Any:
        return _UnitOfWork(self, write=True)


_CURRENT_SCHEMA: set[str] = set()  # databases seen at the current schema in this process


class _UnitOfWork:
    def __init__(self, ctx: Context, *, write: bool) -> None:
        self.ctx, self.write = ctx, write

    def __enter__(self) -> Repo:
        missing = sqlite_file_missing(self.ctx.db_url)
        if missing:
            raise DatabaseUnavailable(f"database file {missing} does not exist; create it with: casetrack init")
        self._cm = transaction(self.ctx.engine, write=self.write)
        conn = self._cm.__enter__()
        if self.ctx.db_url not in _CURRENT_SCHEMA and schema_revision(conn) == migrate.head():
            _CURRENT_SCHEMA.add(self.ctx.db_url)
        if self.ctx.db_url not in _CURRENT_SCHEMA:
            self._cm.__exit__(None, None, None)
            raise DatabaseUnavailable(
                f"database {redact(self.ctx.db_url)} is not initialised or is out of date; run: casetrack init")
        return Repo(conn, self.ctx.scope)

    def __exit__(self, *exc: Any) -> bool | None:
        return self._cm.__exit__(*exc)



def load_case(repo: Repo, case_id: str) -> tuple[dict[str, Any], WorkflowSpec]:
    case = repo.case(case_id)
    if case is None:
        raise NotFound("case", case_id)
    return case, workflow(case["program"])



def stale(case_id: str) -> Conflict:
    return Conflict(f"case {case_id} was changed by someone else meanwhile; nothing written — "
                    "look at it again (casetrack case show) and retry")


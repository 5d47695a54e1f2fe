"""Whose data a repository reads. Every repository is built with a ``Scope`` (a required keyword, so a
forgotten one is an error, not every council): the councils of the actor, as the unit of work gives it
(services/context.py), or ``Scope.EVERY`` — a choice made by name, where the policy lets an actor read
across councils (全国本部 and admins, the scheduler's sweep, the set-up before the first admin). On
SQLite this is the only wall; on PostgreSQL row-level security stands behind it (migrations 0008, 0018)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, Connection, Select, bindparam, select

from .schema import cases


class Scope:
    """The councils in scope; ``councils`` is None for ``Scope.EVERY`` only."""

    __slots__ = ("councils",)
    EVERY: ClassVar[Scope]

    def __init__(self, councils: Iterable[str]) -> None:
        self.councils: frozenset[str] | None = frozenset(councils)

    @classmethod
    def _every_council(cls) -> Scope:
        every = cls(())
        every.councils = None
        return every

    def __repr__(self) -> str:
        return "Scope.EVERY" if self.councils is None else f"Scope({sorted(self.councils)!r})"


Scope.EVERY = Scope._every_council()


class ScopedRepo:
    """A repository: reads and writes inside the caller's transaction (never commits), and reads only
    what ``scope`` reaches. ``self.scope`` is the councils, None for every council."""

    def __init__(self, conn: Connection, *, scope: Scope) -> None:
        self.conn = conn
        self.reach = scope
        self.scope = scope.councils

    def _in_scope(self, case_id: ColumnElement[Any]) -> list[ColumnElement[bool]]:
        """WHERE terms keeping only the rows of cases in scope (none for every council), for the reads by
        case id: one probe of the case's primary key per row."""
        if self.scope is None:
            return []
        return [
            select(cases.c.id).where(cases.c.id == case_id, cases.c.council.in_(sorted(self.scope))).exists()
        ]

    def _params(self, **values: Any) -> dict[str, Any]:
        """The parameters of a statement built once (``scope_terms``): ``values``, and the councils in
        scope as ``:scope`` where the repository is scoped."""
        if self.scope is not None:
            values["scope"] = sorted(self.scope)
        return values


# Statements built once per shape and kept (the reads a command or a sweep makes again and again need not
# build the same SQL each time) name the councils in scope by the parameter ``:scope``, which
# ``ScopedRepo._params`` gives exactly when the repository is scoped.


def council_in_scope() -> ColumnElement[bool]:
    """``cases.council IN (:scope)``."""
    return cases.c.council.in_(bindparam("scope", expanding=True))


def in_scope_where(query: Select[Any], scoped: bool) -> Select[Any]:
    """``query`` (over ``cases``) narrowed to the councils ``:scope`` when ``scoped``."""
    return query.where(council_in_scope()) if scoped else query


def scope_terms(case_id: ColumnElement[Any], scoped: bool) -> list[ColumnElement[bool]]:
    """``ScopedRepo._in_scope`` for a statement built once: WHERE terms keeping the rows of cases whose
    council is in ``:scope`` (none when not ``scoped``)."""
    if not scoped:
        return []
    return [select(cases.c.id).where(cases.c.id == case_id, council_in_scope()).exists()]

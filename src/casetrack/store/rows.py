"""Result rows as plain tuples for the type checker.

The tables are Core tables (schema.py), so every column is ``Column[Any]``; SQLAlchemy 2.1 types a
row of them as a tuple that mypy unpacks into ``object`` values (indexing one gives ``Any``). ``tuples``
says once that the values are untyped, as ``Result.tuples()`` did before 2.1 deprecated it; the caller's
annotations then give them their types."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import Result


def tuples(result: Result[*tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    """``result`` itself (nothing changes at run time), typed as rows of untyped values."""
    return cast("Iterable[tuple[Any, ...]]", result)

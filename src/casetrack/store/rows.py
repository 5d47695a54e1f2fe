"""Result rows as plain tuples for the type checker, or as the records they fill (by position in bulk,
by column name elsewhere).

The tables are Core tables (schema.py), so every column is ``Column[Any]``; SQLAlchemy 2.1 types a
row of them as a tuple that mypy unpacks into ``object`` values (indexing one gives ``Any``). ``tuples``
says once that the values are untyped, as ``Result.tuples()`` did before 2.1 deprecated it; the caller's
annotations then give them their types."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from typing import Any, TypeVar, cast

from sqlalchemy import Result


def tuples(result: Result[*tuple[Any, ...]]) -> Iterable[tuple[Any, ...]]:
    """``result`` itself (nothing changes at run time), typed as rows of untyped values."""
    return cast("Iterable[tuple[Any, ...]]", result)


R = TypeVar("R")


def records(result: Any, make: Callable[[Iterable[Any]], R], fields: tuple[str, ...]) -> Iterator[R]:
    """The rows of ``result`` as records (``make``: a NamedTuple's ``_make``), the row's tuple as it is: a
    RowMapping or a dict per row costs more than the arithmetic done on it, ×100,000. The query's column
    labels must be the record's ``fields``, in order."""
    if tuple(result.keys()) != fields:
        raise TypeError(f"columns {tuple(result.keys())} are not the record's fields {fields}")
    return map(make, result)


def by_name(record: type[R], result: Result[*tuple[Any, ...]]) -> list[R]:
    """Each row of ``result`` as ``record`` (a frozen dataclass or a NamedTuple), field for field by
    column name (a column the record does not name is left out)."""
    names: Sequence[str] = getattr(record, "_fields", None) or [f.name for f in fields(cast(Any, record))]
    return [record(**{n: row[n] for n in names}) for row in result.mappings()]

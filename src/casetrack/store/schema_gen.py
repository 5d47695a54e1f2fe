"""Writes schema.py: the tables of tables.py (SQLModel) as plain SQLAlchemy Core, so that commands do not
import SQLModel and pydantic. Run ``python -m casetrack.store.schema_gen`` after changing tables.py;
tests/store/test_schema_mirror.py fails while schema.py is stale. A developer tool, not run by commands.

Anything in tables.py this generator does not know how to write (a server default, a composite foreign
key, an expression index...) raises, rather than being left out of the mirror."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    TextClause,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

TARGET = Path(__file__).with_name("schema.py")
LINE_LENGTH = 110  # pyproject.toml's

HEADER = '''"""Every table of tables.py as plain SQLAlchemy Core: what the commands read and write through.
Importing it imports SQLAlchemy only, not SQLModel or pydantic (they cost a command's start-up ~0.2 s).

GENERATED from tables.py by `python -m casetrack.store.schema_gen`: do not edit by hand; change tables.py
and run that command again. tests/store/test_schema_mirror.py fails while this file is stale."""

from __future__ import annotations

'''


class Unsupported(Exception):
    """tables.py uses something the generator cannot write yet."""


def _metadata() -> MetaData:
    from sqlmodel import SQLModel

    from . import tables  # noqa: F401  (declares the tables on SQLModel.metadata)

    return SQLModel.metadata


def _str(value: str) -> str:
    """A string literal in double quotes, as the code base writes them."""
    if '"' in value or "\\" in value or not value.isprintable():
        return repr(value)
    return f'"{value}"'


def _literal(value: object) -> str:
    return _str(value) if isinstance(value, str) else repr(value)


_Call = tuple[str, list[str]]  # a callable's name and its arguments, as source text


def _format(call: _Call) -> str:
    """``name(args)`` as one item of a Table(...): on one line when it fits, else one argument a line."""
    name, args = call
    line = f"{name}({', '.join(args)})"
    if len(line) + len("    ,") <= LINE_LENGTH:
        return line
    return f"{name}(\n" + "".join(f"        {arg},\n" for arg in args) + "    )"


class _Writer:
    def __init__(self) -> None:
        self.sqlalchemy: set[str] = set()
        self.ours: set[str] = set()

    def sa(self, name: str) -> str:
        self.sqlalchemy.add(name)
        return name

    def type_(self, type_: TypeEngine[object]) -> str:
        kind = type(type_)
        if kind.__module__ == "sqlmodel.sql.sqltypes":
            if kind.__name__ == "AutoString":  # String but on MySQL, which casetrack does not run on
                length = type_.impl.length  # type: ignore[attr-defined]
                return f"{self.sa('String')}({'' if length is None else length})"
            if kind.__name__ == "UTCDateTime":
                self.ours.add("UTCDateTime")
                return "UTCDateTime()"
        elif kind.__module__.startswith("sqlalchemy.") and repr(type_) == f"{kind.__name__}()":
            return f"{self.sa(kind.__name__)}()"
        raise Unsupported(f"column type {type_!r}")

    def column(self, col: Column[object]) -> _Call:
        args = [_str(col.name), self.type_(col.type)]
        for fk in sorted(col.foreign_keys, key=lambda fk: fk.target_fullname):
            if (fk.ondelete, fk.onupdate, fk.deferrable, fk.initially, fk.name, fk.use_alter) != (
                None,
                None,
                None,
                None,
                None,
                False,
            ) or len(fk.constraint.columns) != 1:  # type: ignore[union-attr]
                raise Unsupported(f"foreign key options on {col}")
            args.append(f"{self.sa('ForeignKey')}({_str(fk.target_fullname)})")
        if col.primary_key:
            args.append("primary_key=True")
        if col.nullable == col.primary_key:  # Column's default: nullable unless part of the primary key
            args.append(f"nullable={col.nullable}")
        if col.index:
            args.append("index=True")
        if col.unique:
            args.append("unique=True")
        if col.default is not None:
            if not col.default.is_scalar:
                raise Unsupported(f"default of {col}")
            args.append(f"default={_literal(col.default.arg)}")  # type: ignore[attr-defined]
        if col.server_default is not None or col.onupdate is not None or col.server_onupdate is not None:
            raise Unsupported(f"server default or onupdate on {col}")
        if col.autoincrement != "auto" or col.comment or col.key != col.name or col.info:
            raise Unsupported(f"column options on {col}")
        return self.sa("Column"), args

    def text(self, clause: object) -> str:
        if not isinstance(clause, TextClause):
            raise Unsupported(f"expression {clause!r}")
        return f"{self.sa('text')}({_str(clause.text)})"

    def constraint(self, con: object) -> _Call | None:
        if isinstance(con, PrimaryKeyConstraint | ForeignKeyConstraint):  # written on the columns
            return None
        if getattr(con, "_column_flag", False):  # unique=True on a column
            return None
        if isinstance(con, UniqueConstraint):
            args = [_str(c.name) for c in con.columns]
        elif isinstance(con, CheckConstraint) and isinstance(con.sqltext, TextClause):
            args = [_str(con.sqltext.text)]
        else:
            raise Unsupported(f"constraint {con!r}")
        if con.name is not None:
            args.append(f"name={_str(str(con.name))}")
        return self.sa(type(con).__name__), args

    def index(self, index: Index) -> _Call | None:
        if index._column_flag:  # index=True on a column
            return None
        if not all(isinstance(e, Column) and e.table is index.table for e in index.expressions):
            raise Unsupported(f"expression index {index.name}")
        args = [_str(str(index.name)), *(_str(c.name) for c in index.columns)]
        if index.unique:
            args.append("unique=True")
        for key, value in index.dialect_kwargs.items():
            args.append(f"{key}={self.text(value)}")
        return self.sa("Index"), args

    def table(self, table: Table) -> str:
        if table.schema is not None or table.comment or table.info or table.dialect_kwargs:
            raise Unsupported(f"table options on {table.name}")
        items = [self.column(col) for col in table.columns]
        order = sorted(table.constraints, key=lambda c: c._creation_order)
        items += [call for call in map(self.constraint, order) if call]
        indexes = sorted(table.indexes, key=lambda i: str(i.name))  # a set: by name, so the output is stable
        items += [call for call in map(self.index, indexes) if call]
        body = "".join(f"    {_format(call)},\n" for call in items)
        return f"{table.name} = {self.sa('Table')}(\n    {_str(table.name)},\n    metadata,\n{body})\n"


def render(metadata: MetaData | None = None) -> str:
    """The text of schema.py for ``metadata`` (default: SQLModel's, from tables.py)."""
    metadata = _metadata() if metadata is None else metadata
    if dict(metadata.naming_convention) != dict(MetaData().naming_convention) or metadata.schema:
        raise Unsupported("a naming convention or schema on the metadata")
    writer = _Writer()
    tables = [writer.table(table) for table in metadata.tables.values()]
    writer.sa("MetaData")
    names = sorted(writer.sqlalchemy, key=lambda n: (n[0].islower(), n))  # classes, then functions
    imports = "from sqlalchemy import (\n" + "".join(f"    {n},\n" for n in names) + ")\n"
    if writer.ours:
        imports += "\n" + "".join(f"from .types import {n}\n" for n in sorted(writer.ours))
    return HEADER + imports + "\nmetadata = MetaData()\n\n" + "\n".join(tables)


def main() -> None:
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)


if __name__ == "__main__":
    main()

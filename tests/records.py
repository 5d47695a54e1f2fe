"""What the typed-record tests ask of every record a repository returns: each field of its declared type,
frozen, without a ``__dict__``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import types
import typing

import pytest


def assert_frozen(record: object) -> None:
    """``record`` (a frozen dataclass with slots, or a NamedTuple) refuses a change and takes no new
    attribute."""
    if isinstance(record, tuple) and hasattr(record, "_fields"):
        with pytest.raises(AttributeError):
            setattr(record, record._fields[0], None)
    else:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, dataclasses.fields(record)[0].name, None)  # type: ignore[arg-type]
    assert not hasattr(record, "__dict__")


def assert_typed(record: object) -> None:
    """Every field of ``record`` (a dataclass or a NamedTuple) holds a value of its declared type: a bool
    is a bool (not SQLite's 1), a date a date (not a datetime), an instant an aware datetime."""
    named = isinstance(record, tuple) and hasattr(record, "_fields")
    assert named or (dataclasses.is_dataclass(record) and not isinstance(record, type))
    hints = typing.get_type_hints(type(record), vars(sys.modules[type(record).__module__]))
    names = record._fields if named else [f.name for f in dataclasses.fields(record)]  # type: ignore[attr-defined, arg-type]
    for name in names:
        value, hint = getattr(record, name), hints[name]
        allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        assert isinstance(value, allowed), (type(record).__name__, name, value)
        if isinstance(value, dt.datetime):
            assert dt.datetime in allowed and value.tzinfo is not None, (name, value)
        elif isinstance(value, dt.date):
            assert dt.date in allowed, (name, value)
        elif isinstance(value, int) and not isinstance(value, bool):
            assert int in allowed, (name, value)

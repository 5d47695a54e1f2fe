"""What the typed-record tests ask of every record a repository returns: frozen, without a ``__dict__``."""

from __future__ import annotations

import dataclasses

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

"""Column types of the Core schema (schema.py) that SQLAlchemy has no name for. SQLAlchemy only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import types
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.operators import OperatorType


class UTCDateTime(types.TypeDecorator[dt.datetime]):
    """An instant: takes aware datetimes only (a naive one raises), stores them in UTC and returns them
    in UTC. The same as ``sqlmodel.sql.sqltypes.UTCDateTime``, which tables.py declares."""

    impl = types.DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def __repr__(self) -> str:
        return "UTCDateTime()"

    def coerce_compared_value(self, op: OperatorType | None, value: Any) -> types.TypeEngine[Any]:
        if isinstance(value, dt.timedelta):
            return types.Interval()
        return self

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:
            raise ValueError(
                "Datetime values must have timezone information. Use datetime.now(timezone.utc)."
            )
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.utcoffset() is None:  # databases without time zones store UTC without an offset
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

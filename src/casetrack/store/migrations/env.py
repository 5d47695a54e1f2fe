"""Alembic environment: run against the connection casetrack hands over (never a URL of its own)."""

from __future__ import annotations

from alembic import context

from casetrack.store.rls import include_object
from casetrack.store.tables import SQLModel

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    include_object=include_object,  # the security column lives in the database only
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()

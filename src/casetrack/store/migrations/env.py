"""Alembic environment: run against the connection casetrack hands over (never a URL of its own)."""

from __future__ import annotations

from alembic import context

from casetrack.store.tables import SQLModel

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()

"""Schema migrations (alembic), run programmatically by ``casetrack init``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

_HERE = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


@cache
def head() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str]:
    """Bring the schema to ``target``; return (revision before, revision after)."""
    before = current(engine)
    cfg = _config()
    with engine.connect() as conn:
        conn = conn.execution_options(casetrack_write=True)
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    return before, current(engine) or ""


def autogenerate(engine: Engine, message: str, rev_id: str) -> None:
    """Developer helper: write a new revision from the difference between tables.py and the database."""
    cfg = _config()
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)

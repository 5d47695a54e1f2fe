"""Schema migrations (alembic), run programmatically by ``casetrack init``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

_HERE = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_HERE))
    return cfg


@cache
def head() -> str:
    """The newest revision. Revisions are numbered ``NNNN_*.py`` in one line, so the highest number is
    the head (a test checks this against alembic's own answer); no alembic import on every command."""
    return max(p.name.split("_", 1)[0] for p in (_HERE / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def alembic_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str]:
    """Bring the schema to ``target``; return (revision before, revision after)."""
    from alembic import command

    before = current(engine)
    cfg = _config()
    with engine.connect() as conn:
        conn = conn.execution_options(casetrack_write=True)
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
    return before, current(engine) or ""


def downgrade(engine: Engine, target: str) -> None:
    """Take the schema back to ``target`` (a developer's and the migration tests' tool; no command runs it)."""
    from alembic import command

    cfg = _config()
    with engine.connect() as conn:
        conn = conn.execution_options(casetrack_write=True)
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, target)


def autogenerate(engine: Engine, message: str, rev_id: str) -> None:
    """Developer helper: write a new revision from the difference between tables.py and the database."""
    from alembic import command

    cfg = _config()
    with engine.connect() as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)

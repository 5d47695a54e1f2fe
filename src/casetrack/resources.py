"""Where the shipped data lives: workflows/, templates/ and the council directory.

In a source checkout (editable install) they sit at the repository root; a built wheel carries
them inside the package under ``_bundled/``. ``CASETRACK_WORKFLOWS_DIR`` and
``CASETRACK_TEMPLATES_DIR`` override both.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str, env: str) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override)
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent.parent / name


def workflows_dir() -> Path:
    return _locate("workflows", "CASETRACK_WORKFLOWS_DIR")


def templates_dir() -> Path:
    return _locate("templates", "CASETRACK_TEMPLATES_DIR")


def councils_csv() -> Path:
    return _PACKAGE / "data" / "councils.csv"

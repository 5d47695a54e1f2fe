"""The shipped workflows, loaded once per process."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..errors import BadInput, WorkflowInvalid
from ..resources import workflows_dir
from .loader import load_file
from .spec import WorkflowSpec


def workflow_files(directory: Path | None = None) -> list[Path]:
    directory = directory or workflows_dir()
    return sorted(directory.glob("*.yaml"))


def all_workflows() -> dict[str, WorkflowSpec]:
    """The workflows of the configured folder (``CASETRACK_WORKFLOWS_DIR`` or the shipped ones)."""
    return _load_folder(str(workflows_dir().resolve()))


@cache
def _load_folder(folder: str) -> dict[str, WorkflowSpec]:
    specs: dict[str, WorkflowSpec] = {}
    problems = []
    for path in workflow_files(Path(folder)):
        try:
            spec = load_file(path)
        except WorkflowInvalid as exc:
            problems.extend(exc.problems)
            continue
        specs[spec.program] = spec
    if problems:
        raise WorkflowInvalid(problems)
    return specs


def workflow(program: str) -> WorkflowSpec:
    specs = all_workflows()
    if program not in specs:
        raise BadInput(f"unknown program {program!r} (known: {', '.join(sorted(specs))})")
    return specs[program]

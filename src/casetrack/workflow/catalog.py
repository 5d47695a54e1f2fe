"""The shipped workflows, loaded once per process."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from ..errors import BadInput, WorkflowInvalid, WorkflowsMissing
from ..resources import workflows_dir
from .loader import load_file
from .spec import WorkflowSpec


def workflow_files(directory: Path | None = None) -> list[Path]:
    directory = directory or workflows_dir()
    return sorted(directory.glob("*.yaml"))


def all_workflows() -> dict[str, WorkflowSpec]:
    """The workflows of the configured folder (``CASETRACK_WORKFLOWS_DIR`` or the shipped ones)."""
    return _load_folder(str(workflows_dir().resolve()))


def _check_folder(folder: Path) -> list[Path]:
    """The folder's workflow files; a missing, unreadable or empty folder is bad input naming its path
    (without it every case command would say "unknown program" and `remind run` would enqueue nothing)."""
    where = (
        "CASETRACK_WORKFLOWS_DIR" if os.environ.get("CASETRACK_WORKFLOWS_DIR") else "the shipped workflows"
    )
    if not folder.exists():
        raise WorkflowsMissing(
            f"workflows folder {folder} does not exist (set by {where})",
            ja=[f"ワークフローのフォルダ {folder} がありません（{where} で指定）。"],
        )
    if not folder.is_dir():
        raise WorkflowsMissing(
            f"workflows folder {folder} is not a folder (set by {where})",
            ja=[f"ワークフローのフォルダ {folder} はフォルダではありません（{where} で指定）。"],
        )
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix == ".yaml")
    except OSError as exc:
        raise WorkflowsMissing(
            f"workflows folder {folder} cannot be read: {exc.strerror} (set by {where})",
            ja=[f"ワークフローのフォルダ {folder} を読めません：{exc.strerror}（{where} で指定）。"],
        ) from None
    if not files:
        raise WorkflowsMissing(
            f"workflows folder {folder} holds no workflow file (set by {where})",
            ja=[f"ワークフローのフォルダ {folder} にワークフローのファイルがありません（{where} で指定）。"],
        )
    return files


@cache
def _load_folder(folder: str) -> dict[str, WorkflowSpec]:
    specs: dict[str, WorkflowSpec] = {}
    problems = []
    for path in _check_folder(Path(folder)):
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
        raise BadInput(
            f"unknown program {program!r} (known: {', '.join(sorted(specs))})",
            ja=[f"事業「{program}」はありません（{'、'.join(sorted(specs))} のいずれかです）。"],
        )
    return specs[program]

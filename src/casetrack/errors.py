"""One error tree. Each error carries an exit code (CLI.md), a slug and the reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class CasetrackError(Exception):
    """``message`` and ``details`` are what the CLI prints (CLI.md: the error line and the JSON error
    object). ``ja`` are the reasons in Japanese for the web pages, given where ``message`` and
    ``details`` are English; the CLI never prints them, so its output stays as CLI.md fixes it. (Some
    refusals — the guards', the fee and monitoring use cases' — already give Japanese ``details``: the
    pages show those.)"""

    exit_code = 1
    slug = "error"

    def __init__(self, message: str, details: Sequence[str] = (), *, ja: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)
        self.ja = list(ja)


class Refused(CasetrackError):
    """A rule says no: guard failed, event not allowed now."""

    exit_code = 1
    slug = "refused"


class EventNotAllowed(Refused):
    slug = "event_not_allowed"


class GuardFailed(Refused):
    """``refs``: per detail, the rule it comes from (``guard:<id>``, ``document:<event>.<kind>``…); the
    workflow's provenance names each one's source."""

    slug = "guard_failed"

    def __init__(self, message: str, details: Sequence[str] = (), *, ja: Sequence[str] = (),
                 refs: Sequence[str] = ()) -> None:
        super().__init__(message, details, ja=ja)
        self.refs = list(refs)


class BadInput(CasetrackError):
    exit_code = 2
    slug = "bad_input"


class TooLarge(BadInput):
    """A file over ``[files] max_mb`` (the web answers 413)."""

    slug = "too_large"


class FileCorrupt(Refused):
    """A stored file no longer matches the SHA-256 recorded with it."""

    slug = "file_corrupt"


class Conflict(CasetrackError):
    exit_code = 3
    slug = "conflict"


class NotFound(CasetrackError):
    exit_code = 4
    slug = "not_found"

    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"{what} {ident} not found")
        self.what = what
        self.ident = ident


class NotPermitted(CasetrackError):
    exit_code = 5
    slug = "not_permitted"


class InternalError(CasetrackError):
    """A bug or an unexpected failure (CLI.md "Second wave": exit 70, never 1, so a script can tell a
    crash from a refusal or a finding)."""

    exit_code = 70
    slug = "internal"


class DatabaseUnavailable(CasetrackError):
    exit_code = 2
    slug = "database_unavailable"


@dataclass(frozen=True)
class WorkflowProblem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class WorkflowInvalid(BadInput):
    slug = "workflow_invalid"

    def __init__(self, problems: Sequence[WorkflowProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        files = sorted({p.path for p in self.problems})
        where = f"workflow file {files[0]}" if len(files) == 1 else f"{len(files)} workflow files"
        head = f"{where}: {count} problem{'s' if count != 1 else ''}"
        super().__init__(head + ": " + "; ".join(str(x) for x in self.problems), [str(x) for x in self.problems])


class WorkflowsMissing(BadInput):
    """The workflows folder is missing, unreadable or empty: a startup error of every command that needs
    the workflows (exit 2, naming the path)."""

    slug = "workflows_missing"

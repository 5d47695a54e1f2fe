"""One error tree. Each error carries an exit code (CLI.md), a slug and the reasons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
_PROSE = re.compile(r"[A-Za-z]{2,}[ ,:;]+[A-Za-z]{2,}")


def is_japanese(text: str) -> bool:
    """Whether ``text`` is written in Japanese (has kana, kanji or full-width forms)."""
    return bool(_JAPANESE.search(text))


def _english_prose(lines: Sequence[str]) -> bool:
    return any(_PROSE.search(x) and not is_japanese(x) for x in lines)


class CasetrackError(Exception):
    """``message`` and ``details`` are the English text (the CLI's error line and JSON error object with
    ``--lang en``). ``ja`` are the reasons in Japanese, given where ``message`` and ``details`` are
    English: the web pages show them, and so does the CLI by default (``--lang ja``; see ``text``).
    (Some refusals — the guards', the fee and monitoring use cases' — give Japanese ``details`` instead.)
    Every construction gives Japanese text one of these ways (tests/cli/test_lang_scan.py scans src/)."""

    exit_code = 1
    slug = "error"

    def __init__(self, message: str, details: Sequence[str] = (), *, ja: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = list(details)
        self.ja = list(ja)

    def text(self, lang: str) -> tuple[str, list[str]]:
        """The error line and the details in ``lang`` (``ja`` or ``en``). Japanese: the ``ja`` reasons
        (else the Japanese ``details``) make the line; ``details`` stay as given when they are Japanese
        or data (ids, codes, the rows of a file that were refused), and are the ``ja`` reasons when those
        say the same English sentences one for one."""
        if lang == "en":
            return self.message, self.details
        if self.ja:
            line = " ".join(self.ja)
        elif self.details and all(is_japanese(d) for d in self.details):
            line = " ".join(self.details)
        else:
            line = self.message
        details = self.details
        if self.ja and _english_prose(details) and len(self.ja) == len(details):
            details = self.ja
        return line, details


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

    def __init__(
        self, message: str, details: Sequence[str] = (), *, ja: Sequence[str] = (), refs: Sequence[str] = ()
    ) -> None:
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


class CaseChanged(Conflict):
    """The case changed since the caller read it (its version moved on): nothing written. A page says
    so in its own words; any other conflict is said as the use case or the unit of work words it."""


class NotFound(CasetrackError):
    exit_code = 4
    slug = "not_found"

    def __init__(self, what: str, ident: object, *, ja: Sequence[str] = ()) -> None:
        """``what`` is one of the words of ``WHAT_JA`` (its Japanese names the record); ``ja`` says it
        in another way where ``ident`` is not just the record's id."""
        where = WHAT_JA.get(what, what)
        super().__init__(f"{what} {ident} not found", ja=ja or [f"{where} {ident} は見つかりません。"])
        self.what = what
        self.ident = ident


WHAT_JA = {
    "case": "案件",
    "company": "会社",
    "organisation": "支援機関・金融機関",
    "user": "ユーザー",
    "council": "協議会",
    "document": "書類",
    "file of document": "書類のファイル",
    "monitoring session": "伴走支援の回",
    "claim": "支払申請",
    "history row": "経過の行",
    "closure": "休業日",
    "outbox message": "送信記録",
    "database role": "データベースのロール",
}


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


class Problem(str):
    """One problem in a list a message gathers (an import's rows, the mail settings), as the CLI prints it
    in English (``--lang en``, the JSON ``details``), carrying ``ja``: the same problem in Japanese, for the
    default language's message."""

    ja: str

    def __new__(cls, text: str, ja: str) -> Problem:
        problem = super().__new__(cls, text)
        problem.ja = ja
        return problem


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
        where_ja = (
            f"ワークフローファイル {files[0]}" if len(files) == 1 else f"{len(files)}個のワークフローファイル"
        )
        super().__init__(
            head + ": " + "; ".join(str(x) for x in self.problems),
            [str(x) for x in self.problems],
            ja=[f"{where_ja}に{count}件の誤りがあります：" + "; ".join(str(x) for x in self.problems)],
        )

    def text(self, lang: str) -> tuple[str, list[str]]:
        """The problems stay one per detail in either language (each names its file and line)."""
        line, _ = super().text(lang)
        return line, self.details


class WorkflowsMissing(BadInput):
    """The workflows folder is missing, unreadable or empty: a startup error of every command that needs
    the workflows (exit 2, naming the path)."""

    slug = "workflows_missing"

"""Progress of `import cases`: the service reports both phases (checking every row, then writing them)
up to their totals; the CLI's bar goes to stderr only when stderr is a terminal."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from casetrack import services
from casetrack.services.importing import tty_progress
from tests.conftest import Cli, World

HEADER = ["事業", "協議会", "事業者", "決算月", "状態コード", "状態の開始日", "代表認定支援機関"]


def _ledger(path: Path, rows: int) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(
        [HEADER]
        + [
            ["early", "13", f"進捗{n}株式会社", "3", "consultation", "2026-05-01", "みなと税理士法人"]
            for n in range(rows)
        ]
    )
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def _context(cli: Cli) -> services.Context:
    return services.Context(db_url=cli.db_url, today=dt.date(2026, 11, 25), user="tester")


def test_progress_reaches_the_total_in_both_phases(cli: Cli, world: World, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    result = services.import_cases(
        _context(cli), str(_ledger(tmp_path / "l.csv", 3)), progress=lambda *a: calls.append(a)
    )
    assert result["imported"] == 3
    assert calls == [
        ("validating", 1, 3),
        ("validating", 2, 3),
        ("validating", 3, 3),
        ("writing", 1, 3),
        ("writing", 2, 3),
        ("writing", 3, 3),
    ]


def test_a_dry_run_only_validates(cli: Cli, world: World, tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    services.import_cases(
        _context(cli), str(_ledger(tmp_path / "l.csv", 2)), dry_run=True, progress=lambda *a: calls.append(a)
    )
    assert calls == [("validating", 1, 2), ("validating", 2, 2)]


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_the_bar_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch, tty: bool) -> None:
    err = _Terminal(tty)
    monkeypatch.setattr("sys.stderr", err)
    for n in range(1, 401):
        tty_progress("validating", n, 400)
    for n in range(1, 401):
        tty_progress("writing", n, 400)
    if not tty:
        assert err.getvalue() == ""
        return
    lines = err.getvalue().split("\n")
    # one line per phase, redrawn at 200 and at the total, then a line break
    assert lines[0].endswith("200/400\rvalidating [" + "#" * 30 + "] 400/400")
    assert lines[1].endswith("] 200/400\rwriting    [" + "#" * 30 + "] 400/400")
    assert lines[2] == ""

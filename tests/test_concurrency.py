"""Two real processes advancing the same case at the same moment: exactly one succeeds, the other
exits 3 (conflict) and writes nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import ADMIN, Cli, World

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("processes"),
]  # timing-sensitive: one worker runs them in turn


def _applied_case(cli: Cli, world: World) -> str:
    for name in ("alice", "bob"):  # the two supervisors racing to accept
        cli.ok("user", "add", name, "--council", "13", "--role", "supervisor", user=ADMIN)
    case = cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        "--on",
        "2026-04-01",
    )
    cli.ok("doc", "add", case["id"], "pre_consultation_letter", "--on", "2026-04-02")
    cli.ok("doc", "add", case["id"], "application", "--on", "2026-04-02")
    cli.ok("case", "advance", case["id"], "apply", "--on", "2026-04-03")
    return str(case["id"])


ROOT = Path(__file__).resolve().parent.parent


def _spawn(cli: Cli, case_id: str, user: str, flag: Path | None = None) -> subprocess.Popen[str]:
    """``casetrack case advance CASE accept`` in a process of its own; with ``flag``, the process touches
    that file when it reaches its write (tests/barrier.py)."""
    env = {
        **os.environ,
        "CASETRACK_DB": cli.db_url,
        "CASETRACK_TODAY": "2026-11-25",
        "CASETRACK_USER": user,
        "PYTHONPATH": str(ROOT),
    }
    runner = ["-m", "tests.barrier", str(flag)] if flag else ["-m", "casetrack"]
    return subprocess.Popen(
        [sys.executable, *runner, "case", "advance", case_id, "accept", "--on", "2026-04-20"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(paths: list[Path], procs: list[subprocess.Popen[str]], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        exited = [(p.returncode, p.communicate()) for p in procs if p.poll() is not None]
        assert not exited, f"a process ended before reaching its write: {exited}"
        assert time.monotonic() < deadline, "the processes did not reach their writes"
        time.sleep(0.02)


def _accept_rows(cli: Cli, case_id: str) -> list[dict[str, object]]:
    return [h for h in cli.ok("case", "history", case_id) if h["event"] == "accept"]


class _WriteLock:
    """Holds the database's write lock so both processes read the case before either may write."""

    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> _WriteLock:
        if self.url.startswith("sqlite"):
            self.sqlite = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            self.sqlite.execute("BEGIN IMMEDIATE")
        else:
            self.engine = sa.create_engine(self.url)
            self.conn = self.engine.connect()
            self.tx = self.conn.begin()
            self.conn.execute(sa.text("LOCK TABLE cases IN EXCLUSIVE MODE"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.url.startswith("sqlite"):
            self.sqlite.execute("ROLLBACK")
            self.sqlite.close()
        else:
            self.tx.rollback()
            self.conn.close()
            self.engine.dispose()


@pytest.mark.parametrize("attempt", range(3))
def test_two_processes_one_wins_other_conflicts(cli: Cli, world: World, attempt: int, tmp_path: Path) -> None:
    case_id = _applied_case(cli, world)
    before = cli.ok("case", "show", case_id)
    flags = [tmp_path / "alice.ready", tmp_path / "bob.ready"]
    with _WriteLock(cli.db_url):
        procs = [_spawn(cli, case_id, "alice", flags[0]), _spawn(cli, case_id, "bob", flags[1])]
        _wait_for(flags, procs)  # both have read the case and reached their write: neither may pass the lock
    results = [p.communicate(timeout=60) + (p.returncode,) for p in procs]
    codes = sorted(r[2] for r in results)
    assert codes == [0, 3], results
    loser = next(r for r in results if r[2] == 3)
    assert loser[1].startswith("error:") and "changed by someone else" in loser[1]
    assert len(loser[1].strip().splitlines()) == 1
    after = cli.ok("case", "show", case_id)
    assert after["state"] == "drafting"
    assert after["version"] == before["version"] + 1
    rows = _accept_rows(cli, case_id)
    assert len(rows) == 1
    winner = "alice" if results[0][2] == 0 else "bob"
    assert rows[0]["user"] == winner


@pytest.mark.parametrize("attempt", range(3))
def test_free_race_never_double_fires(cli: Cli, world: World, attempt: int) -> None:
    """Without any help from the test: one success; the other is a conflict (3) or, when it started
    after the winner had committed, a refusal (1: accept not allowed in drafting). Never two rows."""
    case_id = _applied_case(cli, world)
    procs = [_spawn(cli, case_id, "alice"), _spawn(cli, case_id, "bob")]
    codes = sorted(p.wait(timeout=60) for p in procs)
    for p in procs:
        p.communicate()
    assert codes[0] == 0 and codes[1] in (1, 3), codes
    assert len(_accept_rows(cli, case_id)) == 1
    assert cli.ok("case", "show", case_id)["state"] == "drafting"

"""A missing, unreadable or empty workflows folder is a startup error (exit 2, naming the path) for
every command that needs the workflows — not "unknown program" on case commands, and not a sweep that
silently enqueues nothing — and `doctor` fails on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import drive_405
from tests.conftest import ADMIN, Cli, World

NEEDING = [
    ("case", "show", "{case}"),
    ("case", "events", "{case}"),
    ("case", "advance", "{case}", "withdraw", "--reason", "x"),
    ("case", "open", "--program", "405", "--council", "13", "--company", "1", "--support-org", "1"),
    ("doc", "add", "{case}", "plan"),
    ("audit", "stalled"),
    ("caseload",),
    ("workflow", "list"),
    ("remind", "run"),
    ("remind", "run", "--dry-run"),
]


def _folders(tmp_path: Path) -> dict[str, Path]:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("not a workflow", encoding="utf-8")
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    return {"does not exist": tmp_path / "nope", "holds no workflow file": empty, "is not a folder": a_file}


@pytest.mark.parametrize("problem", ["does not exist", "holds no workflow file", "is not a folder"])
def test_every_command_that_needs_the_workflows_stops_naming_the_folder(
    cli: Cli, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, problem: str
) -> None:
    case_id = drive_405(cli, world, "applied")  # stalled in 利用申請済: a sweep and the audit have work
    before = (cli.ok("case", "show", case_id), cli.ok("outbox", "list", user=ADMIN))
    folder = _folders(tmp_path)[problem]
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    for args in NEEDING:
        user = ADMIN if args[0] == "remind" else "tester"
        result = cli(*(a.format(case=case_id) for a in args), user=user)
        assert result.code == 2, (args, result.code, result.err)
        assert result.err.strip() == (
            f"error: workflows folder {folder} {problem} (set by CASETRACK_WORKFLOWS_DIR)"
        ), args
    doctor = cli("doctor", "--format", "json")
    assert doctor.code == 1
    checks = {c["check"]: c for c in doctor.json["checks"]}
    assert checks["workflows"]["ok"] is False and str(folder) in checks["workflows"]["detail"]
    monkeypatch.delenv("CASETRACK_WORKFLOWS_DIR")
    assert (cli.ok("case", "show", case_id), cli.ok("outbox", "list", user=ADMIN)) == before


def test_serve_and_the_scheduler_do_not_start_without_workflows(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(tmp_path / "nope"))
    for args in (("serve", "--port", "1"), ("scheduler", "run")):
        result = cli(*args, user=ADMIN)
        assert result.code == 2 and f"workflows folder {tmp_path / 'nope'} does not exist" in result.err, args

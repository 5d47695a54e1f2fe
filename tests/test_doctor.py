"""`casetrack doctor`: healthy only with a current schema and a sweep within three intervals."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.conftest import Cli


def _checks(result) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    return {c["check"]: c["ok"] for c in result.json["checks"]}


def test_doctor_follows_the_last_sweep(cli: Cli, tmp_path: Path) -> None:
    config = tmp_path / "casetrack.toml"
    config.write_text(
        f'[mail]\ntransport = "file"\ndir = "{tmp_path / "mail"}"\n\n[scheduler]\ninterval_seconds = 0.5\n',
        encoding="utf-8",
    )
    first = cli("--config", str(config), "doctor", "--format", "json")
    assert first.code == 1
    assert _checks(first) == {
        "workflows": True,
        "mail": True,
        "database": True,
        "schema": True,
        "scheduler": False,
        "outbox": True,
    }
    assert cli("--config", str(config), "remind", "run").code == 0
    healthy = cli("--config", str(config), "doctor", "--format", "json")
    assert healthy.code == 0 and healthy.json["ok"] is True
    assert healthy.json["last_sweep"]["as_of"] == cli.today
    time.sleep(1.6)  # more than 3 × 0.5 s without a sweep
    stale = cli("--config", str(config), "doctor", "--format", "json")
    assert stale.code == 1 and _checks(stale)["scheduler"] is False


def test_doctor_on_a_missing_or_old_database(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    result = Cli(f"sqlite:///{missing}", capsys)("doctor", "--format", "json")
    assert result.code == 1 and _checks(result)["database"] is False
    assert not missing.exists()  # the health check creates nothing
    table = Cli(f"sqlite:///{missing}", capsys)("doctor")
    assert table.code == 1 and "BAD" in table.out

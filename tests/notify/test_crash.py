"""Crash tests: ``remind run`` killed with SIGKILL (casetrack.testing.faults at a named crash point) right after the
enqueue commit, right after the server said 250 (before the outcome is committed), or right after
that commit; then run again normally. Nothing is lost; only a crash between the 250 and the commit
may send a message twice, at most once more and with the same Message-ID. Real subprocesses, real
SMTP server, both database backends."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from casetrack.testing import faults
from tests.conftest import ADMIN, Cli, World
from tests.notify.conftest import SmtpServer, write_settings
from tests.notify.helpers import (
    assert_outbox_invariant,
    case_in_monitoring,
    outbox_cli,
    rung_key,
    status_counts,
)

# As of Mon 2027-06-07 all five rungs of session 1 (due Thu 2027-05-06) have come: upcoming_30 (04-06),
# upcoming_7 (04-28, 昭和の日 moved back), due (05-06), overdue_7 (05-13) for the adviser, and
# escalation_30 (Sat 06-05 → Mon 06-07) for the coordinator. Catch-up (DOMAIN.md §11) sends two
# messages — overdue_7 and escalation_30 — and records the adviser's three earlier rungs as skipped.
DAY = "2027-06-07"
MESSAGES = 2
SKIPPED = 3
RUNGS = MESSAGES + SKIPPED  # outbox rows
LEASE_SECONDS = 0.5  # a killed sweeper cannot release its lease: let it expire quickly

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("processes"),
]  # timing-sensitive: one worker runs them in turn


def remind(
    db_url: str, config: Path, fault: str | None, *, installed: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRACK_")}
    program = [sys.executable, "-m", "casetrack"]
    if fault:  # the crash is installed by the test-support entry point, never by casetrack itself
        env[faults.FAULT_ENV] = fault
        program = faults.command() if installed else program
    return subprocess.run(
        [
            *program,
            "--db",
            db_url,
            "--config",
            str(config),
            "--today",
            DAY,
            "--user",
            ADMIN,
            "remind",
            "run",
            "--format",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# fault → (received before the crash, outbox status counts right after it)
AFTER_CRASH = {
    "after_enqueue": (0, {"pending": 2, "sent": 0, "skipped": 3}),
    "after_send:1": (
        1,
        {"pending": 2, "sent": 0, "skipped": 3},
    ),  # 1st message accepted, not recorded as sent
    "after_send:2": (
        2,
        {"pending": 1, "sent": 1, "skipped": 3},
    ),  # 2nd message accepted, not recorded as sent
    "after_commit": (1, {"pending": 1, "sent": 1, "skipped": 3}),  # 1st message accepted and recorded
}


@pytest.mark.parametrize("fault", list(AFTER_CRASH))
def test_kill_9_then_run_again(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path, fault: str
) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server, lease_seconds=LEASE_SECONDS)

    crashed = remind(db_url, config, fault)
    assert crashed.returncode == -signal.SIGKILL, (crashed.returncode, crashed.stdout, crashed.stderr)
    received_before, expected_counts = AFTER_CRASH[fault]
    before = smtp_server.received
    assert len(before) == received_before
    rows = outbox_cli(cli, config)
    counts = assert_outbox_invariant(rows, RUNGS)  # the enqueue committed before any crash point
    assert {k: counts[k] for k in expected_counts} == expected_counts
    assert counts["dead"] == counts["dropped"] == 0
    enqueued_ids = {rung_key(r): r["message_id"] for r in rows}

    time.sleep(LEASE_SECONDS + 0.3)
    again = remind(db_url, config, None)
    assert again.returncode == 0, (again.returncode, again.stdout, again.stderr)
    result = json.loads(again.stdout)
    assert result["enqueued"] == 0  # nothing enqueued twice
    assert result["sent"] == expected_counts["pending"] and result["failed"] == result["dropped"] == 0

    rows = outbox_cli(cli, config)
    assert assert_outbox_invariant(rows, RUNGS)["sent"] == MESSAGES
    assert {rung_key(r): r["message_id"] for r in rows} == enqueued_ids  # Message-IDs fixed at enqueue
    received = smtp_server.received
    per_id = collections.Counter(m.message_id for m in received)
    sent_ids = {rung_key(r): r["message_id"] for r in rows if r["status"] == "sent"}
    assert set(per_id) == set(sent_ids.values())  # 0 lost, and no message under another Message-ID
    duplicates = {mid: n for mid, n in per_id.items() if n > 1}
    if fault.startswith("after_send"):
        # at most one duplicate: the message the server accepted just before the kill, re-sent
        # with the same Message-ID
        assert len(duplicates) <= 1 and all(n == 2 for n in duplicates.values()), duplicates
        assert set(duplicates) <= {before[-1].message_id}
        assert len(received) == MESSAGES + len(duplicates)
    else:
        assert duplicates == {}
        assert len(received) == MESSAGES
    # a further run sends nothing
    final = remind(db_url, config, None)
    assert final.returncode == 0 and json.loads(final.stdout)["sent"] == 0
    assert len(smtp_server.received) == len(received)
    assert status_counts(outbox_cli(cli, config))["sent"] == MESSAGES


def test_casetrack_itself_never_crashes_on_the_variable(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """The crash points are inert in casetrack: the variable alone, without the test-support entry point,
    crashes nothing — the sweep runs through and sends what is due."""
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server, lease_seconds=LEASE_SECONDS)
    done = remind(db_url, config, "after_enqueue", installed=False)
    assert done.returncode == 0, (done.returncode, done.stdout, done.stderr)
    assert json.loads(done.stdout)["sent"] == MESSAGES
    assert len(smtp_server.received) == MESSAGES

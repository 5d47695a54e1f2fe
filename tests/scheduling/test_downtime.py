"""Downtime: nothing ran for a long time; one sweep as of a much later day catches up (DOMAIN.md §11): per
item and recipient only the latest rung whose day has come is sent, every earlier one is recorded as
skipped (never sent later), and a second sweep sends nothing.

Hand-worked case (405, council 13, coordinator sato): plan date (agree) 2026-10-15, interval 6
months (default), plan claim decided 2026-11-20 (half the subsidy held back).

Sessions (plan date + k·6 months; closed days move forward):
  1: 2027-04-15 (Thu)           2: 2027-10-15 (Fri)          3: 2028-04-15 (Sat) → 2028-04-17 (Mon)
  4: 2028-10-15 (Sun) → 10-16   5: 2029-04-15 (Sun) → 04-16  6: 2029-10-15 (Mon)
Holdback still open 15 months after the plan decision: 2026-11-20 + 15 months = 2028-02-20 (Sun).

Sweep as of 2028-06-30. Rungs whose day has come (−30, −7, 0, +7 to the support org; +30 to the
coordinator; on a closed day: previous business day when on/before the due date, else the next) — 17
in all, listed in EXPECTED below; of them the latest per item and recipient is sent (SENT: overdue_7 and
escalation_30 of sessions 1–3, both holdback rungs — 8) and the other 9 are skipped. Session 4's first
rung (2028-09-16) is not due yet.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.conftest import Cli, World

from .helpers import (
    add_company,
    eml_files,
    message_ids,
    outbox,
    r405_case,
    schedulers,
    sessions,
    spawn_scheduler,
    write_config,
)

pytestmark = pytest.mark.xdist_group("processes")  # timing-sensitive: one worker runs them in turn

DATES = {
    "open": "2026-04-01",
    "apply": "2026-04-10",
    "accept": "2026-04-20",
    "start_negotiation": "2026-09-01",
    "agree": "2026-10-15",
    "claim_payment": "2026-11-02",
    "decide_payment": "2026-11-20",
}
LATER = "2028-06-30"

SESSIONS = [
    (1, "2027-04-15", "2027-04-15", "scheduled"),
    (2, "2027-10-15", "2027-10-15", "scheduled"),
    (3, "2028-04-15", "2028-04-17", "scheduled"),
    (4, "2028-10-15", "2028-10-16", "scheduled"),
    (5, "2029-04-15", "2029-04-16", "scheduled"),
    (6, "2029-10-15", "2029-10-15", "scheduled"),
]

# (item_ref suffix, rung, recipient) → send day
EXPECTED = {
    ("#1", "upcoming_30", "support_org"): "2027-03-16",
    ("#1", "upcoming_7", "support_org"): "2027-04-08",
    ("#1", "due", "support_org"): "2027-04-15",
    ("#1", "overdue_7", "support_org"): "2027-04-22",
    ("#1", "escalation_30", "coordinator"): "2027-05-17",  # 05-15 (Sat) → next business day
    ("#2", "upcoming_30", "support_org"): "2027-09-15",
    ("#2", "upcoming_7", "support_org"): "2027-10-08",
    ("#2", "due", "support_org"): "2027-10-15",
    ("#2", "overdue_7", "support_org"): "2027-10-22",
    ("#2", "escalation_30", "coordinator"): "2027-11-15",  # 11-14 (Sun) → Mon
    ("#3", "upcoming_30", "support_org"): "2028-03-17",  # 04-17 − 30 = 03-18 (Sat) → previous (Fri)
    ("#3", "upcoming_7", "support_org"): "2028-04-10",
    ("#3", "due", "support_org"): "2028-04-17",
    ("#3", "overdue_7", "support_org"): "2028-04-24",
    ("#3", "escalation_30", "coordinator"): "2028-05-17",
    # session 4: first rung 2028-09-16 — not yet
    ("", "open", "support_org"): "2028-02-18",  # 2028-02-20 (Sun), on the date → previous business day
    ("", "escalation_30", "coordinator"): "2028-03-21",  # 03-21 (Tue); 03-20 is 春分の日
}


SENT = {
    ("#1", "overdue_7", "support_org"),
    ("#1", "escalation_30", "coordinator"),
    ("#2", "overdue_7", "support_org"),
    ("#2", "escalation_30", "coordinator"),
    ("#3", "overdue_7", "support_org"),
    ("#3", "escalation_30", "coordinator"),
    ("", "open", "support_org"),
    ("", "escalation_30", "coordinator"),
}
SUPERSEDED_BY = {k: ("overdue_7" if k[0] else "open") for k in EXPECTED if k not in SENT}


def _statuses(rows: list[dict[str, object]], case_id: str) -> dict[tuple[str, str, str], tuple[str, object]]:
    return {
        (str(r["item_ref"]).removeprefix(case_id), str(r["rung"]), str(r["recipient_role"])): (
            str(r["status"]),
            r["last_error"],
        )
        for r in rows
    }


def _check_catch_up(rows: list[dict[str, object]], case_id: str) -> None:
    got = _statuses(rows, case_id)
    assert {k for k, (status, _) in got.items() if status == "sent"} == SENT
    assert {k: err for k, (status, err) in got.items() if status == "skipped"} == {
        k: f"superseded by {by}" for k, by in SUPERSEDED_BY.items()
    }


def _sent_rungs(rows: list[dict[str, object]], case_id: str) -> dict[tuple[str, str, str], str]:
    keys = [
        (str(r["item_ref"]).removeprefix(case_id), str(r["rung"]), str(r["recipient_role"])) for r in rows
    ]
    assert len(keys) == len(set(keys)), f"a rung was enqueued twice: {sorted(keys)}"
    return {k: str(r["send_on"]) for k, r in zip(keys, rows, strict=True)}


@pytest.fixture
def late_case(cli: Cli, world: World) -> str:
    cid = r405_case(
        cli, world, company=add_company(cli, "株式会社ながれ運輸", 3), dates=DATES, coordinator="sato"
    )
    assert sessions(cli, cid) == SESSIONS
    return cid


def test_one_remind_run_after_long_downtime_sends_each_missed_rung_once(
    cli: Cli, late_case: str, tmp_path: Path
) -> None:
    mail = tmp_path / "mail"
    config = write_config(tmp_path, mail_dir=mail)
    first = cli.ok("--config", str(config), "remind", "run", today=LATER)
    assert (first["enqueued"], first["sent"], first["failed"], first["dropped"], first["skipped"]) == (
        len(SENT),
        len(SENT),
        0,
        0,
        len(EXPECTED) - len(SENT),
    )
    rows = outbox(cli, config)
    assert _sent_rungs(rows, late_case) == EXPECTED
    _check_catch_up(rows, late_case)
    assert {r["item"] for r in rows} == {"session", "holdback"}
    assert len(eml_files(mail)) == len(SENT)
    assert sorted(message_ids(mail)) == sorted(str(r["message_id"]) for r in rows if r["status"] == "sent")

    again = cli.ok("--config", str(config), "remind", "run", today=LATER)
    assert (again["enqueued"], again["sent"]) == (0, 0)
    # the day after: no rung falls on 2028-07-01, so still nothing
    next_day = cli.ok("--config", str(config), "remind", "run", today="2028-07-01")
    assert (next_day["enqueued"], next_day["sent"]) == (0, 0)
    assert len(outbox(cli, config)) == len(EXPECTED)
    assert len(eml_files(mail)) == len(SENT)


def test_dry_run_after_downtime_counts_without_sending(cli: Cli, late_case: str, tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    config = write_config(tmp_path, mail_dir=mail)
    dry = cli.ok("--config", str(config), "remind", "run", "--dry-run", today=LATER)
    assert (dry["enqueued"], dry["sent"], len(dry["skipped"])) == (len(SENT), 0, len(EXPECTED) - len(SENT))
    assert outbox(cli, config) == []
    assert eml_files(mail) == []


@pytest.mark.slow
def test_a_scheduler_started_after_long_downtime_sends_each_missed_rung_once(
    cli: Cli, late_case: str, db_url: str, tmp_path: Path
) -> None:
    mail = tmp_path / "mail"
    config = write_config(tmp_path, mail_dir=mail, interval_seconds=0.4)
    with schedulers() as procs:
        # no --interval: the settings' [scheduler] interval_seconds applies
        s = spawn_scheduler(db_url, today=LATER, config=config, log_dir=tmp_path, interval=None)
        procs.append(s)
        s.wait_for(lambda: len(s.of("swept")) >= 4, 40, "four sweeps")
        assert s.of("started")[0].data["interval_seconds"] == 0.4
        s.signal(signal.SIGTERM)
        assert s.wait(20) == 0, s.stderr()
    swept = s.of("swept")
    assert [(e.data["enqueued"], e.data["sent"]) for e in swept] == [(len(SENT), len(SENT))] + [(0, 0)] * (
        len(swept) - 1
    )
    assert {e.data["today"] for e in swept} == {LATER}
    assert _sent_rungs(outbox(cli, config), late_case) == EXPECTED
    _check_catch_up(outbox(cli, config), late_case)
    assert len(eml_files(mail)) == len(SENT)
    after = cli.ok("--config", str(config), "remind", "run", today=LATER)
    assert (after["enqueued"], after["sent"]) == (0, 0)

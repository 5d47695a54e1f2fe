"""Real ``casetrack scheduler run`` processes on one database (SQLite and PostgreSQL): one sweeper at a
time under the database lease, takeover after ``kill -9``, clean stops on SIGTERM/SIGINT, and
``remind run`` refused while a scheduler holds the lease.

Every expected e-mail was worked out by hand from DOMAIN.md §8–§9 (rungs 30 and 7 days before, on
the day, 7 days after, coordinator 30 days after; a rung on a closed day goes out the previous business
day when on or before the due date, the next one when after).
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ADMIN, Cli, World

from .helpers import (
    add_company,
    early_case,
    eml_files,
    message_ids,
    more_ticks,
    outbox,
    schedulers,
    sessions,
    smtp_sink,
    spawn_scheduler,
    wait_until,
    write_config,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("processes"),
]  # timing-sensitive: one worker runs them in turn

TODAY = "2027-04-15"

# Case A — early, 決算月 March, interim session chosen. Plan date 2026-08-31 (Mon).
#   interim: 2026-08-31 + 6 months = 2027-02-28 (Sun) → due 2027-03-01 (Mon)
#   fye: 2026-08-31 + 12 months = 2027-08-31 → first March end on or after it 2028-03-31
#        → due end of the month 2 months later: 2028-05-31 (Wed)
A_DATES = {
    "open": "2026-04-01",
    "apply": "2026-04-10",
    "accept": "2026-04-20",
    "submit_plan": "2026-08-31",
    "claim_payment": "2026-10-01",
    "decide_payment": "2026-10-20",
}
A_SESSIONS = [(1, "2027-02-28", "2027-03-01", "scheduled"), (2, "2028-05-31", "2028-05-31", "scheduled")]
# Rungs of session 1 due by 2027-04-15 → send day (the fye session's first rung, 2028-05-01, is not due):
A_RUNGS = {
    ("upcoming_30", "support_org"): "2027-01-29",  # 03-01 − 30 = 01-30 (Sat) → previous business day (Fri)
    ("upcoming_7", "support_org"): "2027-02-22",  # Mon (天皇誕生日 is 02-23)
    ("due", "support_org"): "2027-03-01",
    ("overdue_7", "support_org"): "2027-03-08",
    ("escalation_30", "coordinator"): "2027-03-31",
}
# The fye session of case A as of 2028-06-15: 05-01 (Mon), 05-24 (Wed), 05-31, 06-07 (Wed); the
# escalation (06-30) is not due yet → 4 more e-mails.
A_FYE_RUNGS_BY_2028_06_15 = 4
# Catch-up (DOMAIN.md §11): per item and recipient only the latest due rung is sent, the earlier ones are
# skipped. Case A by 2027-04-15: overdue_7 (adviser) and escalation_30 (coordinator); by 2028-06-15 its
# fye session adds overdue_7 (06-07) only, the three before it skipped. Case B: overdue_7.
A_SENT, B_SENT, A_FYE_SENT = 2, 1, 1

# Case B — early, 決算月 December, interim session chosen. Plan date 2026-09-30 (Wed).
#   interim: 2026-09-30 + 6 months = 2027-03-30 (Tue), an open day
#   fye: 2027-09-30 → 2027-12-31 → due 2028-02-29 (Tue, leap year)
# Accepted 2026-07-20: the claim deadline (2027-07-20) warns from 2027-04-20, after TODAY, so while case B is
# being entered (drafting, plan_submitted…) a sweep finds nothing of it but its session's rungs.
B_DATES = {
    "open": "2026-05-01",
    "apply": "2026-05-11",
    "accept": "2026-07-20",
    "submit_plan": "2026-09-30",
    "claim_payment": "2026-10-15",
    "decide_payment": "2026-10-30",
}
B_SESSIONS = [(1, "2027-03-30", "2027-03-30", "scheduled"), (2, "2028-02-29", "2028-02-29", "scheduled")]
B_RUNGS = {
    ("upcoming_30", "support_org"): "2027-02-26",  # 03-30 − 30 = 02-28 (Sun) → previous business day (Fri)
    ("upcoming_7", "support_org"): "2027-03-23",  # Tue (03-22 is the 振替休日 of 春分の日 03-21)
    ("due", "support_org"): "2027-03-30",
    ("overdue_7", "support_org"): "2027-04-06",
    # escalation_30: 2027-04-29 (昭和の日) — after 2027-04-15, not due
}


def _rows_by_rung(rows: list[dict[str, object]], case_id: str) -> dict[tuple[str, str], str]:
    mine = [r for r in rows if r["case_id"] == case_id]
    keys = [(str(r["rung"]), str(r["recipient_role"])) for r in mine]
    assert len(keys) == len(set(keys)), f"a rung enqueued twice for {case_id}: {keys}"
    return {(str(r["rung"]), str(r["recipient_role"])): str(r["send_on"]) for r in mine}


def _error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    return lines[0]


def test_two_schedulers_one_sweeps_the_other_waits_and_takes_over_after_kill_9(
    cli: Cli, world: World, db_url: str, tmp_path: Path
) -> None:
    a = early_case(
        cli, world, company=add_company(cli, "株式会社あさひ製作所", 3), dates=A_DATES, interim=True
    )
    assert sessions(cli, a) == A_SESSIONS
    company_b = add_company(cli, "有限会社ゆうひ商店", 12)
    sink = tmp_path / "sink"  # a real SMTP server that keeps every DATA as its own file: duplicates show
    with smtp_sink(sink) as port, schedulers() as procs:
        config = write_config(tmp_path, smtp_port=port, lease_seconds=3)
        procs += [spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path, name=n) for n in "12"]
        for p in procs:
            p.wait_for(lambda p=p: len(p.of("swept")) + len(p.of("waiting")) >= 4, 40, "four ticks")
        wait_until(lambda: len(eml_files(sink)) >= A_SENT, 20, "case A's e-mails")

        sweepers = [p for p in procs if p.of("swept")]
        waiters = [p for p in procs if p.of("waiting")]
        assert len(sweepers) == 1 and len(waiters) == 1, [p.kinds() for p in procs]
        holder, survivor = sweepers[0], waiters[0]
        assert holder is not survivor
        assert set(holder.kinds()) == {"started", "swept"}, holder.kinds()
        assert set(survivor.kinds()) == {"started", "waiting"}, survivor.kinds()
        assert {e.data["holder"] for e in survivor.of("waiting")} == {holder.holder}
        assert holder.holder != survivor.holder
        assert sum(e.data["sent"] for e in holder.of("swept")) == A_SENT
        assert sum(e.data["enqueued"] for e in holder.of("swept")) == A_SENT
        assert len(eml_files(sink)) == A_SENT

        # kill -9 the lease holder; then case B arrives with rungs due (its sessions are live from the plan
        # on — early plan_submitted, payment_claimed, monitoring — so it is entered only now)
        killed_at = time.monotonic()
        holder.proc.send_signal(signal.SIGKILL)
        assert holder.wait(10) == -signal.SIGKILL
        b = early_case(cli, world, company=company_b, dates=B_DATES, interim=True)
        assert sessions(cli, b) == B_SESSIONS

        survivor.wait_for(
            lambda: sum(e.data["sent"] for e in survivor.of("swept")) >= B_SENT,
            30,
            "the survivor to take over and send case B's e-mails",
        )
        first = survivor.of("swept")[0]
        delay = first.at - killed_at
        # the holder renewed its 3-second lease at most one tick (0.5 s) before it died, on this host: the
        # survivor sees its pid gone and takes the lease over at once, long before it would expire
        assert delay < 2.0, delay
        assert not [e for e in survivor.of("waiting") if e.at > first.at], survivor.kinds()
        wait_until(lambda: len(eml_files(sink)) >= A_SENT + B_SENT, 20, "case B's e-mails")
        more_ticks(survivor, 3)  # a few more ticks: nothing else may go out
        survivor.signal(signal.SIGTERM)
        assert survivor.wait(20) == 0, survivor.stderr()

    assert sum(e.data["sent"] for e in survivor.of("swept")) == B_SENT
    assert "error" not in holder.kinds() + survivor.kinds()
    rows = outbox(cli, config)
    # case B is entered step by step while the survivor sweeps: a sweep that saw it waiting on a council
    # decision (利用申請済, 支払申請済 — long past 14 days as of TODAY) raised that reminder, which the
    # decision then dropped unsent; nothing else may be there
    passing = [r for r in rows if r["item"] == "decision"]
    assert {(r["case_id"], r["status"]) for r in passing} <= {(b, "dropped")}, passing
    rows = [r for r in rows if r["item"] != "decision"]
    assert len(rows) == len(A_RUNGS) + len(B_RUNGS)
    assert {r["status"] for r in rows} == {"sent", "skipped"}
    assert _rows_by_rung(rows, a) == A_RUNGS
    assert _rows_by_rung(rows, b) == B_RUNGS
    delivered = message_ids(sink)
    assert len(delivered) == A_SENT + B_SENT
    assert Counter(delivered).most_common(1)[0][1] == 1, Counter(delivered)
    assert set(delivered) == {r["message_id"] for r in rows if r["status"] == "sent"}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_scheduler_cleanly_and_releases_the_lease(
    cli: Cli, world: World, db_url: str, tmp_path: Path, sig: signal.Signals
) -> None:
    a = early_case(
        cli, world, company=add_company(cli, "株式会社あさひ製作所", 3), dates=A_DATES, interim=True
    )
    mail = tmp_path / "mail"
    # a long lease: only a release (not expiry) lets `remind run` in right after the stop
    config = write_config(tmp_path, mail_dir=mail, lease_seconds=60)
    with schedulers() as procs:
        s = spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path)
        procs.append(s)
        s.wait_for(lambda: len(s.of("swept")) >= 2, 40, "two sweeps")
        assert [e.data["sent"] for e in s.of("swept")][:2] == [A_SENT, 0]
        assert len(eml_files(mail)) == A_SENT
        before = outbox(cli, config)
        assert _rows_by_rung(before, a) == A_RUNGS

        # while the scheduler holds the lease: exit 3, one line naming the holder, nothing written
        # (as of 2028-06-15 case A's fye rungs would be due)
        busy = cli("--config", str(config), "remind", "run", today="2028-06-15")
        assert busy.code == 3, (busy.code, busy.out, busy.err)
        assert s.holder in _error_line(busy.err)
        busy_json = cli("--config", str(config), "remind", "run", "--format", "json", today="2028-06-15")
        assert busy_json.code == 3
        assert busy_json.json["ok"] is False and busy_json.json["code"] == "conflict"
        assert s.holder in busy_json.json["error"]
        assert outbox(cli, config) == before
        assert len(eml_files(mail)) == A_SENT

        s.signal(sig)
        assert s.wait(20) == 0, s.stderr()
    kinds = s.kinds()
    assert kinds[0] == "started" and kinds[-2:] == ["stopping", "stopped"], kinds
    assert kinds.count("stopping") == 1 and kinds.count("stopped") == 1
    assert s.of("stopping")[0].data["signal"] == sig.name
    assert "error" not in kinds and not s.junk, (kinds, s.junk)
    assert "Traceback" not in s.stderr()

    # the lease was released: a sweep right away succeeds and sends case A's fye rungs once
    done = cli.ok("--config", str(config), "remind", "run", today="2028-06-15")
    assert (done["enqueued"], done["sent"], done["failed"], done["dropped"]) == (A_FYE_SENT, A_FYE_SENT, 0, 0)
    assert len(eml_files(mail)) == A_SENT + A_FYE_SENT


def test_a_signal_during_a_sweep_lets_the_sweep_finish(
    cli: Cli, world: World, db_url: str, tmp_path: Path
) -> None:
    a = early_case(
        cli, world, company=add_company(cli, "株式会社あさひ製作所", 3), dates=A_DATES, interim=True
    )
    sink = tmp_path / "sink"
    with smtp_sink(sink, delay=0.4) as port, schedulers() as procs:  # 5 e-mails: a 2-second sweep
        config = write_config(tmp_path, smtp_port=port, lease_seconds=60)
        s = spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path)
        procs.append(s)
        wait_until(lambda: len(eml_files(sink)) >= 1, 30, "the sweep to start sending")
        s.signal(signal.SIGTERM)
        assert s.wait(30) == 0, s.stderr()
    kinds = s.kinds()
    assert kinds == ["started", "stopping", "swept", "stopped"], kinds
    assert s.of("swept")[0].data["sent"] == A_SENT
    rows = outbox(cli, config)
    assert _rows_by_rung(rows, a) == A_RUNGS
    assert {r["status"] for r in rows} == {"sent", "skipped"}
    assert sorted(message_ids(sink)) == sorted(str(r["message_id"]) for r in rows if r["status"] == "sent")
    done = cli.ok("--config", str(config), "remind", "run", today=TODAY)  # the lease was released
    assert (done["enqueued"], done["sent"]) == (0, 0)


def test_a_sweep_longer_than_the_lease_is_not_joined_by_a_second_scheduler(
    cli: Cli, world: World, db_url: str, tmp_path: Path
) -> None:
    """DOMAIN.md §9: each rung is sent once, ever. A sweep that takes longer than the lease (a slow mail
    server) must not let a second scheduler deliver the same outbox rows meanwhile."""
    for n in range(2):
        early_case(
            cli, world, company=add_company(cli, f"株式会社あさひ製作所{n}", 3), dates=A_DATES, interim=True
        )
    expected = 2 * len(A_RUNGS)
    sink = tmp_path / "sink"
    with smtp_sink(sink, delay=0.6) as port, schedulers() as procs:  # 10 e-mails: a 6-second sweep
        config = write_config(tmp_path, smtp_port=port, lease_seconds=2)
        first = spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path, name="1")
        procs.append(first)
        wait_until(lambda: len(eml_files(sink)) >= 1, 30, "the first sweep to start sending")
        second = spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path, name="2")
        procs.append(second)
        wait_until(lambda: len(first.of("swept")) >= 1, 40, "the first sweep to end")
        second.wait_for(lambda: len(second.of("swept")) + len(second.of("waiting")) >= 3, 30, "three ticks")
        more_ticks(second, 2)
        for p in procs:
            p.signal(signal.SIGTERM)
        for p in procs:
            assert p.wait(30) == 0, p.stderr()
    rows = outbox(cli, config)
    assert len(rows) == expected and {r["status"] for r in rows} == {"sent", "skipped"}
    delivered = Counter(message_ids(sink))
    assert sorted(delivered) == sorted(str(r["message_id"]) for r in rows if r["status"] == "sent")
    assert [m for m, n in delivered.items() if n > 1] == [], (
        f"{sum(delivered.values())} deliveries of {expected} messages; events 1: {first.kinds()}, "
        f"2: {second.kinds()}"
    )


def test_a_killed_schedulers_lease_on_this_host_is_taken_over_at_once(
    cli: Cli, world: World, db_url: str, tmp_path: Path
) -> None:
    early_case(cli, world, company=add_company(cli, "株式会社あさひ製作所", 3), dates=A_DATES, interim=True)
    mail = tmp_path / "mail"
    config = write_config(tmp_path, mail_dir=mail, lease_seconds=60)  # far longer than the test
    with schedulers() as procs:
        s = spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path)
        procs.append(s)
        s.wait_for(lambda: len(s.of("swept")) >= 2, 40, "two sweeps")
        s.proc.send_signal(signal.SIGKILL)
        assert s.wait(10) == -signal.SIGKILL
    # the dead holder ran on this host: its lease (60 s) does not block the next sweep
    done = cli.ok("--config", str(config), "remind", "run", today="2028-06-15")
    assert (done["enqueued"], done["sent"]) == (A_FYE_SENT, A_FYE_SENT)
    assert len(eml_files(mail)) == A_SENT + A_FYE_SENT


def test_only_an_admin_runs_the_scheduler_and_a_disabled_one_stops_sweeping(
    cli: Cli, world: World, db_url: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, mail_dir=tmp_path / "mail", lease_seconds=60)
    refused = cli(
        "--config", str(config), "scheduler", "run"
    )  # the supervisor tester: refused before it starts
    assert refused.code == 5 and refused.err.startswith("error:") and len(refused.err.splitlines()) == 1
    cli.ok("user", "add", "ops", "--council", "00", "--role", "admin", user=ADMIN)
    with schedulers() as procs:
        s = spawn_scheduler(db_url, today=TODAY, config=config, log_dir=tmp_path, user="ops")
        procs.append(s)
        s.wait_for(lambda: len(s.of("swept")) >= 1, 40, "a sweep")
        cli.ok("user", "disable", "ops", user=ADMIN)
        since = time.monotonic()
        s.wait_for(
            lambda: any("disabled" in e.data.get("error", "") for e in s.of("error", since)),
            40,
            "the next tick to refuse the disabled user",
        )
        swept_before = len(s.of("swept"))
        more_ticks(s, 3)  # three more ticks: none sweeps
        assert len(s.of("swept")) == swept_before
        s.signal(signal.SIGTERM)
        assert s.wait(20) == 0, s.stderr()

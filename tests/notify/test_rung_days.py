"""Rung days of the deadline items and of council closures, swept every day (DOMAIN.md §8–§9).
All dates worked out by hand in the comments."""

from __future__ import annotations

import collections
import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import Cli, World
from tests.notify.conftest import SmtpServer, write_settings
from tests.notify.helpers import (
    COORDINATOR,
    COORDINATOR_EMAIL,
    COUNCIL,
    LEAD_EMAIL,
    adv,
    assert_outbox_invariant,
    case_in_monitoring,
    d,
    doc,
    outbox_cli,
    outbox_rows,
    sweep,
)

COMPANY = "株式会社みどり工房"


def open_until_accepted(cli: Cli, w: World, program: str) -> str:
    """Opened 2026-04-01, applied 2026-04-10, accepted 2026-04-20 (405: negotiating from 2026-09-01)."""
    args = [
        "case",
        "open",
        "--program",
        program,
        "--council",
        COUNCIL,
        "--company",
        str(w.company),
        "--support-org",
        str(w.tax),
        "--lender",
        f"{w.bank_main}:main",
        "--coordinator",
        COORDINATOR,
        "--on",
        "2026-04-01",
    ]
    if program == "405":
        args += [
            "--lender",
            f"{w.bank_second}:guaranteed",
            "--estimate",
            "plan=3300000",
            "--estimate",
            "monitoring=1200000",
        ]
    else:
        args += ["--lender", str(w.bank_second)]
    cid = str(cli.ok(*args, today="2026-04-01")["id"])
    if program == "405":
        doc(cli, cid, "schedule_chart", "2026-04-05")
    else:
        doc(cli, cid, "pre_consultation_letter", "2026-04-10")
    doc(cli, cid, "application", "2026-04-10")
    adv(cli, cid, "apply", "2026-04-10")
    adv(cli, cid, "accept", "2026-04-20")
    if program == "405":
        doc(cli, cid, "plan", "2026-08-25")
        adv(cli, cid, "start_negotiation", "2026-09-01")
    return cid


# early — the plan claim must be made within 12 months of acceptance: deadline Tue 2027-04-20.
#   warn at 9 months after acceptance (= deadline − 3 months): Wed 2027-01-20 (support org), 90 days left
#   −30 days: Sun 2027-03-21 春分の日 (Mon 03-22 振替休日), on/before the deadline → previous business
#   day: Sat 03-20 → Fri 2027-03-19 (support org and coordinator), 32 days left
#   the deadline itself: Tue 2027-04-20 (support org and coordinator)
# 405 — validity 24 months from acceptance: Thu 2028-04-20.
#   warn at 18 months after acceptance (= end − 6 months): Wed 2027-10-20 (support org), 183 days left
#   −30 days: Tue 2028-03-21 (the day after 春分の日 Mon 03-20; open) — both, 30 days left
#   the end itself: Thu 2028-04-20 — both
DEADLINES = {
    "early": (
        "claim_deadline",
        "2027-04-20",
        "2027-05-31",
        {
            "2027-01-20": {("warn", "support_org", 90)},
            "2027-03-19": {("upcoming_30", "support_org", 32), ("upcoming_30", "coordinator", 32)},
            "2027-04-20": {("due", "support_org", 0), ("due", "coordinator", 0)},
        },
    ),
    "405": (
        "validity",
        "2028-04-20",
        "2028-05-31",
        {
            "2027-10-20": {("warn", "support_org", 183)},
            "2028-03-21": {("upcoming_30", "support_org", 30), ("upcoming_30", "coordinator", 30)},
            "2028-04-20": {("due", "support_org", 0), ("due", "coordinator", 0)},
        },
    ),
}


@pytest.mark.slow  # a day-by-day sweep loop: run first (tests/conftest.py)
@pytest.mark.parametrize("program", ["early", "405"])
def test_deadline_rungs_every_day(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path, program: str
) -> None:
    item, deadline, last, expected_days = DEADLINES[program]
    cid = open_until_accepted(cli, world, program)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    total = 0
    seen = 0
    day = d("2026-04-20")
    while day <= d(last):
        iso = day.isoformat()
        result = sweep(db_url, day, config)
        total += result["enqueued"]
        rows = outbox_rows(db_url, config, iso)
        assert_outbox_invariant(rows, total)
        received = smtp_server.received
        new, seen = received[seen:], len(received)
        by_id = {r["message_id"]: r for r in rows}
        got = set()
        for m in new:
            row = by_id[m.message_id]
            assert (row["item"], row["item_ref"], row["due_on"], row["send_on"]) == (item, cid, deadline, iso)
            left = (d(deadline) - day).days
            got.add((row["rung"], row["recipient_role"], left))
            to = COORDINATOR_EMAIL if row["recipient_role"] == "coordinator" else LEAD_EMAIL
            assert m.rcpt_tos == (to,)
            subject = str(m.message["Subject"])
            assert COMPANY in subject and ("本日" in subject if left == 0 else f"あと{left}日" in subject), (
                subject
            )
            body = m.message.get_body(("plain",))
            assert body is not None and body.get_content_charset() == "utf-8"
            assert deadline in body.get_content() and cid in body.get_content()
        assert got == expected_days.get(iso, set()), (iso, got)
        assert result["sent"] == len(new) and result["failed"] == result["dropped"] == 0
        day += dt.timedelta(days=1)
    assert len(smtp_server.received) == 5
    assert collections.Counter(m.message_id for m in smtp_server.received).most_common(1)[0][1] == 1
    assert assert_outbox_invariant(outbox_cli(cli, config), 5)["sent"] == 5


@pytest.mark.slow  # a day-by-day sweep loop: run first (tests/conftest.py)
def test_council_closures_move_rungs(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """Session 1 is due Thu 2027-05-06. A closure in the settings on Tue 2027-04-06 (its −30 rung, on/before
    the due date) moves that rung back to Mon 2027-04-05; a council closure in the database on Mon
    2027-06-07 (where the +30 rung lands after Sat 06-05) moves it on to Tue 2027-06-08."""
    cid = case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server, closures=("2027-04-06",))
    cli.ok(
        "--config",
        str(config),
        "calendar",
        "closure",
        "add",
        "2027-06-07",
        "--council",
        COUNCIL,
        "--reason",
        "庁舎点検",
        today="2027-03-01",
    )
    expected = {
        "2027-04-05": "upcoming_30",
        "2027-04-28": "upcoming_7",  # Thu 04-29 昭和の日 → Wed
        "2027-05-06": "due",
        "2027-05-13": "overdue_7",
        "2027-06-08": "escalation_30",
    }
    seen = 0
    total = 0
    day = d("2027-04-01")
    while day <= d("2027-06-15"):
        iso = day.isoformat()
        result = sweep(db_url, day, config)
        total += result["enqueued"]
        rows = outbox_rows(db_url, config, iso)
        assert_outbox_invariant(rows, total)
        received = smtp_server.received
        new, seen = received[seen:], len(received)
        by_id = {r["message_id"]: r for r in rows}
        got = [(by_id[m.message_id]["item_ref"], by_id[m.message_id]["rung"]) for m in new]
        assert got == ([(f"{cid}#1", expected[iso])] if iso in expected else []), (iso, got)
        day += dt.timedelta(days=1)
    assert len(smtp_server.received) == 5


@pytest.mark.slow  # a day-by-day sweep loop: run first (tests/conftest.py)
def test_open_holdback_rungs(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """405 holdback still open 15 months after the plan decision (DOMAIN.md §9): payment decided
    2026-12-21 → Tue 2028-03-21 (the day after 春分の日; open). Rungs as configured in workflows/405.yaml:
    on the day to the support org, +30 days (Thu 2028-04-20) to the coordinator. Every session is waived
    first, so the holdback is the only open item."""
    cid = case_in_monitoring(cli, world)
    for seq in range(1, 7):
        cli.ok(
            "monitoring", "waive", cid, str(seq), "--reason", "伴走支援は金融機関が実施", today="2027-01-05"
        )
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    expected = {"2028-03-21": ("open", LEAD_EMAIL), "2028-04-20": ("escalation_30", COORDINATOR_EMAIL)}
    seen = 0
    total = 0
    day = d("2026-12-21")
    while day <= d("2028-06-30"):
        iso = day.isoformat()
        result = sweep(db_url, day, config)
        total += result["enqueued"]
        rows = outbox_rows(db_url, config, iso)
        assert_outbox_invariant(rows, total)
        received = smtp_server.received
        new, seen = received[seen:], len(received)
        by_id = {r["message_id"]: r for r in rows}
        got = [(by_id[m.message_id]["item"], by_id[m.message_id]["rung"], m.rcpt_tos[0]) for m in new]
        assert got == ([("holdback", *expected[iso])] if iso in expected else []), (iso, got)
        for m in new:
            assert COMPANY in str(m.message["Subject"])
        day += dt.timedelta(days=1)
    assert len(smtp_server.received) == 2

"""Each rung of each monitoring session goes out once, ever, on the day DOMAIN.md §9 gives it
(closed days: the previous business day on or before the due date, the next one after it), and a
session recorded as held or waived gets no more rungs. Real SMTP server, real database."""

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
    COUNCIL_NAME,
    LEAD_EMAIL,
    MONITORING_FROM,
    S1_RUNGS,
    SESSIONS,
    assert_outbox_invariant,
    case_in_monitoring,
    d,
    outbox_cli,
    outbox_rows,
    record,
    release_holdback,
    remind_cli,
    rung_key,
    sweep,
)

COMPANY = "株式会社みどり工房"
RUNG_PHRASE = {  # what each rung's subject says (templates/email/session_*.txt.j2)
    "upcoming_30": "の期限が近づいています",
    "upcoming_7": "の期限が近づいています",
    "due": "本日が伴走支援",
    "overdue_7": "が期限を過ぎています",
}


def check_message(received_msg, *, seq: int, rung: str, due_on: str, sent_on: str, case_id: str) -> None:
    """Headers decode to the expected Japanese text; the body is UTF-8 Japanese; one recipient."""
    msg = received_msg.message
    subject = str(msg["Subject"])
    body_part = msg.get_body(("plain",))
    assert body_part is not None
    assert body_part.get_content_charset() == "utf-8"
    body = body_part.get_content()
    assert COMPANY in subject and COMPANY in body
    if rung == "escalation_30":
        assert received_msg.rcpt_tos == (COORDINATOR_EMAIL,)
        assert [a.addr_spec for a in msg["To"].addresses] == [COORDINATOR_EMAIL]
        days_over = (d(sent_on) - d(due_on)).days
        assert f"伴走支援の期限超過（{days_over}日）" in subject, subject
        assert case_id in subject
        assert f"第{seq}回" in body and due_on in body and f"{days_over}日" in body
    else:
        assert received_msg.rcpt_tos == (LEAD_EMAIL,)
        assert [a.addr_spec for a in msg["To"].addresses] == [LEAD_EMAIL]
        assert subject.startswith(f"【{COUNCIL_NAME}】"), subject
        assert f"伴走支援（第{seq}回）" in subject, subject
        assert RUNG_PHRASE[rung] in subject, subject
        assert f"伴走支援（モニタリング）第{seq}回" in body and due_on in body
        assert "みなと税理士法人 御中" in body


def test_same_day_twice_sends_nothing_more(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    cid = case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    # As of 2027-05-14 four rungs of session 1 (due Thu 2027-05-06) have come, all missed so far:
    # upcoming_30 (04-06), upcoming_7 (04-28), due (05-06), overdue_7 (05-13); the escalation (06-07) not.
    # Catch-up (DOMAIN.md §11): overdue_7 goes, the three before it are skipped.
    dry = remind_cli(cli, config, "2027-05-14", "--dry-run")
    assert (dry["enqueued"], dry["sent"], dry["failed"], dry["dropped"]) == (1, 0, 0, 0)
    assert len(dry["skipped"]) == 3
    assert outbox_cli(cli, config) == [] and smtp_server.received == []

    first = remind_cli(cli, config, "2027-05-14")
    assert {k: first[k] for k in ("enqueued", "sent", "failed", "dropped", "skipped")} == {
        "enqueued": 1,
        "sent": 1,
        "failed": 0,
        "dropped": 0,
        "skipped": 3,
    }
    second = remind_cli(cli, config, "2027-05-14")
    assert {k: second[k] for k in ("enqueued", "sent", "failed", "dropped", "skipped")} == {
        "enqueued": 0,
        "sent": 0,
        "failed": 0,
        "dropped": 0,
        "skipped": 0,
    }

    rows = outbox_cli(cli, config)
    assert assert_outbox_invariant(rows, 4)["sent"] == 1
    assert sorted(rung_key(r) for r in rows) == sorted(
        (f"{cid}#1", rung, "support_org") for rung in ("upcoming_30", "upcoming_7", "due", "overdue_7")
    )
    assert {r["rung"]: r["send_on"] for r in rows} == {
        k: v for k, v in S1_RUNGS.items() if k != "escalation_30"
    }
    assert {r["rung"]: r["status"] for r in rows} == {
        "upcoming_30": "skipped",
        "upcoming_7": "skipped",
        "due": "skipped",
        "overdue_7": "sent",
    }
    rows = [r for r in rows if r["status"] == "sent"]
    got = smtp_server.received
    assert len(got) == 1
    assert {m.mail_from for m in got} == {"casetrack@council.example.jp"}  # [mail] from
    assert sorted(m.message_id for m in got) == sorted(r["message_id"] for r in rows)
    by_id = {r["message_id"]: r for r in rows}
    for m in got:
        row = by_id[m.message_id]
        check_message(m, seq=1, rung=row["rung"], due_on="2027-05-06", sent_on="2027-05-14", case_id=cid)


# Three years of daily sweeps (services API), from the day monitoring starts to the end of 2029.
# What happens to each session (before that day's sweep), and the rungs that must go out, by hand
# (rungs count from the moved due date; Sat/Sun/holidays: previous business day when on or before
# the due date, next business day when after):
#
# S1 due Thu 2027-05-06 — never held in time, held 2027-06-10 (after its last rung): all five rungs
#   -30 Tue 04-06 · -7 Thu 04-29 昭和の日 → Wed 04-28 · 0 Thu 05-06 · +7 Thu 05-13 ·
#   +30 Sat 06-05 → Mon 06-07 (coordinator; 32 days over on the day it goes out)
# S2 due Thu 2027-11-04 — held on its due day, before the sweep: -30 Tue 10-05 · -7 Thu 10-28 (2)
# S3 due Mon 2028-05-08 — waived 2028-03-01, before its first rung (Sat 04-08 → Fri 04-07): none
# S4 due Mon 2028-11-06 — held 2028-11-01: -30 Sat 10-07 → Fri 10-06 · -7 Mon 10-30 (2)
# S5 due Mon 2029-05-07 — held 2029-05-20 (after +7, before +30 Wed 06-06):
#   -30 Sat 04-07 → Fri 04-06 · -7 Mon 04-30 振替休日 → (Sun, Sat) Fri 04-27 · 0 Mon 05-07 ·
#   +7 Mon 05-14 (4)
# S6 due Mon 2029-11-05 — never held: -30 Sat 10-06 → Fri 10-05 · -7 Mon 10-29 · 0 Mon 11-05 ·
#   +7 Mon 11-12 · +30 Wed 12-05 (5)
# Total 5 + 2 + 0 + 2 + 4 + 5 = 18. The 405 holdback is released on 2027-06-10 (first monitoring
# fee decided), long before it would open (plan payment decided 2026-12-21 + 15 months).
EXPECTED_DAYS: dict[str, set[tuple[int, str]]] = {
    "2027-04-06": {(1, "upcoming_30")},
    "2027-04-28": {(1, "upcoming_7")},
    "2027-05-06": {(1, "due")},
    "2027-05-13": {(1, "overdue_7")},
    "2027-06-07": {(1, "escalation_30")},
    "2027-10-05": {(2, "upcoming_30")},
    "2027-10-28": {(2, "upcoming_7")},
    "2028-10-06": {(4, "upcoming_30")},
    "2028-10-30": {(4, "upcoming_7")},
    "2029-04-06": {(5, "upcoming_30")},
    "2029-04-27": {(5, "upcoming_7")},
    "2029-05-07": {(5, "due")},
    "2029-05-14": {(5, "overdue_7")},
    "2029-10-05": {(6, "upcoming_30")},
    "2029-10-29": {(6, "upcoming_7")},
    "2029-11-05": {(6, "due")},
    "2029-11-12": {(6, "overdue_7")},
    "2029-12-05": {(6, "escalation_30")},
}
EXPECTED_TOTAL = 18
LAST_DAY = "2029-12-31"


@pytest.mark.slow  # a day-by-day sweep loop: run first (tests/conftest.py)
def test_three_years_of_daily_sweeps(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    cid = case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    assert sum(len(v) for v in EXPECTED_DAYS.values()) == EXPECTED_TOTAL

    def actions(day: str) -> None:
        if day == "2027-06-10":
            record(cli, cid, 1, day)
            release_holdback(cli, cid, 1, day)
        elif day == "2027-11-04":
            record(cli, cid, 2, day)
        elif day == "2028-03-01":
            cli.ok("monitoring", "waive", cid, "3", "--reason", "金融機関と合意のうえ省略", today=day)
        elif day == "2028-11-01":
            record(cli, cid, 4, day)
        elif day == "2029-05-20":
            record(cli, cid, 5, day)

    enqueued_total = 0
    seen = 0
    day = d(MONITORING_FROM)
    while day <= d(LAST_DAY):
        iso = day.isoformat()
        actions(iso)
        result = sweep(db_url, day, config)
        enqueued_total += result["enqueued"]
        rows = outbox_rows(db_url, config, iso)
        counts = assert_outbox_invariant(rows, enqueued_total)
        assert counts["pending"] == counts["dead"] == counts["dropped"] == 0, (iso, counts)
        got = smtp_server.received
        new = got[seen:]
        seen = len(got)
        expected = EXPECTED_DAYS.get(iso, set())
        assert result == {"enqueued": len(expected), "sent": len(expected), "failed": 0, "dropped": 0}, (
            iso,
            result,
        )
        by_id = {r["message_id"]: r for r in rows}
        got_today = set()
        for m in new:
            row = by_id[m.message_id]
            seq = int(row["item_ref"].rpartition("#")[2])
            got_today.add((seq, row["rung"]))
            assert row["send_on"] == iso and row["due_on"] == SESSIONS[seq][1]
            check_message(m, seq=seq, rung=row["rung"], due_on=SESSIONS[seq][1], sent_on=iso, case_id=cid)
        assert got_today == expected and len(new) == len(expected), (iso, got_today, expected)
        day += dt.timedelta(days=1)

    received = smtp_server.received
    assert len(received) == EXPECTED_TOTAL
    per_message_id = collections.Counter(m.message_id for m in received)
    assert max(per_message_id.values()) == 1
    rows = outbox_cli(cli, config)
    assert assert_outbox_invariant(rows, EXPECTED_TOTAL)["sent"] == EXPECTED_TOTAL
    per_key = collections.Counter(rung_key(r) for r in rows)
    assert max(per_key.values()) == 1
    assert set(per_message_id) == {r["message_id"] for r in rows}
    roles = collections.Counter(r["recipient_role"] for r in rows)
    assert roles == {"support_org": 16, "coordinator": 2}
    assert {r["item"] for r in rows} == {"session"}
    escalations = sorted((r["item_ref"], r["to_addr"]) for r in rows if r["rung"] == "escalation_30")
    assert escalations == [(f"{cid}#1", COORDINATOR_EMAIL), (f"{cid}#6", COORDINATOR_EMAIL)]
    assert all(COORDINATOR in str(m.message["To"]) for m in received if m.rcpt_tos == (COORDINATOR_EMAIL,))

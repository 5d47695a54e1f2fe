"""Reminders a council can trust on day one (DOMAIN.md §11): catch-up sends only the latest rung per item
and recipient and records the rest as skipped; sessions are reminded in every state where they are live;
the sender's display name, Reply-To and staff display names arrive as written; a dead letter is put back
by ``outbox retry`` and goes with its original Message-ID; bad mail settings write nothing.

Through the real CLI, against a real SMTP server (aiosmtpd) on loopback, on SQLite and PostgreSQL.
Every expected date and count is worked out by hand below."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN, Cli, World
from tests.notify.conftest import SmtpServer, write_settings
from tests.notify.helpers import (
    COORDINATOR,
    COORDINATOR_EMAIL,
    LEAD_EMAIL,
    case_agreed,
    case_in_monitoring,
    outbox_cli,
)

COMPANY = "株式会社みどり工房"
SENDER_NAME = "東京都中小企業活性化協議会"
SENDER = f"{SENDER_NAME} <casetrack@council.example.jp>"

# The catch-up day: 2027-10-30 (Sat). Session 1 is due Thu 2027-05-06, so it is 177 days overdue
# (May 6→31: 25, Jun 30, Jul 31, Aug 31, Sep 30, Oct 30 → 177). Session 2 is due Thu 2027-11-04, five
# days ahead. Rungs whose day has come (DOMAIN.md §9, counted from the due dates):
#   session 1, support org: upcoming_30 04-06, upcoming_7 04-28, due 05-06, overdue_7 05-13
#     → overdue_7 is sent (the overdue template, "177日"); the three before it are skipped.
#   session 1, coordinator: escalation_30 (Sat 06-05 → Mon 06-07) → sent; nothing to skip.
#   session 2, support org: upcoming_30 (Tue 10-05), upcoming_7 (Thu 10-28) → upcoming_7 is sent
#     ("あと5日"); upcoming_30 is skipped.
# The holdback item opens 15 months after the plan decision (2028-03-21): nothing yet.
CATCH_UP_DAY = "2027-10-30"
EXPECTED_SENT = {
    ("#1", "overdue_7", "support_org"),
    ("#1", "escalation_30", "coordinator"),
    ("#2", "upcoming_7", "support_org"),
}
EXPECTED_SKIPPED = {
    ("#1", "upcoming_30", "overdue_7"),
    ("#1", "upcoming_7", "overdue_7"),
    ("#1", "due", "overdue_7"),
    ("#2", "upcoming_30", "upcoming_7"),
}


def run(cli: Cli, config: Path, day: str, *extra: str) -> tuple[int, dict[str, Any], str]:
    result = cli("--config", str(config), "remind", "run", *extra, "--format", "json", today=day)
    return result.code, result.json, result.err


def by_rung(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {("#" + r["item_ref"].rpartition("#")[2], r["rung"], r["recipient_role"]): r for r in rows}


def test_first_sweep_after_import_sends_one_truthful_mail_per_item_and_recipient(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    cid = case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)

    code, first, _ = run(cli, config, CATCH_UP_DAY)
    assert code == 0
    assert (first["enqueued"], first["sent"], first["dead"], first["skipped"]) == (3, 3, 0, 4)

    rows = outbox_cli(cli, config)
    sent = [r for r in rows if r["status"] == "sent"]
    assert {k for k in by_rung(sent)} == EXPECTED_SENT
    skipped = outbox_cli(cli, config, "skipped")
    assert {
        (k[0], k[1], r["last_error"].removeprefix("superseded by ")) for k, r in by_rung(skipped).items()
    } == EXPECTED_SKIPPED
    assert all(r["last_error"].startswith("superseded by ") for r in skipped)

    received = {m.rcpt_tos: [] for m in smtp_server.received}
    for m in smtp_server.received:
        received[m.rcpt_tos].append(m.message)
    assert sorted(len(v) for v in received.values()) == [1, 2]  # the coordinator one, the adviser two
    adviser = {str(m["Subject"]): m for m in received[(LEAD_EMAIL,)]}
    overdue = adviser[f"【{SENDER_NAME}】伴走支援（第1回）が期限を過ぎています：{COMPANY}"]
    text = overdue.get_content()
    assert "177日過ぎても" in text
    assert "近づいて" not in text and "本日" not in text
    upcoming = adviser[
        f"【{SENDER_NAME}】伴走支援（第2回）の期限が近づいています：{COMPANY}（期限 2027-11-04）"
    ]
    assert "（あと5日）" in upcoming.get_content()
    (escalation,) = received[(COORDINATOR_EMAIL,)]
    assert str(escalation["Subject"]) == f"【casetrack】伴走支援の期限超過（177日）：{cid} {COMPANY}"

    # the next day: nothing new, and the skipped rungs never go later
    code, again, _ = run(cli, config, "2027-10-31")
    assert (code, again["enqueued"], again["sent"], again["skipped"]) == (0, 0, 0, 0)
    # session 2's due day (Thu 2027-11-04): its "due" rung, with the due template
    code, due_day, _ = run(cli, config, "2027-11-04")
    assert (code, due_day["enqueued"], due_day["sent"], due_day["skipped"]) == (0, 1, 1, 0)
    assert (
        str(smtp_server.received[-1].message["Subject"])
        == f"【{SENDER_NAME}】本日が伴走支援（第2回）の期限です：{COMPANY}"
    )
    assert len(outbox_cli(cli, config, "skipped")) == 4


def test_a_rung_sent_late_says_what_is_true_that_day(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # Session 1 is due Thu 2027-05-06; its "due" rung (day 0) is the latest due on Mon 2027-05-10 (overdue_7
    # comes 05-13). Sent four days late, it must not say 本日: the overdue template, "4日過ぎても".
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    code, result, _ = run(cli, config, "2027-05-10")
    assert (code, result["sent"], result["skipped"]) == (0, 1, 2)
    (msg,) = [m.message for m in smtp_server.received]
    assert str(msg["Subject"]) == f"【{SENDER_NAME}】伴走支援（第1回）が期限を過ぎています：{COMPANY}"
    assert "4日過ぎても" in msg.get_content()


def agreed_case(cli: Cli, w: World) -> str:
    """A 405 case agreed on 2026-11-03 (plan date), its plan payment never claimed: it stays `agreed`
    with its six sessions scheduled (session 1 due Thu 2027-05-06, as in helpers.SESSIONS)."""
    cid = case_agreed(cli, w)
    case = cli.ok("case", "show", cid)
    assert case["state"] == "agreed" and case["monitoring"][0]["due_on"] == "2027-05-06"
    return cid


def test_sessions_of_an_agreed_case_are_reminded_and_audited_alike(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    cid = agreed_case(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    # 2027-05-14: session 1 (due 05-06) is 8 days overdue; overdue_7 (05-13) is the latest rung for the
    # adviser (three earlier ones skipped); the validity item (24 months from 2026-04-20, warned 6 months
    # before: 2027-10-20) has no rung yet.
    code, result, _ = run(cli, config, "2027-05-14")
    assert (code, result["enqueued"], result["sent"], result["skipped"]) == (0, 1, 1, 3)
    (msg,) = [m.message for m in smtp_server.received]
    assert "8日過ぎても" in msg.get_content()
    findings = cli.ok("audit", "stalled", today="2027-05-14")
    assert [(f["case"], f["days"]) for f in findings if f["code"] == "monitoring_overdue"] == [(cid, 8)]
    load = cli.ok("caseload", "--by", "state", today="2027-05-14")
    assert [(r["key"], r["overdue_monitoring"]) for r in load] == [("agreed", 1)]


def test_display_names_from_and_reply_to_as_received(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    edited = cli.ok("user", "edit", COORDINATOR, "--display-name", "佐藤 花子", user=ADMIN)
    assert edited["display_name"] == "佐藤 花子"
    cid = case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server, sender=SENDER)
    code, _, _ = run(cli, config, "2027-06-07")  # adviser: overdue_7; coordinator: escalation_30
    assert code == 0
    by_to = {m.rcpt_tos: m for m in smtp_server.received}
    adviser = by_to[(LEAD_EMAIL,)].message
    assert adviser["From"].addresses[0].display_name == SENDER_NAME
    assert adviser["From"].addresses[0].addr_spec == "casetrack@council.example.jp"
    assert adviser["Reply-To"].addresses[0].display_name == "佐藤 花子"
    assert adviser["Reply-To"].addresses[0].addr_spec == COORDINATOR_EMAIL
    assert "担当の佐藤 花子までご連絡ください" in adviser.get_content()
    assert "sato" not in adviser.get_content()
    staff = by_to[(COORDINATOR_EMAIL,)].message
    assert staff.get_content().splitlines()[0] == "佐藤 花子 様"
    assert staff["Reply-To"] is None
    assert cid in str(staff["Subject"])


def test_a_case_without_a_coordinator_escalates_to_its_councils_supervisors(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # sato is council 13's only supervisor with an e-mail (the tester supervisor has none).
    case_in_monitoring(cli, world, coordinator=None)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    code, result, _ = run(cli, config, "2027-06-07")
    assert (code, result["dead"], result["sent"]) == (0, 0, 2)
    rows = [r for r in outbox_cli(cli, config) if r["status"] == "sent"]
    assert sorted((r["recipient_role"], r["to_addr"]) for r in rows) == [
        ("supervisor", COORDINATOR_EMAIL),
        ("support_org", LEAD_EMAIL),
    ]


def test_550_dead_then_outbox_retry_delivers_with_the_original_message_id(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    smtp_server.fail_next(1, "550 5.1.1 mailbox unavailable", stage="rcpt")
    code, result, err = run(cli, config, "2027-05-06")  # session 1's due rung only (two before it skipped)
    assert code == 1, err
    assert (result["enqueued"], result["sent"], result["dead"]) == (1, 0, 1)
    assert "went dead" in err
    (dead,) = outbox_cli(cli, config, "dead")
    assert dead["last_error"].startswith("550") and dead["attempts"] == 1

    refused = cli("--config", str(config), "outbox", "retry", "999", "--format", "json")
    assert refused.code == 4
    retried = cli.ok("--config", str(config), "outbox", "retry", str(dead["id"]))
    assert retried == {"retried": 1, "ids": [dead["id"]]}
    assert cli("--config", str(config), "outbox", "retry", str(dead["id"]), "--format", "json").code == 1

    code, result, _ = run(cli, config, "2027-05-06")
    assert (code, result["enqueued"], result["sent"], result["dead"]) == (0, 0, 1, 0)
    (row,) = [r for r in outbox_cli(cli, config) if r["id"] == dead["id"]]
    assert (row["status"], row["attempts"], row["message_id"]) == ("sent", 2, dead["message_id"])
    (received,) = smtp_server.received
    assert received.message_id == dead["message_id"]


def test_outbox_retry_dead_since(cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    smtp_server.fail_next(2, "550 no", stage="rcpt")
    assert run(cli, config, "2027-06-07")[0] == 1  # overdue_7 (send_on 05-13) and escalation_30 (06-07) dead
    later = cli.ok("--config", str(config), "outbox", "retry", "--dead", "--since", "2027-06-01")
    assert len(later["ids"]) == 1
    assert [r["rung"] for r in outbox_cli(cli, config, "pending")] == ["escalation_30"]
    assert (
        cli("--config", str(config), "outbox", "retry", "--since", "2027-06-01", "--format", "json").code == 2
    )


def test_a_bad_from_is_exit_2_and_writes_nothing(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(
        tmp_path / "casetrack.toml", server=smtp_server, sender="東京都協議会 <casetrack at council>"
    )
    result = cli("--config", str(config), "remind", "run", today="2027-05-14")
    assert result.code == 2
    assert "[mail] from" in result.err and len(result.err.strip().splitlines()) == 1
    assert outbox_cli(cli, config) == []
    assert smtp_server.received == []
    doctor = cli("--config", str(config), "doctor", "--format", "json", today="2027-05-14")
    checks = {c["check"]: c for c in doctor.json["checks"]}
    assert doctor.code == 1 and not checks["mail"]["ok"] and "[mail] from" in checks["mail"]["detail"]


def test_doctor_warns_with_the_count_of_dead_letters(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server, sender=SENDER)
    smtp_server.fail_next(1, "550 no", stage="rcpt")
    assert run(cli, config, "2027-05-06")[0] == 1
    doctor = cli("--config", str(config), "doctor", today="2027-05-06")
    outbox_line = next(line for line in doctor.out.splitlines() if " outbox " in line)
    assert outbox_line.startswith("WARN") and "1 dead letter(s)" in outbox_line
    assert next(line for line in doctor.out.splitlines() if " mail " in line).startswith("ok")


def test_dry_run_previews_messages_and_skipped_rungs(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    cid = case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    code, preview, _ = run(cli, config, CATCH_UP_DAY, "--dry-run")
    assert code == 0 and preview["enqueued"] == 3
    assert {
        ("#" + m["item_ref"].rpartition("#")[2], m["rung"], m["recipient_role"]) for m in preview["messages"]
    } == EXPECTED_SENT
    for m in preview["messages"]:
        assert {"case", "item", "rung", "to", "subject", "send_on"} <= set(m) and m["case"] == cid
    assert {
        ("#" + s["item_ref"].rpartition("#")[2], s["rung"], s["superseded_by"]) for s in preview["skipped"]
    } == EXPECTED_SKIPPED
    assert outbox_cli(cli, config) == [] and smtp_server.received == []
    table = cli("--config", str(config), "remind", "run", "--dry-run", today=CATCH_UP_DAY)
    assert table.code == 0 and "overdue_7" in table.out and "superseded_by" in table.out


def test_a_bad_from_said_in_japanese_by_default(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(
        tmp_path / "casetrack.toml", server=smtp_server, sender="東京都協議会 <casetrack at council>"
    )
    monkeypatch.delenv("CASETRACK_LANG", raising=False)
    result = cli("--config", str(config), "remind", "run", today="2027-05-14")
    assert result.code == 2
    line = result.err.strip()
    assert line.startswith(
        "エラー: メールの設定に誤りがあります：[mail] from「東京都協議会 <casetrack at council>」は"
    ), line
    assert "is not" not in line
    assert outbox_cli(cli, config) == [] and smtp_server.received == []

"""Delivery of the outbox against a real SMTP server: the server down then up, temporary (4xx) and
permanent (5xx) refusals, a rung whose session is done before delivery, header injection, the SMTP
password, and the .eml file transport (DOMAIN.md §9, CLI.md settings)."""

from __future__ import annotations

import base64
import collections
import datetime as dt
import os
import subprocess
import sys
import traceback
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from casetrack.notify import messages
from casetrack.notify.senders import DeliveryFailure, make_sender
from casetrack.services import reminders as rem
from casetrack.services.context import utc_now
from casetrack.store.db import get_engine
from tests.conftest import Cli, World
from tests.notify.conftest import SmtpServer, write_settings
from tests.notify.helpers import (
    COORDINATOR_EMAIL,
    LEAD_EMAIL,
    S1_RUNGS,
    assert_outbox_invariant,
    case_in_monitoring,
    context,
    outbox_cli,
    parse_eml,
    remind_cli,
    rung_key,
    status_counts,
)

# As of 2027-05-14 four rungs of session 1 (due Thu 2027-05-06) have come: upcoming_30 (Tue 04-06),
# upcoming_7 (Thu 04-29 昭和の日 → Wed 04-28), due (05-06), overdue_7 (Thu 05-13). Catch-up (DOMAIN.md
# §11) sends the latest, overdue_7, and records the three before it as skipped.
CATCH_UP_DAY = "2027-05-14"
CATCH_UP_RUNGS = ("upcoming_30", "upcoming_7", "due", "overdue_7")
SUPERSEDED = CATCH_UP_RUNGS[:-1]


def counts_of(result: dict) -> tuple[int, int, int, int]:
    return result["enqueued"], result["sent"], result["failed"], result["dropped"]


def deliver_at(db_url: str, config: Path, day: str, later: dt.timedelta) -> dict[str, int]:
    """Deliver the outbox as if ``later`` had passed (pending rows wait for their backoff)."""
    ctx = replace(context(db_url, day, config), clock=lambda: utc_now() + later)
    sender = make_sender(ctx.settings)
    try:
        return rem.deliver(ctx, sender)
    finally:
        sender.close()


def test_smtp_down_then_up(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    cid = case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    smtp_server.stop()

    first = remind_cli(cli, config, CATCH_UP_DAY)
    assert counts_of(first) == (1, 0, 1, 0) and first["skipped"] == 3
    rows = outbox_cli(cli, config)
    assert assert_outbox_invariant(rows, 4)["pending"] == 1
    assert sorted(r["rung"] for r in rows) == sorted(CATCH_UP_RUNGS)
    assert sorted(r["rung"] for r in rows if r["status"] == "skipped") == sorted(SUPERSEDED)
    [pending] = [r for r in rows if r["status"] == "pending"]
    assert pending["rung"] == "overdue_7" and pending["attempts"] == 1 and pending["last_error"]
    assert pending["sent_at"] is None
    enqueued_ids = {rung_key(r): r["message_id"] for r in rows}

    # still down, the same day: nothing new to enqueue; the pending row waits for its backoff
    again = remind_cli(cli, config, CATCH_UP_DAY)
    assert counts_of(again) == (0, 0, 0, 0)
    assert status_counts(outbox_cli(cli, config))["pending"] == 1

    smtp_server.start()
    # not yet due for a retry: the server stays empty
    assert deliver_at(db_url, config, CATCH_UP_DAY, dt.timedelta(0))["sent"] == 0
    assert smtp_server.received == []
    delivered = deliver_at(db_url, config, CATCH_UP_DAY, dt.timedelta(hours=1))
    assert delivered["sent"] == 1 and delivered["failed"] == delivered["dead"] == delivered["dropped"] == 0

    rows = outbox_cli(cli, config)
    assert assert_outbox_invariant(rows, 4)["sent"] == 1
    assert {rung_key(r): r["message_id"] for r in rows} == enqueued_ids  # the Message-ID fixed at enqueue
    [sent] = [r for r in rows if r["status"] == "sent"]
    assert sent["attempts"] == 2 and sent["last_error"] is None
    got = collections.Counter(m.message_id for m in smtp_server.received)
    assert got == collections.Counter([sent["message_id"]])  # exactly once, same Message-ID
    assert all(m.rcpt_tos == (LEAD_EMAIL,) for m in smtp_server.received)

    # later sweeps send nothing more
    assert counts_of(remind_cli(cli, config, "2027-05-15")) == (0, 0, 0, 0)
    assert len(smtp_server.received) == 1
    assert {r["item_ref"] for r in outbox_cli(cli, config)} == {f"{cid}#1"}


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_temporary_refusals_are_retried_and_counted(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path, stage: str
) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    reply = "451 4.3.0 Mailbox temporarily unavailable, try again later"
    smtp_server.fail_next(2, reply, stage)

    # 2027-04-06: one rung, session 1 upcoming_30
    assert counts_of(remind_cli(cli, config, S1_RUNGS["upcoming_30"])) == (1, 0, 1, 0)
    [row] = outbox_cli(cli, config)
    assert (row["status"], row["attempts"], row["rung"]) == ("pending", 1, "upcoming_30")
    assert "451" in row["last_error"] and "try again later" in row["last_error"]
    message_id = row["message_id"]

    second = deliver_at(db_url, config, S1_RUNGS["upcoming_30"], dt.timedelta(hours=1))
    assert (second["sent"], second["failed"]) == (0, 1)
    [row] = outbox_cli(cli, config)
    assert (row["status"], row["attempts"]) == ("pending", 2) and "451" in row["last_error"]

    third = deliver_at(db_url, config, S1_RUNGS["upcoming_30"], dt.timedelta(hours=2))
    assert (third["sent"], third["failed"]) == (1, 0)
    [row] = outbox_cli(cli, config)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)
    assert [m.message_id for m in smtp_server.received] == [message_id]
    assert [s for s, _ in smtp_server.handler.refused] == [stage, stage]
    assert_outbox_invariant(outbox_cli(cli, config), 1)


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_permanent_refusal_is_dead_and_never_retried(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path, stage: str
) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    reply = "550 5.1.1 <office@minato-tax.example.jp>: Recipient address rejected: User unknown"
    smtp_server.fail_next(1, reply, stage)

    # 2027-04-06: session 1's upcoming_30, refused for good; 2027-04-28: its upcoming_7, sent
    result = cli("--config", str(config), "remind", "run", "--format", "json", today=S1_RUNGS["upcoming_30"])
    assert result.code == 1 and "went dead" in result.err  # counts printed, then exit 1
    assert (result.json["enqueued"], result.json["sent"], result.json["dead"]) == (1, 0, 1)
    result = remind_cli(cli, config, S1_RUNGS["upcoming_7"])
    assert (result["enqueued"], result["sent"], result["failed"]) == (1, 1, 0)
    rows = outbox_cli(cli, config)
    counts = assert_outbox_invariant(rows, 2)
    assert (counts["dead"], counts["sent"]) == (1, 1)
    [dead] = [r for r in rows if r["status"] == "dead"]
    assert dead["attempts"] == 1
    assert "550" in dead["last_error"] and "User unknown" in dead["last_error"], dead["last_error"]
    data_before = smtp_server.handler.data_commands
    rcpt_refusals = len(smtp_server.handler.refused)

    # never retried: a day later, and a week later
    assert deliver_at(db_url, config, "2027-04-29", dt.timedelta(days=1)) == {
        "sent": 0,
        "failed": 0,
        "dead": 0,
        "dropped": 0,
        "skipped": 0,
    }
    assert counts_of(remind_cli(cli, config, "2027-05-05")) == (0, 0, 0, 0)
    assert smtp_server.handler.data_commands == data_before
    assert len(smtp_server.handler.refused) == rcpt_refusals
    [again] = outbox_cli(cli, config, status="dead")
    assert (again["id"], again["attempts"], again["last_error"]) == (dead["id"], 1, dead["last_error"])
    assert [m.message_id for m in smtp_server.received] == [
        r["message_id"] for r in rows if r["status"] == "sent"
    ]


DONE = {
    "held": ("monitoring", "record", "1", "--held-on", "2027-04-10"),
    "waived": ("monitoring", "waive", "1", "--reason", "金融機関と合意のうえ省略"),
    "terminated": ("case", "advance", "{cid}", "terminate_early", "--on", "2027-04-10", "--reason", "完済"),
}


@pytest.mark.parametrize("how", list(DONE))
def test_rung_done_before_delivery_is_dropped(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path, how: str
) -> None:
    cid = case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    smtp_server.stop()
    # 2027-04-06: session 1 upcoming_30 enqueued, not delivered (server down)
    assert counts_of(remind_cli(cli, config, S1_RUNGS["upcoming_30"])) == (1, 0, 1, 0)
    args = [a.format(cid=cid) for a in DONE[how]]
    if args[0] == "monitoring":
        args.insert(2, cid)
    cli.ok(*args, today="2027-04-10")  # the item is done before the message could go out
    smtp_server.start()

    delivered = deliver_at(db_url, config, "2027-04-10", dt.timedelta(hours=1))
    assert (delivered["sent"], delivered["dropped"]) == (0, 1)
    [row] = outbox_cli(cli, config)
    assert (row["status"], row["rung"]) == ("dropped", "upcoming_30")
    assert smtp_server.received == []
    # and the session gets no further rungs (its due day and the escalation pass)
    for day in ("2027-04-28", "2027-05-06", "2027-05-13", "2027-06-07"):
        assert counts_of(remind_cli(cli, config, day)) == (0, 0, 0, 0)
    assert smtp_server.received == []
    assert assert_outbox_invariant(outbox_cli(cli, config), 1)["dropped"] == 1


def test_lead_without_email_is_dead_not_lost(
    cli: Cli, world: World, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """A rung for a lead support org without an e-mail address cannot be sent: it is kept as dead with
    the reason, counted, and nothing reaches the server; the coordinator's escalation still goes out."""
    lead = cli.ok(
        "org", "add", "--name", "メール未登録税理士事務所", "--kind", "tax_accountant", "--certified"
    )["id"]
    cid = case_in_monitoring(cli, world, support=lead)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    # all five rungs of session 1 have come: the adviser's latest (overdue_7) and the coordinator's
    # escalation are enqueued, the adviser's three earlier ones skipped
    run = cli("--config", str(config), "remind", "run", "--format", "json", today=S1_RUNGS["escalation_30"])
    assert run.code == 1 and "went dead" in run.err
    result = run.json
    assert (result["enqueued"], result["sent"], result["dead"]) == (
        2,
        1,
        1,
    )  # dead when enqueued (no address)
    rows = outbox_cli(cli, config)
    counts = assert_outbox_invariant(rows, 5)
    assert (counts["dead"], counts["sent"], counts["skipped"]) == (1, 1, 3)
    for r in rows:
        if r["status"] == "dead":
            assert r["recipient_role"] == "support_org" and r["to_addr"] is None and r["last_error"]
    assert [m.rcpt_tos for m in smtp_server.received] == [(COORDINATOR_EMAIL,)]
    assert cid in str(smtp_server.received[0].message["Subject"])


def test_smtp_down_over_a_weekend_loses_nothing(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    smtp_server.stop()
    # Fri 2027-05-14 evening: session 1's latest rung (overdue_7) is enqueued while the server is down
    assert counts_of(remind_cli(cli, config, CATCH_UP_DAY)) == (1, 0, 1, 0)
    # the scheduler keeps trying every hour, Friday night to Monday morning (60 hours)
    for hour in range(1, 61):
        deliver_at(db_url, config, CATCH_UP_DAY, dt.timedelta(hours=hour))
    smtp_server.start()
    delivered = deliver_at(db_url, config, "2027-05-17", dt.timedelta(hours=61))
    rows = outbox_cli(cli, config)
    assert status_counts(rows)["dead"] == 0, [(r["attempts"], r["last_error"]) for r in rows]
    assert delivered["sent"] == 1
    assert len(smtp_server.received) == 1


EVIL = "\r\nBcc: evil@example.com"
ALLOWED_HEADERS = {
    "from",
    "to",
    "reply-to",
    "subject",
    "message-id",
    "date",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


def _header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n", b"\n").split(b"\n")
    return [
        line.split(b":", 1)[0].decode("ascii").lower() for line in head if line and line[:1] not in b" \t"
    ]


def test_names_cannot_add_headers(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    # such names are refused on entry now (exit 2 naming the character) ...
    assert cli("company", "add", "--name", f"株式会社あくま{EVIL}", "--fiscal-year-end-month", "3").code == 2
    company = cli.ok("company", "add", "--name", "株式会社あくま", "--fiscal-year-end-month", "3")["id"]
    adviser = cli.ok(
        "org",
        "add",
        "--name",
        "あくま税理士法人",
        "--kind",
        "tax_accountant",
        "--certified",
        "--email",
        "lead@akuma-tax.example.jp",
    )["id"]
    # ... but a database may hold them from before that rule: written straight into the rows
    with get_engine(db_url).begin() as conn:
        conn.execute(
            sa.text("UPDATE company SET name = :n WHERE id = :i"),
            {"n": f"株式会社あくま{EVIL}", "i": company},
        )
        conn.execute(
            sa.text("UPDATE organisation SET name = :n WHERE id = :i"),
            {"n": f"あくま税理士法人{EVIL}", "i": adviser},
        )
    case_in_monitoring(cli, world, company=company, support=adviser)
    # an address cannot carry a line break either
    refused = cli("org", "add", "--name", "x", "--kind", "other", "--email", f"x@example.jp{EVIL}")
    assert refused.code == 2, refused
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    # 2027-06-07: all five rungs of session 1 have come: the adviser's latest and the coordinator's
    assert counts_of(remind_cli(cli, config, S1_RUNGS["escalation_30"])) == (2, 2, 0, 0)

    received = smtp_server.received
    assert len(received) == 2
    for m in received:
        assert "evil@example.com" not in m.rcpt_tos
        assert len(m.rcpt_tos) == 1 and m.rcpt_tos[0] in ("lead@akuma-tax.example.jp", COORDINATOR_EMAIL)
        msg = m.message
        assert msg.get_all("Bcc") is None and msg.get_all("Cc") is None
        names = _header_names(m.data)
        assert set(names) <= ALLOWED_HEADERS, names
        assert collections.Counter(names)["to"] == 1
        assert [a.addr_spec for a in msg["To"].addresses] == list(m.rcpt_tos)
        assert "株式会社あくま" in str(msg["Subject"])
        assert b"\nBcc:" not in m.data and b"\rBcc:" not in m.data
    assert sorted(m.rcpt_tos[0] for m in received) == sorted(["lead@akuma-tax.example.jp", COORDINATOR_EMAIL])


def test_message_build_strips_line_breaks() -> None:
    msg = messages.build(
        sender="casetrack@council.example.jp",
        to_addr="lead@example.jp",
        to_name=f"税理士{EVIL}",
        subject=f"件名{EVIL}",
        body="本文です。",
        message_id="<x@council.example.jp>",
    )
    raw = msg.as_bytes()
    assert set(_header_names(raw)) <= ALLOWED_HEADERS
    assert b"\nBcc:" not in raw


PASSWORD = "pw-Zq9vK7-not-for-your-eyes"


def _secrets() -> list[str]:
    forms = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode()]
    forms.append(base64.b64encode(f"\0casetrack-bot\0{PASSWORD}".encode()).decode())  # AUTH PLAIN
    return forms


def _assert_no_secret(text: str, where: str) -> None:
    for secret in _secrets():
        assert secret not in text, f"the SMTP password shows in {where}: {text!r}"


@pytest.mark.parametrize("auth", ["rejected", "not_offered"])
def test_smtp_password_never_shown(
    cli: Cli, world: World, db_url: str, tmp_path: Path, auth: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = SmtpServer(auth=auth == "rejected")
    server.start()
    try:
        case_in_monitoring(cli, world)
        config = write_settings(tmp_path / "casetrack.toml", server=server, username="casetrack-bot")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRACK_")}
        env["CASETRACK_SMTP_PASSWORD"] = PASSWORD
        for day, extra in ((S1_RUNGS["upcoming_30"], []), (S1_RUNGS["upcoming_7"], ["--debug"])):
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "casetrack",
                    "--db",
                    db_url,
                    "--config",
                    str(config),
                    "--today",
                    day,
                    *extra,
                    "remind",
                    "run",
                    "--format",
                    "json",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
            _assert_no_secret(proc.stdout, "stdout")
            _assert_no_secret(proc.stderr, "stderr")
        rows = outbox_cli(cli, config)
        assert len(rows) == 2 and all(r["last_error"] for r in rows)
        assert server.received == []
        for r in rows:
            _assert_no_secret(r["last_error"], "outbox last_error")
        table = cli("--config", str(config), "outbox", "list")
        _assert_no_secret(table.out + table.err, "outbox list")

        # the sender's exception itself (and everything chained to it)
        monkeypatch.setenv("CASETRACK_SMTP_PASSWORD", PASSWORD)
        ctx = context(db_url, "2027-04-28", config)
        sender = make_sender(ctx.settings)
        msg = messages.build(
            sender="casetrack@council.example.jp",
            to_addr=LEAD_EMAIL,
            to_name="みなと",
            subject="件名",
            body="本文",
            message_id="<t@council.example.jp>",
        )
        with pytest.raises(DeliveryFailure) as info:
            sender.send(msg, "probe")
        sender.close()
        text = (
            "".join(traceback.format_exception(info.value)) + repr(info.value) + repr(info.value.__context__)
        )
        _assert_no_secret(text, "the exception")
        if auth == "rejected":
            assert "535" in info.value.reply
    finally:
        server.stop()


def test_file_transport_writes_one_eml_per_message(cli: Cli, world: World, tmp_path: Path) -> None:
    case_in_monitoring(cli, world)
    mail_dir = tmp_path / "mail-out"
    config = write_settings(tmp_path / "casetrack.toml", transport="file", mail_dir=mail_dir)
    # two days of rungs: 2027-04-28 (upcoming_30 skipped, upcoming_7 sent), 2027-05-14 (due skipped,
    # overdue_7 sent)
    assert counts_of(remind_cli(cli, config, S1_RUNGS["upcoming_7"])) == (1, 1, 0, 0)
    assert counts_of(remind_cli(cli, config, CATCH_UP_DAY)) == (1, 1, 0, 0)
    assert counts_of(remind_cli(cli, config, CATCH_UP_DAY)) == (0, 0, 0, 0)
    files = sorted(mail_dir.glob("*.eml"))
    assert len(files) == 2
    assert sorted(p.name for p in mail_dir.iterdir()) == [p.name for p in files]  # no partial files left
    rows = outbox_cli(cli, config)
    assert assert_outbox_invariant(rows, 4)["sent"] == 2
    parsed = [parse_eml(p) for p in files]
    assert sorted(str(m["Message-ID"]) for m in parsed) == sorted(
        r["message_id"] for r in rows if r["status"] == "sent"
    )
    for m in parsed:
        assert [a.addr_spec for a in m["To"].addresses] == [LEAD_EMAIL]
        assert "伴走支援（第1回）" in str(m["Subject"]) and "株式会社みどり工房" in str(m["Subject"])
        body = m.get_body(("plain",))
        assert body is not None and body.get_content_charset() == "utf-8"
        assert "株式会社みどり工房 様" in body.get_content()


def test_an_address_the_mail_library_cannot_write_is_dead_and_blocks_nothing(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    """An address that passed an older check (or came in by import) and that the e-mail library refuses
    to write: that message is dead with the reason, and every other message still goes out."""
    import sqlalchemy as sa

    from casetrack.store.db import get_engine

    case_in_monitoring(cli, world)
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    with get_engine(db_url).begin() as conn:  # the lead adviser's address, as an older version let it in
        conn.execute(
            sa.text("UPDATE organisation SET email = :e WHERE email = :old"),
            {"e": "=?utf-8?q?x?=@evil.example", "old": LEAD_EMAIL},
        )
    run = cli("--config", str(config), "remind", "run", "--format", "json", today=S1_RUNGS["escalation_30"])
    assert run.code == 1  # a message went dead in this sweep: counts printed, then exit 1
    result = run.json
    rows = [r for r in outbox_cli(cli, config) if r["status"] != "skipped"]
    dead = [r for r in rows if r["status"] == "dead"]
    sent = [r for r in rows if r["status"] == "sent"]
    assert dead and all("cannot build the message" in r["last_error"] for r in dead)
    assert sent and all(r["recipient_role"] == "coordinator" for r in sent)  # the other message still went
    assert result["sent"] == len(sent) and len(dead) + len(sent) == len(rows) == result["enqueued"]
    assert remind_cli(cli, config, S1_RUNGS["escalation_30"])["sent"] == 0  # nothing retried, nothing stuck

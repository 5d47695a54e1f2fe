"""The decision rung (workflows/*.yaml ``reminders.decision``): a case waiting on the council (利用申請済,
支払申請済) for 14 days e-mails each supervisor of its council, once, over real SMTP; a case decided
before that day sends nothing; a message still pending when the decision is made is dropped. Dates by
hand: applied Mon 2026-11-02 → 14 days: Mon 2026-11-16 (a business day)."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from tests.conftest import ADMIN, Cli, World
from tests.notify.conftest import SmtpServer, write_settings
from tests.notify.helpers import COORDINATOR, COUNCIL, adv, doc, outbox_rows, sweep

SUBJECT = "【東京都中小企業活性化協議会】協議会の決定待ちが14日になりました：株式会社みどり工房"


def _applied(cli: Cli, w: World, on: str) -> str:
    cid = str(
        cli.ok(
            "case",
            "open",
            "--program",
            "early",
            "--council",
            COUNCIL,
            "--company",
            str(w.company),
            "--support-org",
            str(w.tax),
            "--lender",
            f"{w.bank_main}:main",
            "--lender",
            str(w.bank_second),
            "--coordinator",
            COORDINATOR,
            "--on",
            "2026-11-01",
            today="2026-11-01",
        )["id"]
    )
    doc(cli, cid, "pre_consultation_letter", on)
    doc(cli, cid, "application", on)
    adv(cli, cid, "apply", on)
    return cid


def _subjects(server: SmtpServer) -> list[tuple[tuple[str, ...], str]]:
    out = []
    for r in server.received:
        msg = email.message_from_bytes(r.data, policy=email.policy.default)
        out.append((r.rcpt_tos, str(msg["Subject"])))
    return out


def test_each_supervisor_is_mailed_once_when_a_decision_has_waited_14_days(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    cli.ok(
        "user",
        "add",
        "kimura",
        "--council",
        COUNCIL,
        "--role",
        "supervisor",
        "--email",
        "kimura@council.example.jp",
        "--display-name",
        "木村 一郎",
        user=ADMIN,
    )
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    case_id = _applied(cli, world, "2026-11-02")
    assert sweep(db_url, "2026-11-15", config)["enqueued"] == 0  # 13 days
    assert smtp_server.received == []
    assert sweep(db_url, "2026-11-16", config)["sent"] == 2
    got = sorted(_subjects(smtp_server))
    assert got == [(("kimura@council.example.jp",), SUBJECT), (("sato@council.example.jp",), SUBJECT)]
    rows = [r for r in outbox_rows(db_url, config, "2026-11-16") if r["item"] == "decision"]
    assert {(r["case_id"], r["rung"], r["recipient_role"], r["due_on"]) for r in rows} == {
        (case_id, "waiting_14", "supervisor", "2026-11-02")
    }
    assert sweep(db_url, "2026-11-17", config)["enqueued"] == 0  # once
    assert len(smtp_server.received) == 2


def test_a_late_first_sweep_sends_one_and_a_decided_case_none(
    cli: Cli, world: World, db_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    config = write_settings(tmp_path / "casetrack.toml", server=smtp_server)
    waiting = _applied(cli, world, "2026-11-02")
    decided = str(
        cli.ok(
            "case",
            "open",
            "--program",
            "early",
            "--council",
            COUNCIL,
            "--company",
            str(world.company_dec),
            "--support-org",
            str(world.tax),
            "--lender",
            f"{world.bank_main}:main",
            "--lender",
            str(world.bank_second),
            "--coordinator",
            COORDINATOR,
            "--on",
            "2026-11-01",
            today="2026-11-01",
        )["id"]
    )
    doc(cli, decided, "pre_consultation_letter", "2026-11-02")
    doc(cli, decided, "application", "2026-11-02")
    adv(cli, decided, "apply", "2026-11-02")
    adv(cli, decided, "accept", "2026-11-13")  # decided before its 14th day
    assert sweep(db_url, "2026-12-01", config)["sent"] == 1  # 29 days on: still one message
    ((to, subject),) = _subjects(smtp_server)
    assert to == ("sato@council.example.jp",) and "決定待ちが29日になりました" in subject
    rows = [r for r in outbox_rows(db_url, config, "2026-12-01") if r["item"] == "decision"]
    assert [r["case_id"] for r in rows] == [waiting]

"""One clock: the instant a use case writes into its records (history, outbox, sweep runs, access log,
the e-mail's Date) and the doctor's ``checked_at`` come from the Context's clock, so a fixed clock is
what lands in every one of them."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
from dataclasses import replace
from pathlib import Path

from casetrack import services
from casetrack.services import reminders as rem
from tests.conftest import Cli, World
from tests.notify.conftest import write_settings
from tests.notify.helpers import COORDINATOR, COUNCIL, adv, context, doc

AT = dt.datetime(2026, 11, 16, 1, 2, 3, tzinfo=dt.UTC)  # 10:02:03 in Tokyo, never the machine's clock


def _applied(cli: Cli, w: World) -> str:
    """A case applied on Mon 2026-11-02: its decision rung (14 days, to the council's supervisors) falls
    on Mon 2026-11-16."""
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
            "--coordinator",
            COORDINATOR,
            "--on",
            "2026-11-01",
            today="2026-11-01",
        )["id"]
    )
    doc(cli, cid, "pre_consultation_letter", "2026-11-02")
    doc(cli, cid, "application", "2026-11-02")
    adv(cli, cid, "apply", "2026-11-02")
    return cid


def test_a_fixed_clock_is_what_every_record_is_written_at(
    cli: Cli, world: World, db_url: str, tmp_path: Path
) -> None:
    mail = tmp_path / "mail"
    config = write_settings(tmp_path / "casetrack.toml", transport="file", mail_dir=mail)
    case_id = _applied(cli, world)
    ctx = replace(context(db_url, "2026-11-16", config), clock=lambda: AT)

    result = rem.remind_run(ctx)
    assert result["sent"] >= 1, result
    sent = rem.outbox_list(ctx, "sent")
    assert sent and {(r["created_at"], r["sent_at"]) for r in sent} == {(AT, AT)}
    (eml,) = sorted(mail.glob("*.eml"))[:1]
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert email.utils.parsedate_to_datetime(str(message["Date"])) == AT

    last = services.list_access(ctx, limit=1)[0]
    assert (last["at"], last["action"]) == (AT, "outbox.read")  # the outbox_list just above

    supervisor = replace(ctx, user=COORDINATOR)  # the council's supervisor (an admin reads no cases)
    applied = services.case_history(supervisor, case_id)[-1]
    services.correct_history(supervisor, case_id, applied["seq"], note="申請書の受付印を確認")
    assert services.case_history(supervisor, case_id)[-1]["recorded_at"] == AT

    report = services.doctor(ctx)
    assert report["checked_at"] == AT
    assert (report["last_sweep"]["started_at"], report["last_sweep"]["finished_at"]) == (AT, AT)
    scheduler = next(c for c in report["checks"] if c["check"] == "scheduler")
    assert scheduler["ok"] and "(0 s ago" in scheduler["detail"], scheduler


def test_the_real_clock_is_the_default(cli: Cli, world: World, db_url: str, tmp_path: Path) -> None:
    ctx = context(db_url, "2026-11-16", write_settings(tmp_path / "casetrack.toml", transport="file"))
    before = dt.datetime.now(dt.UTC)
    now = ctx.now()
    assert before <= now <= dt.datetime.now(dt.UTC) and now.tzinfo is dt.UTC

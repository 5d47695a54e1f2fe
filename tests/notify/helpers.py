"""Helpers for the reminder e-mail tests. Every expected date and count in the tests is worked out by
hand from DOMAIN.md §8–§9 (and written down in the comments); nothing here reads the program's rules."""

from __future__ import annotations

import collections
import datetime as dt
import email
import email.policy
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from casetrack import services
from casetrack.services import reminders as rem
from casetrack.settings import load_settings
from tests.conftest import ADMIN, Cli, World

COUNCIL = "13"
COUNCIL_NAME = "東京都中小企業活性化協議会"
LEAD_EMAIL = "office@minato-tax.example.jp"  # the world's certified tax accountant (みなと税理士法人)
COORDINATOR = "sato"
COORDINATOR_EMAIL = "sato@council.example.jp"
STATUSES = ("pending", "sent", "dead", "dropped", "skipped")

# The 405 case every test drives (hand-chosen dates):
#   accepted 2026-04-20; all lenders agree 2026-11-03 (文化の日) → plan date 2026-11-03;
#   payment decided 2026-12-21 → monitoring. I = 6 months, window 36 months → six sessions at
#   plan date + 6k months, each moved off its closed day to the next business day (DOMAIN.md §8):
SESSIONS = {
    1: ("2027-05-03", "2027-05-06"),  # Mon 憲法記念日, Tue みどりの日, Wed こどもの日 → Thu
    2: ("2027-11-03", "2027-11-04"),  # Wed 文化の日 → Thu
    3: ("2028-05-03", "2028-05-08"),  # Wed..Fri holidays, Sat, Sun → Mon
    4: ("2028-11-03", "2028-11-06"),  # Fri 文化の日, Sat, Sun → Mon
    5: ("2029-05-03", "2029-05-07"),  # Thu, Fri holidays, Sat, Sun → Mon
    6: ("2029-11-03", "2029-11-05"),  # Sat 文化の日, Sun → Mon
}
MONITORING_FROM = "2026-12-21"

# Session 1 (due Thu 2027-05-06), its rungs (DOMAIN.md §9, counted from the moved due date):
#   -30 → Tue 2027-04-06; -7 → Thu 2027-04-29 昭和の日, on/before the due date → previous business day
#   Wed 2027-04-28; 0 → Thu 2027-05-06; +7 → Thu 2027-05-13; +30 (coordinator) → Sat 2027-06-05, after
#   the due date → next business day Mon 2027-06-07.
S1_RUNGS = {
    "upcoming_30": "2027-04-06",
    "upcoming_7": "2027-04-28",
    "due": "2027-05-06",
    "overdue_7": "2027-05-13",
    "escalation_30": "2027-06-07",
}
RUNG_ORDER = ("upcoming_30", "upcoming_7", "due", "overdue_7", "escalation_30")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def plus(text: str, days: int) -> str:
    return (d(text) + dt.timedelta(days=days)).isoformat()


# -- building a case through the real CLI -----------------------------------------------------------


def adv(cli: Cli, case_id: str, event: str, on: str, *extra: str) -> dict[str, Any]:
    if event == "agree" and "--agreement" not in extra:  # 405: what every lender agreed to
        extra = (*extra, "--agreement", "*=reschedule")
    return cli.ok("case", "advance", case_id, event, "--on", on, *extra, today=on)


def doc(cli: Cli, case_id: str, kind: str, on: str, lender: int | None = None) -> None:
    extra = ["--lender", str(lender)] if lender is not None else []
    cli.ok("doc", "add", case_id, kind, "--on", on, *extra, today=on)


def case_agreed(
    cli: Cli,
    w: World,
    *,
    company: int | None = None,
    support: int | None = None,
    coordinator: str | None = COORDINATOR,
) -> str:
    """A 405 case with two lenders and a 6-month interval, agreed (plan date) on 2026-11-03."""
    args = [
        "case",
        "open",
        "--program",
        "405",
        "--council",
        COUNCIL,
        "--company",
        str(company or w.company),
        "--support-org",
        str(support or w.tax),
        "--lender",
        f"{w.bank_main}:main",
        "--lender",
        f"{w.bank_second}:guaranteed",
        "--monitoring-interval-months",
        "6",
        "--estimate",
        "plan=3300000",
        "--estimate",
        "monitoring=1200000",
        "--on",
        "2026-04-01",
    ]
    if coordinator:
        args += ["--coordinator", coordinator]
    cid = str(cli.ok(*args, today="2026-04-01")["id"])
    doc(cli, cid, "schedule_chart", "2026-04-05")
    doc(cli, cid, "application", "2026-04-10")
    adv(cli, cid, "apply", "2026-04-10")
    adv(cli, cid, "accept", "2026-04-20")
    doc(cli, cid, "plan", "2026-08-25")
    adv(cli, cid, "start_negotiation", "2026-09-01")
    for lender in (w.bank_main, w.bank_second):
        doc(cli, cid, "consent_letter", "2026-11-03", lender=lender)
    adv(cli, cid, "agree", "2026-11-03")
    return cid


def case_in_monitoring(
    cli: Cli,
    w: World,
    *,
    company: int | None = None,
    support: int | None = None,
    coordinator: str | None = COORDINATOR,
) -> str:
    """A 405 case with two lenders and a 6-month interval, driven to monitoring (see SESSIONS)."""
    cid = case_agreed(cli, w, company=company, support=support, coordinator=coordinator)
    cli.ok("fee", "claim", cid, "plan", "--fee", "3300000", "--on", "2026-11-30", today="2026-11-30")
    doc(cli, cid, "share_transfer", "2026-11-30")
    adv(cli, cid, "claim_payment", "2026-12-01")
    case = adv(cli, cid, "decide_payment", MONITORING_FROM)
    assert case["state"] == "monitoring"
    got = {s["seq"]: (s["nominal_due_on"], s["due_on"]) for s in case["monitoring"]}
    assert got == SESSIONS
    return cid


def record(cli: Cli, case_id: str, seq: int, held_on: str) -> None:
    cli.ok("monitoring", "record", case_id, str(seq), "--held-on", held_on, today=held_on)
    cli.ok("doc", "add", case_id, "monitoring_report", "--session", str(seq), "--on", held_on, today=held_on)


def release_holdback(cli: Cli, case_id: str, seq: int, on: str) -> None:
    """Claim and decide the monitoring fee of a held session: the 405 holdback is released, so the
    holdback reminder item (15 months after the plan decision) never opens."""
    claim = cli.ok(
        "fee", "claim", case_id, "monitoring", "--fee", "330000", "--session", str(seq), "--on", on, today=on
    )
    decided = cli.ok("fee", "decide", case_id, str(claim["id"]), "--on", on, today=on)
    assert decided["status"] == "decided" and decided["released"] > 0


# -- sweeping --------------------------------------------------------------------------------------


def context(db_url: str, day: str | dt.date, config: Path) -> services.Context:
    today = d(day) if isinstance(day, str) else day
    return services.Context(db_url=db_url, today=today, user=ADMIN, settings=load_settings(str(config)))


def sweep(db_url: str, day: str | dt.date, config: Path) -> dict[str, int]:
    """One sweep through the services API, under the lease like ``remind run``."""
    result = rem.remind_run(context(db_url, day, config))
    return {k: result[k] for k in ("enqueued", "sent", "failed", "dropped")}


def remind_cli(cli: Cli, config: Path, day: str, *extra: str) -> dict[str, Any]:
    result = cli("--config", str(config), "remind", "run", *extra, "--format", "json", today=day)
    assert result.code == 0, (result.code, result.out, result.err)
    return result.json


def outbox_cli(cli: Cli, config: Path | None = None, status: str | None = None) -> list[dict[str, Any]]:
    args = ["--config", str(config)] if config else []
    args += ["outbox", "list"] + (["--status", status] if status else [])
    return list(cli.ok(*args))


def outbox_rows(db_url: str, config: Path, day: str = "2026-12-21") -> list[dict[str, Any]]:
    """The outbox through the services API (dates as ISO text, like ``outbox list --format json``)."""
    return [
        {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in r.items()}
        for r in rem.outbox_list(context(db_url, day, config), None)
    ]


def status_counts(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts = collections.Counter(r["status"] for r in rows)
    assert set(counts) <= set(STATUSES), counts
    return {s: counts.get(s, 0) for s in STATUSES}


def assert_outbox_invariant(rows: list[dict[str, Any]], enqueued_total: int) -> dict[str, int]:
    """Outbox rows = sent + dead + pending + dropped + skipped (superseded rungs are rows too)."""
    counts = status_counts(rows)
    assert len(rows) == enqueued_total, (len(rows), enqueued_total, counts)
    assert sum(counts.values()) == enqueued_total, counts
    return counts


def rung_key(row: dict[str, Any]) -> tuple[str, str, str]:
    return (row["item_ref"], row["rung"], row["recipient_role"])


def parse_eml(path: Path) -> email.message.EmailMessage:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def wareki_ja(text: str) -> str:
    """2027-05-06 → '2027-05-06（令和9年5月6日）' (令和元年 = 2019, so 令和N年 = year - 2018)."""
    day = d(text)
    return f"{text}（令和{day.year - 2018}年{day.month}月{day.day}日）"


def expected_subject(rung: str, seq: int, due_on: str, company: str, sent_on: str, case_id: str) -> str:
    """The subject, written out from templates/email/*.j2 by hand."""
    head = f"【{COUNCIL_NAME}】"
    if rung in ("upcoming_30", "upcoming_7"):
        return f"{head}伴走支援（第{seq}回）の期限が近づいています：{company}（{wareki_ja(due_on)}）"
    if rung == "due":
        return f"{head}本日が伴走支援（第{seq}回）の期限です：{company}"
    if rung == "overdue_7":
        return f"{head}伴走支援（第{seq}回）が期限を過ぎています：{company}"
    assert rung == "escalation_30"
    days_over = (d(sent_on) - d(due_on)).days
    return f"【casetrack】伴走支援の期限超過（{days_over}日）：{case_id} {company}"

"""Golden e-mails: every template rendered from fixed inputs, as the sweep renders and builds it, compared
with tests/notify/golden/*.eml (Message-ID and Date normalised; headers decoded and the body as UTF-8
text, so a wording change is a readable, reviewed diff). ``CASETRACK_UPDATE_GOLDEN=1`` rewrites them."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace
from pathlib import Path

import pytest

from casetrack.business_days import BusinessCalendar
from casetrack.domain.reminder_records import CouncilContact, DueItem
from casetrack.notify.messages import build, split_rendered
from casetrack.notify.render import render
from casetrack.resources import templates_dir
from casetrack.services import reminder_plan as rem
from casetrack.workflow.catalog import all_workflows

GOLDEN = Path(__file__).with_name("golden")
SENDER = "東京都中小企業活性化協議会 <casetrack@council.example.jp>"
REPLY_TO = "佐藤 花子 <sato@council.example.jp>"
COUNCILS = {"13": CouncilContact("東京都中小企業活性化協議会", "東京都千代田区丸の内2-5-1", "03-3283-7425")}
DUE = dt.date(2027, 5, 6)  # session 1 of the 405 case in tests/notify/helpers.py (nominal 2027-05-03)
# (program, item, rung, role, the day it is rendered on, its file)
CASES = [
    ("405", "session", "upcoming_30", "support_org", dt.date(2027, 4, 6), "session_upcoming"),
    ("405", "session", "due", "support_org", DUE, "session_due"),
    ("405", "session", "overdue_7", "support_org", dt.date(2027, 10, 30), "session_overdue"),
    ("405", "session", "escalation_30", "coordinator", dt.date(2027, 6, 7), "session_escalation"),
    ("405", "validity", "upcoming_30", "support_org", dt.date(2028, 3, 21), "validity"),
    ("405", "holdback", "open", "support_org", dt.date(2028, 3, 21), "holdback_open"),
    ("early", "claim_deadline", "upcoming_30", "coordinator", dt.date(2027, 3, 21), "claim_deadline"),
    ("405", "decision", "waiting_14", "supervisor", dt.date(2026, 12, 21), "decision_waiting"),
]
APPLIED_ON = dt.date(2026, 12, 7)  # the decision rung's case: 利用申請済 since then, 14 days on 2026-12-21


def _row(program: str) -> DueItem:
    spec = all_workflows()[program]
    return DueItem(
        council="13",
        rule_set=spec.rule_sets[0].id,
        case_id="13-2026-0001",
        program=program,
        company_name="株式会社みどり工房",
        track=next(iter(spec.tracks)),
        state="monitoring",
        state_since=dt.date(2026, 12, 21),
        plan_date=None,
        validity_until=None,
        coordinator="sato",
        coordinator_display="佐藤 花子",
        coordinator_email="sato@council.example.jp",
        lead_name="みなと税理士法人",
        lead_email="office@minato-tax.example.jp",
        accepted_on=dt.date(2026, 4, 20),
        seq=1,
        kind="regular",
        nominal_due_on=dt.date(2027, 5, 3),
        due_on=DUE,
        retained=1_000_000,
        decided_on=dt.date(2026, 12, 21),
    )


def _anchor(item: str) -> dt.date:
    return {
        "session": DUE,
        "validity": dt.date(2028, 4, 20),
        "holdback": dt.date(2028, 3, 21),
        "claim_deadline": dt.date(2027, 4, 20),
        "decision": APPLIED_ON,
    }[item]


def readable(msg: object) -> str:
    """The message as people read it: decoded headers (Message-ID and Date normalised), then the body."""
    from email.message import EmailMessage

    assert isinstance(msg, EmailMessage)
    lines = []
    for name in (
        "From",
        "To",
        "Reply-To",
        "Subject",
        "Message-ID",
        "Date",
        "Content-Type",
        "Content-Transfer-Encoding",
    ):
        value = msg[name]
        if value is None:
            continue
        if name == "Message-ID":
            value = "<normalised@council.example.jp>"
        elif name == "Date":
            value = "Mon, 01 Jan 2029 00:00:00 +0000"
        lines.append(f"{name}: {value}")
    return ("\n".join(lines) + "\n\n" + msg.get_content()).replace("\r\n", "\n")


def _check(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.eml"
    if os.environ.get("CASETRACK_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path} (CASETRACK_UPDATE_GOLDEN=1 writes it)"
    assert text == path.read_text(encoding="utf-8"), f"{name}: the e-mail differs from {path}"


@pytest.mark.parametrize(
    ("program", "item", "rung", "role", "day", "name"), CASES, ids=[c[-1] for c in CASES]
)
def test_reminder_templates_match_their_golden_files(
    program: str, item: str, rung: str, role: str, day: dt.date, name: str
) -> None:
    spec = all_workflows()[program]
    template = next(r.template for r in spec.reminders[item].rungs if r.id == rung)
    row = _row(program)
    if item == "decision":
        row = replace(row, state="applied", state_since=APPLIED_ON)
    staff = {
        "coordinator": (row.coordinator_email, row.coordinator_display),
        "supervisor": ("kimura@council.example.jp", "木村 一郎"),
    }
    c = rem.Candidate(
        key="k",
        case_id="13-2026-0001",
        item=item,
        item_ref="13-2026-0001#1",
        rung=rung,
        due_on=_anchor(item),
        send_on=day,
        role=role,
        template=template,
        context=rem.ItemContext(spec, row, BusinessCalendar()),
        to_addr=str(staff[role][0] if role in staff else row.lead_email),
        to_name=str(staff[role][1] if role in staff else row.lead_name),
    )
    subject, body = rem._render(c, day, COUNCILS)
    msg = build(
        sender=SENDER,
        to_addr=c.to_addr or "",
        to_name=c.to_name,
        subject=subject,
        body=body,
        message_id="<x@council.example.jp>",
        reply_to=REPLY_TO if role == "support_org" else None,
    )
    _check(name, readable(msg))


@pytest.mark.parametrize("base_url", ["", "https://casetrack.example.jp"], ids=["cli", "web"])
def test_weekly_digest_matches_its_golden_file(base_url: str) -> None:
    from casetrack.domain.findings import Finding

    fields = Finding._fields
    finding = Finding._make(
        [
            {
                "case": "13-2026-0001",
                "council": "13",
                "state": "agreed",
                "code": "monitoring_overdue",
                "since": dt.date(2027, 5, 6),
                "days": 8,
                "waiting_on": "support_org",
                "message": "伴走支援 第1回が期限を8日過ぎています",
            }.get(f)
            for f in fields
        ]
    )
    text = render(
        "email/weekly_digest.txt.j2",
        recipient={"name": "佐藤 花子", "login": "sato"},
        base_url=base_url,
        today=dt.date(2027, 5, 14),
        week_label="2027年第19週",
        open_cases=3,
        horizon_days=14,
        findings=[finding],
        companies={"13-2026-0001": "株式会社みどり工房"},
        codes={"monitoring_overdue": "伴走支援の遅れ"},
        upcoming=[
            {
                "due_on": dt.date(2027, 5, 20),
                "case_id": "13-2026-0002",
                "company_name": "喫茶ひまわり",
                "seq": 2,
            }
        ],
    )
    subject, body = split_rendered(text)
    msg = build(
        sender=SENDER,
        to_addr="sato@council.example.jp",
        to_name="佐藤 花子",
        subject=subject,
        body=body,
        message_id="<x@council.example.jp>",
    )
    _check(f"weekly_digest_{'web' if base_url else 'cli'}", readable(msg))


def test_every_template_has_a_golden_file() -> None:
    shipped = {p.name.removesuffix(".txt.j2") for p in (templates_dir() / "email").glob("*.txt.j2")} - {
        "_footer"
    }
    covered = {c[-1] for c in CASES} | {"weekly_digest"}
    assert covered == shipped

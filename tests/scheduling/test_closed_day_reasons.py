"""Why a due date moved (DOMAIN.md §8: "The nominal date is kept beside it, and `show` explains the
move"): every moved session names each closed day it moved over, nominal date first, with every reason
that day is closed — in `case show` (JSON key ``moved_because`` and the table), in `monitoring list`
and in the reminder e-mails that mention the move.

Hand-worked calendar (weekdays checked against a printed 2026–2028 calendar):
  2026-12-29 Tue, 12-30 Wed, 12-31 Thu: 年末年始 (12-29…01-03)
  2027-01-01 Fri 元日, 01-02 Sat, 01-03 Sun: 年末年始 → 2027-01-04 Mon is open (成人の日 is 01-11)
  2027-12-29 Wed … 2028-01-01 Sat 元日, 01-02 Sun, 01-03 Mon: 年末年始 → 2028-01-04 Tue
  2027-05-03 Mon 憲法記念日, 05-04 Tue みどりの日, 05-05 Wed こどもの日 → 2027-05-06 Thu
  2026-09-21 Mon 敬老の日, 09-23 Wed 秋分の日 → 09-22 Tue 国民の休日
  2029-04-29 Sun 昭和の日 → 04-30 Mon 振替休日 (named 「昭和の日 振替休日」 by jpholiday)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from casetrack.business_days import BusinessCalendar
from casetrack.domain.schedule import closed_days_passed, moved_text
from tests.conftest import Cli, World

from .helpers import add_company, eml_files, parse_eml, r405_case, show, write_config

D = dt.date.fromisoformat

# 405, interval 6: plan 2026-06-29 (Mon) → sessions on the 29th of December and June
NEW_YEAR = {
    "open": "2026-04-01",
    "apply": "2026-04-10",
    "accept": "2026-04-20",
    "start_negotiation": "2026-06-01",
    "agree": "2026-06-29",
}
# 405, interval 6: plan 2026-11-03 → session 1 nominally 2027-05-03 (Golden Week)
GOLDEN_WEEK = {
    "open": "2026-07-01",
    "apply": "2026-07-10",
    "accept": "2026-07-20",
    "start_negotiation": "2026-09-01",
    "agree": "2026-11-03",
    "claim_payment": "2026-11-20",
    "decide_payment": "2026-12-01",
}

GW = [("2027-05-03", ["憲法記念日"]), ("2027-05-04", ["みどりの日"]), ("2027-05-05", ["こどもの日"])]
GW_CLOSURE = [*GW, ("2027-05-06", ["協議会の休業日（創立記念日）"])]
GW_CLOSURE_TEXT = (
    "2027-05-03 憲法記念日、2027-05-04 みどりの日、2027-05-05 こどもの日、"
    "2027-05-06 協議会の休業日（創立記念日）"
)


def _because(session: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(m["day"], m["reasons"]) for m in session["moved_because"]]


# -- the calendar's reasons (pure) ------------------------------------------------------------------


def test_every_reason_a_day_is_closed_most_specific_first() -> None:
    cal = BusinessCalendar({D("2027-05-06"): "創立記念日", D("2027-08-13"): None})
    assert cal.reasons_closed(D("2027-01-01")) == ("元日", "年末年始")
    assert cal.reasons_closed(D("2027-01-02")) == ("年末年始", "土曜日")
    assert cal.reasons_closed(D("2028-01-01")) == ("元日", "年末年始", "土曜日")
    assert cal.reasons_closed(D("2026-09-22")) == ("国民の休日",)
    # jpholiday names a substitute holiday after the holiday it stands in for
    assert cal.reasons_closed(D("2029-04-30")) == ("昭和の日 振替休日",)
    assert cal.reasons_closed(D("2027-05-06")) == ("協議会の休業日（創立記念日）",)
    assert cal.reasons_closed(D("2027-08-13")) == ("協議会の休業日",)  # a closure with no reason recorded
    assert cal.reasons_closed(D("2027-05-07")) == ()  # Fri, open
    assert cal.why_closed(D("2027-01-03")) == "年末年始・日曜日"
    assert cal.why_closed(D("2027-05-07")) is None


def test_the_days_a_due_date_moved_over() -> None:
    cal = BusinessCalendar()
    assert closed_days_passed(D("2027-05-03"), D("2027-05-06"), cal.reasons_closed) == [
        (D("2027-05-03"), ("憲法記念日",)),
        (D("2027-05-04"), ("みどりの日",)),
        (D("2027-05-05"), ("こどもの日",)),
    ]
    assert closed_days_passed(D("2027-05-07"), D("2027-05-07"), cal.reasons_closed) == []
    moved = [
        {"day": D("2027-01-02"), "reasons": ["年末年始", "土曜日"]},
        {"day": D("2027-01-03"), "reasons": []},
    ]
    assert moved_text(moved) == "2027-01-02 年末年始・土曜日、2027-01-03 現在は休業日ではありません"


# -- the case, the session list --------------------------------------------------------------------


def test_new_year_moves_name_each_closed_day(cli: Cli, world: World) -> None:
    cid = r405_case(cli, world, company=add_company(cli, "年末商事", 3), dates=NEW_YEAR, target="agreed")
    monitoring = show(cli, cid)["monitoring"]
    first, second, third, fourth = monitoring[:4]
    assert (first["nominal_due_on"], first["due_on"]) == ("2026-12-29", "2027-01-04")
    assert _because(first) == [
        ("2026-12-29", ["年末年始"]),
        ("2026-12-30", ["年末年始"]),
        ("2026-12-31", ["年末年始"]),
        ("2027-01-01", ["元日", "年末年始"]),
        ("2027-01-02", ["年末年始", "土曜日"]),
        ("2027-01-03", ["年末年始", "日曜日"]),
    ]
    assert (second["nominal_due_on"], second["due_on"], second["moved_because"]) == (
        "2027-06-29",
        "2027-06-29",
        [],
    )
    assert (third["nominal_due_on"], third["due_on"]) == ("2027-12-29", "2028-01-04")
    assert _because(third) == [
        ("2027-12-29", ["年末年始"]),
        ("2027-12-30", ["年末年始"]),
        ("2027-12-31", ["年末年始"]),
        ("2028-01-01", ["元日", "年末年始", "土曜日"]),
        ("2028-01-02", ["年末年始", "日曜日"]),
        ("2028-01-03", ["年末年始"]),
    ]
    assert (fourth["due_on"], fourth["moved_because"]) == ("2028-06-29", [])

    table = cli("case", "show", cid)
    assert table.code == 0
    assert (
        "session 1: due 2026-12-29 moved to 2027-01-04, closed 2026-12-29 年末年始、2026-12-30 年末年始、"
        "2026-12-31 年末年始、2027-01-01 元日・年末年始、2027-01-02 年末年始・土曜日、2027-01-03 年末年始・日曜日"
    ) in table.out
    assert "session 2:" not in table.out  # not moved: nothing to explain


def test_a_council_closure_after_golden_week_is_named_with_its_reason(cli: Cli, world: World) -> None:
    cid = r405_case(
        cli, world, company=add_company(cli, "連休商事", 3), dates=GOLDEN_WEEK, target="monitoring"
    )
    first = show(cli, cid)["monitoring"][0]
    assert (first["nominal_due_on"], first["due_on"], _because(first)) == ("2027-05-03", "2027-05-06", GW)

    added = cli.ok("calendar", "closure", "add", "2027-05-06", "--council", "13", "--reason", "創立記念日")
    assert [(m["case"], m["seq"], m["to"]) for m in added["moved"]] == [(cid, 1, "2027-05-07")]
    first = show(cli, cid)["monitoring"][0]
    assert (first["due_on"], _because(first)) == ("2027-05-07", GW_CLOSURE)

    listed = cli.ok("monitoring", "list", "--case", cid)
    assert (listed[0]["seq"], listed[0]["due_on"], _because(listed[0])) == (1, "2027-05-07", GW_CLOSURE)
    assert all(s["moved_because"] == [] for s in listed[1:] if s["due_on"] == s["nominal_due_on"])
    table = cli("monitoring", "list", "--case", cid, "--wide")  # the reason is a column of the wide table
    assert table.code == 0 and "期限が動いた理由" in table.out.splitlines()[0]
    assert GW_CLOSURE_TEXT in table.out
    csv_out = cli("monitoring", "list", "--case", cid, "--format", "csv")
    assert csv_out.code == 0 and csv_out.out.splitlines()[0].endswith(",moved_because")
    assert GW_CLOSURE_TEXT in csv_out.out.splitlines()[1]

    # an open day is not explained: the closure removed, the session moves back and the reason goes
    cli.ok("calendar", "closure", "remove", "2027-05-06", "--council", "13")
    first = show(cli, cid)["monitoring"][0]
    assert (first["due_on"], _because(first)) == ("2027-05-06", GW)


def test_a_closure_of_another_council_explains_nothing_here(cli: Cli, world: World) -> None:
    cid = r405_case(cli, world, company=add_company(cli, "他県商事", 3), dates=GOLDEN_WEEK, target="agreed")
    cli.ok("calendar", "closure", "add", "2027-05-06", "--council", "27", "--reason", "県民の日")
    first = show(cli, cid)["monitoring"][0]
    assert (first["due_on"], _because(first)) == ("2027-05-06", GW)


# -- the reminder e-mails ---------------------------------------------------------------------------


def test_reminder_emails_explain_the_move(cli: Cli, world: World, tmp_path: Path) -> None:
    cid = r405_case(
        cli, world, company=add_company(cli, "通知商事", 3), dates=GOLDEN_WEEK, target="monitoring"
    )
    cli.ok("calendar", "closure", "add", "2027-05-06", "--council", "13", "--reason", "創立記念日")
    mail = tmp_path / "mail"
    config = write_config(tmp_path, mail_dir=mail)
    expected = (
        "※ 本来の期限 2027-05-03（令和9年5月3日） から、休業日（"
        + GW_CLOSURE_TEXT
        + "）のため翌営業日に繰り下げています。"
    )
    # due 2027-05-07 − 30 days = 2027-04-07 (Wed): the first rung
    assert cli.ok("--config", str(config), "remind", "run", today="2027-04-07")["sent"] == 1
    (upcoming,) = [parse_eml(p) for p in eml_files(mail)]
    assert "期限が近づいています" in str(upcoming["Subject"]) and cid not in str(upcoming["Subject"])
    assert expected in upcoming.get_content()
    # on the due day: the 7-day rung (04-30 Fri) and the due-day rung have come; catch-up (DOMAIN.md §11)
    # sends the due-day rung and skips the 7-day one
    done = cli.ok("--config", str(config), "remind", "run", today="2027-05-07")
    assert (done["sent"], done["skipped"]) == (1, 1)
    due = [
        m for m in map(parse_eml, eml_files(mail)) if "本日が伴走支援（第1回）の期限です" in str(m["Subject"])
    ]
    assert len(due) == 1
    assert expected in due[0].get_content()

"""``casetrack monitoring schedule CASE DATE...``: a 405 schedule agreed with the banks (DOMAIN.md §8)
replaces the planned sessions when every gap (from the plan date, then between sessions) is 1–12
months and the last session is inside the 36-month window; otherwise it is refused with every problem.

The case: 405, council 13, plan date (agree) 2026-01-31 (Sat). By hand, with "+N months" keeping the
anchor's day and clamping to the month end:
  plan + 1 month  = 2026-02-28 (so 2026-02-27 is less than a month)
  plan + 12 months = 2027-01-31 (so 2027-02-01 is more than 12 months)
  plan + 36 months = 2029-01-31 (window end)
  2026-02-28 + 1 month = 2026-03-28; + 12 months = 2027-02-28
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cli, World

from .helpers import add_company, early_case, r405_case, sessions

DATES = {
    "open": "2025-08-01",
    "apply": "2025-08-10",
    "accept": "2025-08-20",
    "start_negotiation": "2025-12-01",
    "agree": "2026-01-31",
    "claim_payment": "2026-02-10",
    "decide_payment": "2026-02-20",
}
# the default plan: every 6 months from 2026-01-31
DEFAULT = [
    (1, "2026-07-31", "2026-07-31", "scheduled"),
    (2, "2027-01-31", "2027-02-01", "scheduled"),
    (3, "2027-07-31", "2027-08-02", "scheduled"),
    (4, "2028-01-31", "2028-01-31", "scheduled"),
    (5, "2028-07-31", "2028-07-31", "scheduled"),
    (6, "2029-01-31", "2029-01-31", "scheduled"),
]


def _case(cli: Cli, world: World, target: str = "agreed", name: str = "株式会社とうげ精機") -> str:
    cid = r405_case(cli, world, company=add_company(cli, name, 3), dates=DATES, target=target)
    assert sessions(cli, cid) == DEFAULT
    return cid


def _schedule(cli: Cli, cid: str, *dates: str) -> Any:
    return cli("monitoring", "schedule", cid, *dates, "--format", "json")


def _rows(out: list[dict[str, Any]]) -> list[tuple[int, str, str, str, str]]:
    return [(r["seq"], r["kind"], r["nominal_due_on"], r["due_on"], r["status"]) for r in out]


def _refused(cli: Cli, cid: str, *dates: str, code: int = 1) -> dict[str, Any]:
    before = sessions(cli, cid)
    version = cli.ok("case", "show", cid)["version"]
    result = _schedule(cli, cid, *dates)
    assert result.code == code, (result.code, result.out, result.err)
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.err
    body: dict[str, Any] = result.json
    assert body["ok"] is False
    for detail in body["details"]:
        assert detail in lines[0], (detail, lines[0])
    assert sessions(cli, cid) == before
    assert cli.ok("case", "show", cid)["version"] == version
    return body


@pytest.mark.parametrize("target", ["agreed", "monitoring"])
def test_an_accepted_schedule_replaces_the_sessions(cli: Cli, world: World, target: str) -> None:
    cid = _case(cli, world, target)
    # gaps: exactly 1 month from the plan date; 6; exactly 12; 12; 5 (ends on the window end exactly)
    result = _schedule(cli, cid, "2026-02-28", "2026-08-31", "2027-08-31", "2028-08-31", "2029-01-31")
    assert result.code == 0, result.err
    expected = [
        (1, "regular", "2026-02-28", "2026-03-02", "scheduled"),  # Sat → Mon
        (2, "regular", "2026-08-31", "2026-08-31", "scheduled"),
        (3, "regular", "2027-08-31", "2027-08-31", "scheduled"),
        (4, "regular", "2028-08-31", "2028-08-31", "scheduled"),
        (5, "regular", "2029-01-31", "2029-01-31", "scheduled"),
    ]
    assert _rows(result.json) == expected
    case = cli.ok("case", "show", cid)
    assert _rows(case["monitoring"]) == expected
    assert case["state"] == target


def test_dates_on_closed_days_move_forward_and_keep_the_nominal_date(cli: Cli, world: World) -> None:
    cid = _case(cli, world)
    cli.ok("calendar", "closure", "add", "2027-12-28", "--council", "13", "--reason", "仕事納め")
    result = _schedule(
        cli, cid, "2026-12-29", "2026-05-02", "2027-12-28", "2028-12-28", "2029-01-31"
    )  # any order
    assert result.code == 0, result.err
    assert _rows(result.json) == [
        # Golden Week 2026: 05-02 Sat, 05-03 Sun 憲法記念日, 05-04 みどりの日, 05-05 こどもの日, 05-06 振替休日
        (1, "regular", "2026-05-02", "2026-05-07", "scheduled"),
        # 12-29…01-03 closed; 2027-01-04 is a Monday
        (2, "regular", "2026-12-29", "2027-01-04", "scheduled"),
        # the council's own closure, then the year-end days and 2028-01-01/02 (Sat/Sun) → Tue 01-04
        (3, "regular", "2027-12-28", "2028-01-04", "scheduled"),
        (4, "regular", "2028-12-28", "2028-12-28", "scheduled"),  # exactly 12 months after 2027-12-28
        (5, "regular", "2029-01-31", "2029-01-31", "scheduled"),
    ]


@pytest.mark.parametrize(
    "dates",
    [
        ["2026-02-28"],  # exactly 1 month after 2026-01-31 (clamped)
        ["2027-01-31"],  # exactly 12 months
        ["2026-02-28", "2026-03-28"],  # exactly 1 month after 2026-02-28
        ["2026-02-28", "2027-02-28", "2028-02-28", "2029-01-31"],  # exactly 12 months, twice
    ],
    ids=["plan+1", "plan+12", "feb28+1", "feb28+12"],
)
def test_boundary_gaps_are_accepted(cli: Cli, world: World, dates: list[str]) -> None:
    cid = _case(cli, world)
    result = _schedule(cli, cid, *dates)
    assert result.code == 0, result.err
    assert [r["nominal_due_on"] for r in result.json] == dates


@pytest.mark.parametrize(
    ("dates", "problems"),
    [
        (["2026-02-27"], [("session 1", "2026-02-27", "less than 1 month")]),
        (["2027-02-01"], [("session 1", "2027-02-01", "more than 12 months")]),
        (["2026-02-28", "2026-03-27"], [("session 2", "2026-03-27", "less than 1 month")]),
        (["2026-02-28", "2027-03-01"], [("session 2", "2027-03-01", "more than 12 months")]),
        (["2026-02-28", "2026-02-28"], [("session 2", "2026-02-28", "less than 1 month")]),
        (["2026-07-31", "2027-07-31", "2028-07-31", "2029-02-01"], [("2029-02-01", "2029-01-31", "window")]),
        (["2025-12-31"], [("session 1", "2025-12-31", "less than 1 month")]),  # before the plan date
        # every problem at once: <1 from the plan; <1 from 02-27 (03-27); >12 from 03-26 (2027-03-26);
        # >12 from 2027-03-27 (2028-03-27); after the window end
        (
            ["2026-02-27", "2026-03-26", "2027-03-27", "2029-02-01"],
            [
                ("session 1", "2026-02-27", "less than 1 month"),
                ("session 2", "2026-03-26", "less than 1 month"),
                ("session 3", "2027-03-27", "more than 12 months"),
                ("session 4", "2029-02-01", "more than 12 months"),
                ("2029-02-01", "2029-01-31", "window"),
            ],
        ),
    ],
    ids=["plan-1day", "plan+12+1day", "gap-short", "gap-long", "same-day", "window", "before-plan", "all"],
)
def test_a_schedule_with_a_bad_gap_or_past_the_window_is_refused_with_every_problem(
    cli: Cli, world: World, dates: list[str], problems: list[tuple[str, ...]]
) -> None:
    cid = _case(cli, world)
    body = _refused(cli, cid, *dates)
    details = body["details"]
    assert len(details) == len(problems), details
    for tokens in problems:
        assert any(all(t in d for t in tokens) for d in details), (tokens, details)


def test_an_early_case_is_refused(cli: Cli, world: World) -> None:
    dates = {
        "open": "2025-08-01",
        "apply": "2025-08-10",
        "accept": "2025-08-20",
        "submit_plan": "2026-01-31",
        "claim_payment": "2026-02-10",
        "decide_payment": "2026-02-20",
    }
    cid = early_case(cli, world, company=add_company(cli, "早期商店", 3), dates=dates)
    body = _refused(cli, cid, "2026-07-31", "2027-01-29")
    assert "early" in body["error"] or "405" in body["error"]


def test_a_case_without_a_plan_date_is_refused(cli: Cli, world: World) -> None:
    cid = r405_case(cli, world, company=add_company(cli, "交渉中商事", 3), dates=DATES, target="negotiating")
    assert sessions(cli, cid) == []
    body = _refused(cli, cid, "2026-07-31")
    assert "plan date" in body["error"]


@pytest.mark.parametrize("closed_by", ["held", "waived"])
def test_a_case_with_a_held_or_waived_session_is_refused(cli: Cli, world: World, closed_by: str) -> None:
    cid = _case(cli, world, "monitoring")
    if closed_by == "held":
        cli.ok("monitoring", "record", cid, "1", "--held-on", "2026-07-30", today="2026-07-30")
    else:
        cli.ok("monitoring", "waive", cid, "1", "--reason", "金融機関と合意のうえ省略", today="2026-07-30")
    _refused(cli, cid, "2026-08-31", "2027-08-31")


def test_an_unknown_case_is_not_found(cli: Cli) -> None:
    result = _schedule(cli, "13-2026-9999", "2026-07-31")
    assert result.code == 4


@pytest.mark.parametrize(
    "bad", ["2026-02-30", "2026/13/31", "soon"]
)  # 2026/07/31 is a date as offices type it
def test_a_malformed_date_is_bad_input(cli: Cli, world: World, bad: str) -> None:
    cid = _case(cli, world)
    before = sessions(cli, cid)
    result = _schedule(cli, cid, "2026-07-31", bad)
    assert result.code == 2
    assert sessions(cli, cid) == before


@pytest.mark.parametrize("event", ["withdraw", "lapse"])
def test_a_case_that_is_over_cannot_get_a_new_schedule(cli: Cli, world: World, event: str) -> None:
    """DOMAIN.md §8: the explicit schedule is agreed with the banks for a case being monitored (agreed or
    monitoring); a withdrawn or lapsed case has no monitoring left to plan."""
    cid = _case(cli, world)
    if event == "withdraw":
        cli.ok(
            "case",
            "advance",
            cid,
            "withdraw",
            "--on",
            "2026-03-01",
            "--reason",
            "事業停止",
            today="2026-03-01",
        )
    else:  # validity: accepted 2025-08-20 + 24 months = 2027-08-20, over the day after
        cli.ok("case", "advance", cid, "lapse", "--on", "2027-08-21", today="2027-08-21")
    _refused(cli, cid, "2026-07-31", "2027-07-30")


def test_a_refused_schedule_says_each_problem_in_japanese(
    cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI's default language: every problem in Japanese (checked by hand: the plan date is 2026-01-31,
    so 02-27 is under a month after it, and the 36-month window ends 2029-01-31)."""
    cid = _case(cli, world)
    monkeypatch.delenv("CASETRACK_LANG", raising=False)
    before = sessions(cli, cid)
    result = cli("monitoring", "schedule", cid, "2026-02-27", "2026-08-31", "2029-02-01")
    assert result.code == 1, result.err
    line = result.err.strip()
    assert line.startswith("エラー: "), line
    assert "第1回（2026-02-27）が 2026-01-31 から1か月未満です" in line
    assert "第3回（2029-02-01）が 2026-08-31 から12か月を超えています" in line
    assert "最後の回（2029-02-01）が伴走支援の期間の終わり（2029-01-31）より後です" in line
    assert " is " not in line and "session" not in line
    assert sessions(cli, cid) == before

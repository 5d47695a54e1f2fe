"""early (早期経営改善計画策定支援): every event fired from every one of its source states, through the
real CLI (DOMAIN.md §3, §7, §8). Expected values are worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cli.helpers import (
    EARLY_DATES,
    EARLY_STATES,
    add_company,
    adv,
    check_moved,
    claim_plan,
    day,
    doc,
    drive_early,
    history,
    open_case,
    refused,
    sessions,
    show,
)
from tests.conftest import Cli, World


def test_main_path_every_event(cli: Cli, world: World) -> None:
    case = open_case(
        cli,
        "early",
        company=world.company,
        support=[world.tax],
        lenders=[f"{world.bank_main}:main", str(world.bank_second)],
        on="2026-04-01",
    )
    cid = case["id"]
    # council 13, fiscal year of 2026-04-01 = 2026, first case of the year
    assert cid == "13-2026-0001"
    assert case["program"] == "early" and case["track"] == "standard" and case["council"] == "13"
    assert case["state"] == "consultation" and case["state_since"] == "2026-04-01"
    assert case["opened_on"] == "2026-04-01"
    assert case["accepted_on"] is None and case["plan_date"] is None
    assert case["rule_set"] == "2022-04-01"
    assert case["company"] == {**case["company"], "id": world.company, "name": "株式会社みどり工房"}
    assert case["monitoring"] == []
    assert [(x["id"], x["main"]) for x in case["lenders"]] == [
        (world.bank_main, True),
        (world.bank_second, False),
    ]

    doc(cli, cid, "pre_consultation_letter", "2026-04-08", lender=world.bank_main)
    n = len(history(cli, cid))
    adv(cli, cid, "apply", "2026-04-10", user="sato")
    check_moved(
        cli,
        cid,
        event="apply",
        source="consultation",
        target="applied",
        on="2026-04-10",
        state_since="2026-04-10",
        user="sato",
        rows_before=n,
    )

    n += 1
    out = adv(cli, cid, "accept", "2026-04-20", "--note", "第1回審査会")
    assert out["state"] == "drafting" and out["accepted_on"] == "2026-04-20"
    c = check_moved(
        cli,
        cid,
        event="accept",
        source="applied",
        target="drafting",
        on="2026-04-20",
        state_since="2026-04-20",
        rows_before=n,
    )
    assert c["accepted_on"] == "2026-04-20" and c["rule_set"] == "2022-04-01" and c["plan_date"] is None
    assert history(cli, cid)[-1]["note"] == "第1回審査会"

    doc(cli, cid, "plan", "2026-08-28")
    doc(cli, cid, "bank_receipt", "2026-08-31", lender=world.bank_main)
    n += 1
    adv(cli, cid, "submit_plan", "2026-08-31")
    c = check_moved(
        cli,
        cid,
        event="submit_plan",
        source="drafting",
        target="plan_submitted",
        on="2026-08-31",
        state_since="2026-08-31",
        rows_before=n,
    )
    assert c["plan_date"] == "2026-08-31" and c["accepted_on"] == "2026-04-20"
    # no interim chosen: only the fiscal-year-end session. plan 2026-08-31 + 12 = 2027-08-31; the first
    # March end on/after it is 2028-03-31; due at the end of the month 2 months later: 2028-05-31 (Wed).
    assert sessions(c) == [(1, "fye", "2028-05-31", "2028-05-31", "scheduled")]
    assert c["monitoring"][0]["held_on"] is None

    claim_plan(cli, cid, 200_000, "2026-09-30")
    doc(cli, cid, "share_transfer", "2026-09-30")
    n += 1
    adv(cli, cid, "claim_payment", "2026-10-01")
    check_moved(
        cli,
        cid,
        event="claim_payment",
        source="plan_submitted",
        target="payment_claimed",
        on="2026-10-01",
        state_since="2026-10-01",
        rows_before=n,
    )

    n += 1
    adv(cli, cid, "decide_payment", "2026-10-20")
    check_moved(
        cli,
        cid,
        event="decide_payment",
        source="payment_claimed",
        target="monitoring",
        on="2026-10-20",
        state_since="2026-10-20",
        rows_before=n,
    )

    cli.ok("monitoring", "record", cid, "1", "--held-on", "2028-05-20", today="2028-05-20")
    n += 1
    adv(cli, cid, "close", "2028-06-30")
    c = check_moved(
        cli,
        cid,
        event="close",
        source="monitoring",
        target="closed",
        on="2028-06-30",
        state_since="2028-06-30",
        rows_before=n,
    )
    # the dates set on the way are kept; the rule set never changed
    assert (c["opened_on"], c["accepted_on"], c["plan_date"], c["rule_set"]) == (
        "2026-04-01",
        "2026-04-20",
        "2026-08-31",
        "2022-04-01",
    )
    events = [r["event"] for r in history(cli, cid)]
    assert events[-6:] == ["apply", "accept", "submit_plan", "claim_payment", "decide_payment", "close"]


def test_effective_date_defaults_to_today(cli: Cli, world: World) -> None:
    cid = open_case(
        cli,
        "early",
        company=world.company,
        support=[world.tax],
        lenders=[f"{world.bank_main}:main"],
        on="2026-04-01",
    )["id"]
    assert show(cli, cid)["opened_on"] == "2026-04-01"
    doc(cli, cid, "pre_consultation_letter", "2026-04-02")
    n = len(history(cli, cid))
    cli.ok("case", "advance", cid, "apply", today="2026-04-12")  # no --on
    check_moved(
        cli,
        cid,
        event="apply",
        source="consultation",
        target="applied",
        on="2026-04-12",
        state_since="2026-04-12",
        rows_before=n,
    )
    # the recorded moment is kept apart from the effective date
    assert history(cli, cid)[-1]["recorded_at"] not in (None, "2026-04-12")


def test_reject_from_applied(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "applied")
    n = len(history(cli, cid))
    adv(cli, cid, "reject", "2026-04-25", "--reason", "対象要件を満たさない", user="sato")
    check_moved(
        cli,
        cid,
        event="reject",
        source="applied",
        target="rejected",
        on="2026-04-25",
        state_since="2026-04-25",
        user="sato",
        reason="対象要件を満たさない",
        rows_before=n,
    )
    assert show(cli, cid)["accepted_on"] is None


# the day each state of the main path is entered (EARLY_DATES)
ENTERED = {
    "consultation": EARLY_DATES["open"],
    "applied": EARLY_DATES["apply"],
    "drafting": EARLY_DATES["accept"],
    "plan_submitted": EARLY_DATES["submit_plan"],
    "payment_claimed": EARLY_DATES["claim_payment"],
    "monitoring": EARLY_DATES["decide_payment"],
}


# DOMAIN.md §3: every state but closed/rejected/withdrawn/lapsed is open
@pytest.mark.parametrize("state", [s for s in EARLY_STATES if s != "closed"])
def test_withdraw_from_each_open_state(cli: Cli, world: World, state: str) -> None:
    cid = drive_early(cli, world, state)
    assert show(cli, cid)["state"] == state
    on = day(ENTERED[state], 5)
    listed = {r["event"]: r["allowed"] for r in cli.ok("case", "events", cid, today=on)}
    assert listed["withdraw"] is True
    n = len(history(cli, cid))
    adv(cli, cid, "withdraw", on, "--reason", "事業者の申出により取下げ")
    check_moved(
        cli,
        cid,
        event="withdraw",
        source=state,
        target="withdrawn",
        on=on,
        state_since=on,
        reason="事業者の申出により取下げ",
        rows_before=n,
    )


@pytest.mark.parametrize("state", ["drafting", "plan_submitted"])
def test_lapse_from_each_listed_state(cli: Cli, world: World, state: str) -> None:
    cid = drive_early(cli, world, state)
    # accepted 2026-04-20: the 12-month claim deadline is 2027-04-20; it has passed on 2027-04-21
    n = len(history(cli, cid))
    adv(cli, cid, "lapse", "2027-04-21")
    c = check_moved(
        cli,
        cid,
        event="lapse",
        source=state,
        target="lapsed",
        on="2027-04-21",
        state_since="2027-04-21",
        rows_before=n,
    )
    assert c["accepted_on"] == "2026-04-20"


def test_bank_track_walk(cli: Cli, world: World) -> None:
    # 金融機関枠: the lead support org is a bank and the main bank; accepted within 2024-02-01..2028-01-31
    cid = str(
        open_case(
            cli,
            "early",
            track="bank",
            company=world.company,
            support=[world.bank_adviser],
            lenders=[f"{world.bank_adviser}:main", str(world.bank_second)],
            on="2025-06-02",
        )["id"]
    )
    assert cid == "13-2025-0001"
    doc(cli, cid, "pre_consultation_letter", "2025-06-05")
    n = len(history(cli, cid))
    adv(cli, cid, "apply", "2025-06-10")
    check_moved(
        cli,
        cid,
        event="apply",
        source="consultation",
        target="applied",
        on="2025-06-10",
        state_since="2025-06-10",
        rows_before=n,
    )
    adv(cli, cid, "accept", "2025-06-20")
    c = check_moved(
        cli,
        cid,
        event="accept",
        source="applied",
        target="drafting",
        on="2025-06-20",
        state_since="2025-06-20",
        rows_before=n + 1,
    )
    assert c["track"] == "bank" and c["accepted_on"] == "2025-06-20" and c["rule_set"] == "2022-04-01"


def _at(plan_date: str, days: int) -> str:
    return (dt.date.fromisoformat(plan_date) - dt.timedelta(days=days)).isoformat()


# (fiscal-year-end month, plan date, interim?, expected sessions) — DOMAIN.md §8, by hand:
SCHEDULES = [
    pytest.param(
        3, "2026-02-10", False, [(1, "fye", "2027-05-31", "2027-05-31", "scheduled")], id="domain-example"
    ),  # +12 → 2027-02-10 → FYE 2027-03-31 → due 2027-05-31 (Mon)
    pytest.param(
        3,
        "2026-03-31",
        True,
        [
            (1, "interim", "2026-09-30", "2026-09-30", "scheduled"),  # +6 (Wed)
            (
                2,
                "fye",
                "2027-05-31",
                "2027-05-31",
                "scheduled",
            ),  # +12 = 2027-03-31 is itself a FYE ("on or after")
        ],
        id="fye-on-boundary",
    ),
    pytest.param(
        3, "2026-04-01", False, [(1, "fye", "2028-05-31", "2028-05-31", "scheduled")], id="fye-next-year"
    ),  # +12 = 2027-04-01 > 2027-03-31 → FYE 2028-03-31 → 2028-05-31 (Wed)
    pytest.param(
        3,
        "2026-08-31",
        True,
        [
            (1, "interim", "2027-02-28", "2027-03-01", "scheduled"),  # 08-31 + 6 clamps to 02-28 (Sun) → Mon
            (2, "fye", "2028-05-31", "2028-05-31", "scheduled"),
        ],
        id="clamp-and-sunday",
    ),
    pytest.param(
        12,
        "2026-07-01",
        True,
        [
            (1, "interim", "2027-01-01", "2027-01-04", "scheduled"),  # 元日 + 年末年始 01-01..03 → Mon 01-04
            (
                2,
                "fye",
                "2028-02-29",
                "2028-02-29",
                "scheduled",
            ),  # FYE 2027-12-31 → end of Feb 2028 (leap, Tue)
        ],
        id="new-year-and-leap",
    ),
    pytest.param(
        3,
        "2026-03-22",
        True,
        [
            (
                1,
                "interim",
                "2026-09-22",
                "2026-09-24",
                "scheduled",
            ),  # 09-21 敬老の日, 09-22 国民の休日, 09-23 秋分の日
            (2, "fye", "2027-05-31", "2027-05-31", "scheduled"),
        ],
        id="kokumin-no-kyujitsu",
    ),
    pytest.param(
        10,
        "2027-06-15",
        False,
        [(1, "fye", "2028-12-31", "2029-01-04", "scheduled")],
        id="fye-due-in-year-end",
    ),  # FYE 2028-10-31 → due 2028-12-31 (Sun, 年末) → 2029-01-04 (Thu)
]


@pytest.mark.parametrize(("fye_month", "plan_date", "interim", "expected"), SCHEDULES)
def test_sessions_created_at_plan_date(
    cli: Cli,
    world: World,
    fye_month: int,
    plan_date: str,
    interim: bool,
    expected: list[tuple[int, str, str, str, str]],
) -> None:
    company = add_company(cli, f"決算{fye_month}月の会社", fye_month)
    dates = {
        "open": _at(plan_date, 40),
        "apply": _at(plan_date, 30),
        "accept": _at(plan_date, 20),
        "submit_plan": plan_date,
    }
    cid = drive_early(cli, world, "drafting", dates=dates, company=company, interim=interim)
    assert show(cli, cid)["monitoring"] == []  # nothing before the plan date is set
    doc(cli, cid, "plan", plan_date)
    doc(cli, cid, "bank_receipt", plan_date, lender=world.bank_main)
    adv(cli, cid, "submit_plan", plan_date)
    case = show(cli, cid)
    assert case["plan_date"] == plan_date
    assert sessions(case) == expected
    listed = cli.ok("monitoring", "list", "--case", cid)
    assert [(s["seq"], s["kind"], s["nominal_due_on"], s["due_on"], s["status"]) for s in listed] == expected


def test_close_with_interim_not_held(cli: Cli, world: World) -> None:
    # only the fiscal-year-end session is mandatory (DOMAIN.md §2, §3)
    cid = drive_early(cli, world, "monitoring", interim=True)
    case = show(cli, cid)
    assert [s["kind"] for s in case["monitoring"]] == ["interim", "fye"]
    refused(cli, cid, "close", on="2028-06-30", today="2028-06-30", expected=[["2028-05-31"]])
    cli.ok("monitoring", "record", cid, "2", "--held-on", "2028-05-25", today="2028-05-25")
    n = len(history(cli, cid))
    adv(cli, cid, "close", "2028-06-30")
    check_moved(
        cli,
        cid,
        event="close",
        source="monitoring",
        target="closed",
        on="2028-06-30",
        state_since="2028-06-30",
        rows_before=n,
    )

"""405 (経営改善計画策定支援): every event fired from every one of its source states, through the real
CLI (DOMAIN.md §3, §6, §7, §8). Expected values are worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import (
    R405_DATES,
    R405_STATES,
    adv,
    check_moved,
    claim_plan,
    day,
    doc,
    drive_405,
    fresh_company,
    history,
    open_405,
    refused,
    sessions,
    show,
)
from tests.conftest import Cli, World

# plan date 2026-11-03 (文化の日), I = 6 (default), window 36 months → k = 1..6, every one moved:
GOLDEN_WEEK_SCHEDULE = [
    (
        1,
        "regular",
        "2027-05-03",
        "2027-05-06",
        "scheduled",
    ),  # Mon 憲法記念日, Tue みどりの日, Wed こどもの日 → Thu
    (2, "regular", "2027-11-03", "2027-11-04", "scheduled"),  # Wed 文化の日 → Thu
    (3, "regular", "2028-05-03", "2028-05-08", "scheduled"),  # Wed..Fri holidays, Sat, Sun → Mon
    (4, "regular", "2028-11-03", "2028-11-06", "scheduled"),  # Fri 文化の日, Sat, Sun → Mon
    (5, "regular", "2029-05-03", "2029-05-07", "scheduled"),  # Thu, Fri holidays, Sat (こどもの日), Sun → Mon
    (6, "regular", "2029-11-03", "2029-11-05", "scheduled"),  # Sat (文化の日, no 振替), Sun → Mon
]


def test_main_path_every_event(cli: Cli, world: World) -> None:
    cid = open_405(cli, world, on="2026-04-01")
    case = show(cli, cid)
    assert cid == "13-2026-0001"
    assert case["program"] == "405" and case["track"] == "regular"
    assert case["state"] == "consultation" and case["state_since"] == "2026-04-01"
    assert case["rule_set"] == "2024-04-01"  # before acceptance: the rule set in force on the opening date
    assert case["accepted_on"] is None and case["plan_date"] is None and case["validity_until"] is None

    doc(cli, cid, "schedule_chart", "2026-04-05")
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

    adv(cli, cid, "accept", "2026-04-20")
    c = check_moved(
        cli,
        cid,
        event="accept",
        source="applied",
        target="drafting",
        on="2026-04-20",
        state_since="2026-04-20",
        rows_before=n + 1,
    )
    assert c["accepted_on"] == "2026-04-20" and c["rule_set"] == "2024-04-01"
    assert history(cli, cid)[-1]["rule_set"] == "2024-04-01"

    doc(cli, cid, "plan", "2026-08-25")
    adv(cli, cid, "start_negotiation", "2026-09-01")
    check_moved(
        cli,
        cid,
        event="start_negotiation",
        source="drafting",
        target="negotiating",
        on="2026-09-01",
        state_since="2026-09-01",
        rows_before=n + 2,
    )

    for lender in (world.bank_main, world.bank_second, world.bank_third):
        doc(cli, cid, "consent_letter", "2026-11-03", lender=lender)
    adv(cli, cid, "agree", "2026-11-03")
    c = check_moved(
        cli,
        cid,
        event="agree",
        source="negotiating",
        target="agreed",
        on="2026-11-03",
        state_since="2026-11-03",
        rows_before=n + 3,
    )
    assert c["plan_date"] == "2026-11-03" and c["accepted_on"] == "2026-04-20"
    assert sessions(c) == GOLDEN_WEEK_SCHEDULE
    assert all(s["held_on"] is None for s in c["monitoring"])
    assert [(x["id"], x["consented_on"]) for x in c["lenders"]] == [
        (world.bank_main, "2026-11-03"),
        (world.bank_second, "2026-11-03"),
        (world.bank_third, "2026-11-03"),
    ]

    claim_plan(cli, cid, 3_300_000, "2026-11-30")
    doc(cli, cid, "share_transfer", "2026-11-30")
    adv(cli, cid, "claim_payment", "2026-12-01")
    check_moved(
        cli,
        cid,
        event="claim_payment",
        source="agreed",
        target="payment_claimed",
        on="2026-12-01",
        state_since="2026-12-01",
        rows_before=n + 4,
    )

    adv(cli, cid, "decide_payment", "2026-12-21")
    check_moved(
        cli,
        cid,
        event="decide_payment",
        source="payment_claimed",
        target="monitoring",
        on="2026-12-21",
        state_since="2026-12-21",
        rows_before=n + 5,
    )

    for seq, _kind, _nominal, due, _status in GOLDEN_WEEK_SCHEDULE:
        cli.ok("monitoring", "record", cid, str(seq), "--held-on", due, today=due)
    adv(cli, cid, "close", "2029-11-30")
    c = check_moved(
        cli,
        cid,
        event="close",
        source="monitoring",
        target="closed",
        on="2029-11-30",
        state_since="2029-11-30",
        rows_before=n + 6,
    )
    assert (c["opened_on"], c["accepted_on"], c["plan_date"], c["rule_set"]) == (
        "2026-04-01",
        "2026-04-20",
        "2026-11-03",
        "2024-04-01",
    )
    assert [s["status"] for s in c["monitoring"]] == ["held"] * 6
    events = [r["event"] for r in history(cli, cid)]
    assert events[-7:] == [
        "apply",
        "accept",
        "start_negotiation",
        "agree",
        "claim_payment",
        "decide_payment",
        "close",
    ]


def test_reject_from_applied(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "applied")
    n = len(history(cli, cid))
    adv(cli, cid, "reject", "2026-04-30", "--reason", "金融支援の見込みがない", user="sato")
    check_moved(
        cli,
        cid,
        event="reject",
        source="applied",
        target="rejected",
        on="2026-04-30",
        state_since="2026-04-30",
        user="sato",
        reason="金融支援の見込みがない",
        rows_before=n,
    )


ENTERED = {
    "consultation": R405_DATES["open"],
    "applied": R405_DATES["apply"],
    "drafting": R405_DATES["accept"],
    "negotiating": R405_DATES["start_negotiation"],
    "agreed": R405_DATES["agree"],
    "payment_claimed": R405_DATES["claim_payment"],
    "monitoring": R405_DATES["decide_payment"],
}


@pytest.mark.parametrize("state", [s for s in R405_STATES if s != "closed"])
def test_withdraw_from_each_open_state(cli: Cli, world: World, state: str) -> None:
    cid = drive_405(cli, world, state)
    assert show(cli, cid)["state"] == state
    on = day(ENTERED[state], 3)
    listed = {r["event"]: r["allowed"] for r in cli.ok("case", "events", cid, today=on)}
    assert listed["withdraw"] is True
    n = len(history(cli, cid))
    adv(cli, cid, "withdraw", on, "--reason", "自主再建に切替え", user="sato")
    check_moved(
        cli,
        cid,
        event="withdraw",
        source=state,
        target="withdrawn",
        on=on,
        state_since=on,
        user="sato",
        reason="自主再建に切替え",
        rows_before=n,
    )


@pytest.mark.parametrize("state", ["drafting", "negotiating", "agreed"])
def test_lapse_from_each_listed_state(cli: Cli, world: World, state: str) -> None:
    cid = drive_405(cli, world, state)
    # accepted 2026-04-20 → valid 24 months, to 2028-04-20; ended on 2028-04-21
    n = len(history(cli, cid))
    adv(cli, cid, "lapse", "2028-04-21")
    check_moved(
        cli,
        cid,
        event="lapse",
        source=state,
        target="lapsed",
        on="2028-04-21",
        state_since="2028-04-21",
        rows_before=n,
    )


@pytest.mark.parametrize("state", ["drafting", "negotiating"])
def test_extend_from_each_listed_state(cli: Cli, world: World, state: str) -> None:
    cid = drive_405(cli, world, state)
    before = show(cli, cid)
    assert before["validity_until"] is None
    n = len(history(cli, cid))
    out = adv(cli, cid, "extend", "2028-03-01", "--until", "2028-10-31", "--reason", "金融機関調整の長期化")
    assert out["validity_until"] == "2028-10-31"
    # same state: state_since stays the day the state was entered
    c = check_moved(
        cli,
        cid,
        event="extend",
        source=state,
        target=state,
        on="2028-03-01",
        state_since=ENTERED[state],
        reason="金融機関調整の長期化",
        rows_before=n,
    )
    assert c["validity_until"] == "2028-10-31"
    assert c["accepted_on"] == "2026-04-20" and c["version"] == before["version"] + 1
    assert history(cli, cid)[-1]["until"] == "2028-10-31"
    # the old end no longer ends it; the new one does
    refused(cli, cid, "lapse", on="2028-04-21", today="2028-04-21", expected=[["2028-10-31"]])
    refused(cli, cid, "lapse", on="2028-10-31", today="2028-10-31", expected=[["2028-10-31"]])
    adv(cli, cid, "lapse", "2028-11-01")
    check_moved(
        cli,
        cid,
        event="lapse",
        source=state,
        target="lapsed",
        on="2028-11-01",
        state_since="2028-11-01",
        rows_before=n + 1,
    )


def test_extend_cannot_shorten_the_validity(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "drafting")  # accepted 2026-04-20 → valid to 2028-04-20
    refused(
        cli,
        cid,
        "extend",
        "--until",
        "2026-06-01",
        "--reason",
        "誤入力",
        on="2026-05-01",
        today="2026-05-01",
        expected=[["2028-04-20"]],
    )


def test_terminate_early_from_monitoring(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "monitoring")
    n = len(history(cli, cid))
    adv(cli, cid, "terminate_early", "2027-07-01", "--reason", "計画を大幅に上回る実績")
    c = check_moved(
        cli,
        cid,
        event="terminate_early",
        source="monitoring",
        target="closed",
        on="2027-07-01",
        state_since="2027-07-01",
        reason="計画を大幅に上回る実績",
        rows_before=n,
    )
    assert c["plan_date"] == "2026-11-03"


def test_approve_reuse_from_consultation(cli: Cli, world: World) -> None:
    cid = open_405(cli, world, reuse_reason="前回とは異なる原因（主要取引先の倒産）")
    n = len(history(cli, cid))
    adv(cli, cid, "approve_reuse", "2026-04-05", user="sato")
    check_moved(
        cli,
        cid,
        event="approve_reuse",
        source="consultation",
        target="consultation",
        on="2026-04-05",
        state_since="2026-04-01",
        user="sato",
        rows_before=n,
    )


def _before(plan_date: str, days: int) -> str:
    return (dt.date.fromisoformat(plan_date) - dt.timedelta(days=days)).isoformat()


SCHEDULES = [
    pytest.param(
        "2026-04-15",
        None,
        [  # DOMAIN.md §8 example: six sessions, last nominally 2029-04-15
            (1, "regular", "2026-10-15", "2026-10-15", "scheduled"),  # Thu
            (2, "regular", "2027-04-15", "2027-04-15", "scheduled"),  # Thu
            (3, "regular", "2027-10-15", "2027-10-15", "scheduled"),  # Fri
            (4, "regular", "2028-04-15", "2028-04-17", "scheduled"),  # Sat → Mon
            (5, "regular", "2028-10-15", "2028-10-16", "scheduled"),  # Sun → Mon
            (6, "regular", "2029-04-15", "2029-04-16", "scheduled"),  # Sun → Mon
        ],
        id="domain-example",
    ),
    pytest.param("2026-11-03", 6, GOLDEN_WEEK_SCHEDULE, id="golden-week"),
    pytest.param(
        "2026-08-31",
        4,
        [  # 36 / 4 = 9 sessions, each from the anchor (clamped, never chained)
            (1, "regular", "2026-12-31", "2027-01-04", "scheduled"),  # 年末年始 → Mon 01-04
            (2, "regular", "2027-04-30", "2027-04-30", "scheduled"),  # 04-31 clamps to 04-30 (Fri)
            (3, "regular", "2027-08-31", "2027-08-31", "scheduled"),  # Tue
            (4, "regular", "2027-12-31", "2028-01-04", "scheduled"),  # 年末年始 → Tue 01-04
            (5, "regular", "2028-04-30", "2028-05-01", "scheduled"),  # Sun → Mon (04-29 was a Saturday)
            (6, "regular", "2028-08-31", "2028-08-31", "scheduled"),  # Thu
            (7, "regular", "2028-12-31", "2029-01-04", "scheduled"),  # Sun, 年末年始 → Thu 01-04
            (8, "regular", "2029-04-30", "2029-05-01", "scheduled"),  # 振替休日 (04-29 Sun) → Tue
            (9, "regular", "2029-08-31", "2029-08-31", "scheduled"),  # Fri
        ],
        id="every-4-months",
    ),
    pytest.param(
        "2026-04-15",
        5,
        [  # 5·7 = 35 ≤ 36 < 40: seven sessions
            (1, "regular", "2026-09-15", "2026-09-15", "scheduled"),
            (2, "regular", "2027-02-15", "2027-02-15", "scheduled"),
            (3, "regular", "2027-07-15", "2027-07-15", "scheduled"),
            (4, "regular", "2027-12-15", "2027-12-15", "scheduled"),
            (5, "regular", "2028-05-15", "2028-05-15", "scheduled"),
            (6, "regular", "2028-10-15", "2028-10-16", "scheduled"),  # Sun → Mon
            (7, "regular", "2029-03-15", "2029-03-15", "scheduled"),
        ],
        id="every-5-months",
    ),
    pytest.param(
        "2026-11-03",
        12,
        [
            (1, "regular", "2027-11-03", "2027-11-04", "scheduled"),
            (2, "regular", "2028-11-03", "2028-11-06", "scheduled"),
            (3, "regular", "2029-11-03", "2029-11-05", "scheduled"),
        ],
        id="yearly",
    ),
]


@pytest.mark.parametrize(("plan_date", "interval", "expected"), SCHEDULES)
def test_sessions_created_at_plan_date(
    cli: Cli,
    world: World,
    plan_date: str,
    interval: int | None,
    expected: list[tuple[int, str, str, str, str]],
) -> None:
    dates = {
        "open": _before(plan_date, 60),
        "apply": _before(plan_date, 50),
        "accept": _before(plan_date, 40),
        "start_negotiation": _before(plan_date, 30),
    }
    cid = drive_405(cli, world, "negotiating", dates=dates, interval=interval)
    assert show(cli, cid)["monitoring"] == []
    for lender in (world.bank_main, world.bank_second, world.bank_third):
        doc(cli, cid, "consent_letter", plan_date, lender=lender)
    adv(cli, cid, "agree", plan_date)
    case = show(cli, cid)
    assert case["plan_date"] == plan_date
    assert sessions(case) == expected
    listed = cli.ok("monitoring", "list", "--case", cid)
    assert [(s["seq"], s["kind"], s["nominal_due_on"], s["due_on"], s["status"]) for s in listed] == expected


@pytest.mark.parametrize(
    ("accept_on", "rule_set"),
    [
        ("2024-03-29", "2022-04-01"),  # accepted before 2024-04-01 keeps the old rules for life
        ("2024-03-31", "2022-04-01"),
        ("2024-04-01", "2024-04-01"),  # in force from its effective date
        ("2024-04-02", "2024-04-01"),
    ],
)
def test_rule_set_pinned_at_accept(cli: Cli, world: World, accept_on: str, rule_set: str) -> None:
    dates = {
        "open": "2024-03-01",
        "apply": "2024-03-10",
        "accept": accept_on,
        "start_negotiation": "2024-06-03",
        "agree": "2024-09-02",
        "claim_payment": "2024-10-01",
        "decide_payment": "2024-10-21",
    }
    cid = drive_405(cli, world, "applied", dates=dates)
    assert show(cli, cid)["rule_set"] == "2022-04-01"  # opened 2024-03-01
    # recorded later (--today 2024-04-15) than its effective date: the effective date decides
    out = cli.ok("case", "advance", cid, "accept", "--on", accept_on, today="2024-04-15")
    assert out["rule_set"] == rule_set and out["accepted_on"] == accept_on
    assert history(cli, cid)[-1]["rule_set"] == rule_set
    doc(cli, cid, "plan", "2024-06-03")
    adv(cli, cid, "start_negotiation", "2024-06-03")
    assert show(cli, cid, today="2026-01-05")["rule_set"] == rule_set
    assert history(cli, cid)[-1]["rule_set"] == rule_set


def test_rule_set_at_opening_after_2024_04(cli: Cli, world: World) -> None:
    cid = open_405(cli, world, on="2024-04-10")
    assert show(cli, cid)["rule_set"] == "2024-04-01"
    cid = open_405(cli, world, on="2024-03-31")
    assert show(cli, cid)["rule_set"] == "2022-04-01"


def test_council_closures_move_sessions(cli: Cli, world: World, tmp_path: Path) -> None:
    # DOMAIN.md §8: plus closures a council configures. plan 2026-04-15, I = 6:
    # 2026-10-15 (Thu) closed → Fri 10-16; 2027-04-15 (Thu) and 04-16 (Fri) closed → Sat, Sun → Mon 04-19
    config = tmp_path / "casetrack.toml"
    config.write_text('[calendar]\nclosures = ["2026-10-15", "2027-04-15", "2027-04-16"]\n', encoding="utf-8")
    dates = {
        "open": "2026-02-02",
        "apply": "2026-02-10",
        "accept": "2026-02-20",
        "start_negotiation": "2026-03-02",
    }
    cid = drive_405(cli, world, "negotiating", dates=dates)
    for lender in (world.bank_main, world.bank_second, world.bank_third):
        doc(cli, cid, "consent_letter", "2026-04-15", lender=lender)
    cli.ok(
        "--config",
        str(config),
        "case",
        "advance",
        cid,
        "agree",
        "--on",
        "2026-04-15",
        "--agreement",
        "*=reschedule",
        today="2026-04-15",
    )
    assert sessions(show(cli, cid))[:3] == [
        (1, "regular", "2026-10-15", "2026-10-16", "scheduled"),
        (2, "regular", "2027-04-15", "2027-04-19", "scheduled"),
        (3, "regular", "2027-10-15", "2027-10-15", "scheduled"),
    ]


def test_case_keeps_its_rule_set_after_a_newer_one_is_added(
    cli: Cli, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DOMAIN.md §7: a case keeps the rule set of its acceptance date for life, even after a newer one
    # is added. A council adds one from 2026-06-01 that lengthens the validity to 30 months.
    old = drive_405(cli, world, "drafting")  # accepted 2026-04-20 → rule set 2024-04-01, valid to 2028-04-20
    shipped = Path(__file__).resolve().parents[2] / "workflows"
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "early.yaml").write_text((shipped / "early.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    data = yaml.safe_load((shipped / "405.yaml").read_text(encoding="utf-8"))
    data["rule_sets"].append({"effective_from": dt.date(2026, 6, 1), "validity_months": 30})
    (folder / "405.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))

    new = drive_405(
        cli,
        world,
        "drafting",
        dates={"open": "2026-05-11", "apply": "2026-05-20", "accept": "2026-06-01"},
        company=fresh_company(cli, 1),
    )  # another company: no re-use
    assert show(cli, new)["rule_set"] == "2026-06-01"
    assert show(cli, old)["rule_set"] == "2024-04-01"
    # old: 24 months from 2026-04-20; new: 30 months from 2026-06-01 = 2028-12-01
    assert adv(cli, old, "lapse", "2028-04-21")["state"] == "lapsed"
    refused(cli, new, "lapse", on="2028-06-02", today="2028-06-02", expected=[["2028-12-01"]])
    assert adv(cli, new, "lapse", "2028-12-02")["state"] == "lapsed"

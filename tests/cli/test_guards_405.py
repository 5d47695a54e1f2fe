"""Every refusal of the 405 workflow through `case advance --format json` (DOMAIN.md §3, §4, §6, §7, §8):
exit 1, one 'error:' line naming every reason, {ok:false, code, error, details} on stdout, nothing
written. Expected reasons are identified by what they must name (org, document kind, amount, date, case)."""

from __future__ import annotations

import re

import pytest

from tests.cli.helpers import (
    adv,
    claim_plan,
    doc,
    drive_405,
    history,
    open_405,
    open_case,
    refused,
    reject_plan_claim,
    show,
)
from tests.conftest import Cli, World

MAIN = "さくら銀行"
SECOND = "東都信用金庫"
THIRD = "日本政策金融公庫"
UNCERTIFIED = "未認定コンサル"
REASON = re.compile(r"reason|理由")
UNTIL = re.compile(r"until")


def _first_case_claimed(cli: Cli, world: World, on: str = "2024-04-10") -> str:
    """A first 405 case of world.company that reached payment_claimed."""
    y = int(on[:4])
    return drive_405(
        cli,
        world,
        "payment_claimed",
        dates={
            "open": on,
            "apply": f"{y}-05-01",
            "accept": f"{y}-05-20",
            "start_negotiation": f"{y}-07-01",
            "agree": f"{y}-09-01",
            "claim_payment": f"{y}-10-01",
        },
    )


def test_apply_fails_several_guards_at_once(cli: Cli, world: World) -> None:
    # lead not certified; a fee-receiving support org is a lender and not certified; no plan /
    # monitoring estimates; no 利用申請書
    cid = open_405(
        cli, world, support=[world.uncertified, world.bank_second], estimates={}, application=False
    )
    refused(
        cli,
        cid,
        "apply",
        on="2026-04-10",
        today="2026-04-10",
        expected=[
            [UNCERTIFIED],
            [SECOND, "借入先"],
            [SECOND, "認定経営革新等支援機関ではありません"],
            ["plan"],
            ["monitoring"],
            ["利用申請書", "application"],
        ],
    )


def test_apply_fails_other_guards_at_once_with_prior_use(cli: Cli, world: World) -> None:
    first = _first_case_claimed(cli, world)
    # one lender, no guarantee; monitoring 700,000 > ½ × (600,000 + 700,000) = 650,000; plan 600,000 >
    # 450,000 without a schedule chart; an earlier case reached payment_claimed, and under rule set
    # 2024-04-01 both a re-use reason and the council's approval are missing
    cid = open_405(
        cli,
        world,
        on="2025-01-06",
        lenders=[f"{world.bank_main}:main"],
        estimates={"plan": 600_000, "monitoring": 700_000},
    )
    assert show(cli, cid)["rule_set"] == "2024-04-01"
    refused(
        cli,
        cid,
        "apply",
        on="2025-01-10",
        today="2025-01-10",
        expected=[[MAIN], [re.compile(r"700,?000")], ["schedule_chart"], [first], [first, "covid"], [first]],
    )


@pytest.mark.parametrize(
    ("lenders", "allowed"),
    [
        (["{main}"], False),
        (["{main}:main"], False),
        (["{main}:guaranteed"], True),
        (["{main}:main", "{second}"], True),
    ],
)
def test_not_single_unguaranteed_lender(cli: Cli, world: World, lenders: list[str], allowed: bool) -> None:
    lenders = [x.format(main=world.bank_main, second=world.bank_second) for x in lenders]
    cid = open_405(cli, world, lenders=lenders, estimates={"plan": 450_000, "monitoring": 100_000})
    if allowed:
        assert adv(cli, cid, "apply", "2026-04-10")["state"] == "applied"
    else:
        refused(cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[[MAIN]])


@pytest.mark.parametrize(
    ("plan", "monitoring", "allowed"),
    [
        (400_000, 400_000, True),  # 400,000 ≤ ½ × 800,000
        (400_000, 400_001, False),  # 400,001 > ½ × 800,001 = 400,000.5
        (3_300_000, 1_200_000, True),  # DOMAIN.md §5 example
        (1_000_000, 1_000_001, False),
    ],
)
def test_monitoring_estimate_within_half(
    cli: Cli, world: World, plan: int, monitoring: int, allowed: bool
) -> None:
    cid = open_405(cli, world, estimates={"plan": plan, "monitoring": monitoring})
    doc(cli, cid, "schedule_chart", "2026-04-05")
    if allowed:
        assert adv(cli, cid, "apply", "2026-04-10")["state"] == "applied"
    else:
        amount = re.compile(f"{monitoring // 1000:,}".replace(",", ",?") + f",?{monitoring % 1000:03d}")
        refused(cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[[amount]])


def test_fee_estimate_missing_one_component(cli: Cli, world: World) -> None:
    cid = open_405(cli, world, estimates={"plan": 300_000})
    refused(cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[["monitoring"]])


@pytest.mark.parametrize(
    ("plan", "chart", "allowed"),
    [
        (450_000, False, True),  # "exceeds 450,000": 450,000 itself needs none
        (450_001, False, False),
        (450_001, True, True),
    ],
)
def test_schedule_chart_for_large_plan(cli: Cli, world: World, plan: int, chart: bool, allowed: bool) -> None:
    cid = open_405(cli, world, estimates={"plan": plan, "monitoring": 100_000})
    if chart:
        doc(cli, cid, "schedule_chart", "2026-04-05")
    if allowed:
        assert adv(cli, cid, "apply", "2026-04-10")["state"] == "applied"
    else:
        refused(cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[["schedule_chart"]])


def test_prior_use_under_2024_rules_needs_reason_and_approval(cli: Cli, world: World) -> None:
    first = _first_case_claimed(cli, world)
    no_reason = open_405(cli, world, on="2025-01-06")
    doc(cli, no_reason, "schedule_chart", "2025-01-07")
    refused(
        cli,
        no_reason,
        "apply",
        on="2025-01-10",
        today="2025-01-10",
        expected=[[first], [first, "covid"], [first]],
    )
    # approve_reuse itself needs a recorded reason
    refused(
        cli,
        no_reason,
        "approve_reuse",
        on="2025-01-10",
        today="2025-01-10",
        expected=[[re.compile(r"reuse|再利用")]],
    )

    cid = open_405(
        cli, world, on="2025-01-06", reuse_reason="コロナ禍による取引先の倒産", reuse_ground="covid"
    )
    doc(cli, cid, "schedule_chart", "2025-01-07")
    body = refused(cli, cid, "apply", on="2025-01-10", today="2025-01-10", expected=[[first]])
    assert re.search(r"approve_reuse|承認", body["details"][0])
    adv(cli, cid, "approve_reuse", "2025-01-15", user="sato")
    assert adv(cli, cid, "apply", "2025-01-16")["state"] == "applied"


def test_prior_use_under_2022_rules_needs_only_the_reason(cli: Cli, world: World) -> None:
    first = _first_case_claimed(cli, world, on="2022-04-20")
    no_reason = open_405(cli, world, on="2023-06-01")
    assert show(cli, no_reason)["rule_set"] == "2022-04-01"
    doc(cli, no_reason, "schedule_chart", "2023-06-02")
    refused(
        cli,
        no_reason,
        "apply",
        on="2023-06-05",
        today="2023-06-05",
        expected=[[first, "--reuse-reason"], [first, "covid"]],
    )
    cid = open_405(cli, world, on="2023-06-01", reuse_reason="コロナ禍で減収", reuse_ground="covid")
    doc(cli, cid, "schedule_chart", "2023-06-02")
    assert adv(cli, cid, "apply", "2023-06-05")["state"] == "applied"


def test_prior_use_judged_by_the_opening_rule_set_before_acceptance(cli: Cli, world: World) -> None:
    # opened 2024-03-15 (rule set 2022-04-01 until accepted): applying on 2024-04-05 needs no approval
    _first_case_claimed(cli, world, on="2023-04-03")
    cid = open_405(cli, world, on="2024-03-15", reuse_reason="コロナ禍で減収", reuse_ground="covid")
    doc(cli, cid, "schedule_chart", "2024-03-20")
    assert adv(cli, cid, "apply", "2024-04-05")["state"] == "applied"


@pytest.mark.parametrize(("accept_on", "allowed"), [("2022-04-14", False), ("2022-04-15", True)])
def test_gl_track_available_from_2022_04_15(cli: Cli, world: World, accept_on: str, allowed: bool) -> None:
    cid = str(
        open_case(
            cli,
            "405",
            track="gl",
            company=world.company,
            support=[world.tax],
            lenders=[f"{world.bank_main}:main", str(world.bank_second)],
            estimates={"plan": 450_000, "monitoring": 100_000},
            on="2022-04-01",
        )["id"]
    )
    adv(cli, cid, "apply", "2022-04-04")
    if allowed:
        assert adv(cli, cid, "accept", accept_on)["accepted_on"] == accept_on
    else:
        refused(cli, cid, "accept", on=accept_on, today=accept_on, expected=[["2022-04-15"]])


def test_start_negotiation_needs_plan(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "drafting")
    doc(cli, cid, "schedule_chart", "2026-08-01")  # another kind does not count
    refused(cli, cid, "start_negotiation", on="2026-09-01", today="2026-09-01", expected=[["plan"]])


def test_agree_needs_consent_from_every_lender(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "negotiating")
    refused(
        cli,
        cid,
        "agree",
        on="2026-11-03",
        today="2026-11-03",
        expected=[["consent_letter", MAIN], ["consent_letter", SECOND], ["consent_letter", THIRD]],
    )
    doc(cli, cid, "consent_letter", "2026-10-20", lender=world.bank_main)
    doc(cli, cid, "bank_receipt", "2026-10-20", lender=world.bank_second)  # not a consent letter
    refused(
        cli,
        cid,
        "agree",
        on="2026-11-03",
        today="2026-11-03",
        expected=[["consent_letter", SECOND], ["consent_letter", THIRD]],
    )
    doc(cli, cid, "consent_letter", "2026-10-25", lender=world.bank_second)
    doc(cli, cid, "consent_letter", "2026-11-03", lender=world.bank_third)
    assert adv(cli, cid, "agree", "2026-11-03")["plan_date"] == "2026-11-03"


def test_agree_not_before_the_last_consent(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "negotiating")
    doc(cli, cid, "consent_letter", "2026-11-01", lender=world.bank_main)
    doc(cli, cid, "consent_letter", "2026-11-02", lender=world.bank_second)
    doc(cli, cid, "consent_letter", "2026-11-10", lender=world.bank_third)  # not yet given on 11-03
    refused(
        cli,
        cid,
        "agree",
        on="2026-11-03",
        today="2026-11-20",
        expected=[[re.compile("consent_letter|同意書"), THIRD]],
    )


def test_claim_payment_fails_three_ways(cli: Cli, world: World) -> None:
    # accepted 2026-04-20 → valid to 2028-04-20
    cid = drive_405(cli, world, "agreed")
    refused(
        cli,
        cid,
        "claim_payment",
        on="2028-04-21",
        today="2028-04-21",
        expected=[["plan"], ["share_transfer"], ["2028-04-20"]],
    )


def test_claim_payment_validity_boundary(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "agreed")
    claim_plan(cli, cid, 3_300_000, "2028-04-01")
    doc(cli, cid, "share_transfer", "2028-04-01")
    refused(cli, cid, "claim_payment", on="2028-04-21", today="2028-04-21", expected=[["2028-04-20"]])
    assert adv(cli, cid, "claim_payment", "2028-04-20")["state"] == "payment_claimed"


def test_claim_payment_within_extended_validity(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "negotiating")
    adv(cli, cid, "extend", "2028-03-01", "--until", "2028-10-31", "--reason", "調整長期化")
    for lender in (world.bank_main, world.bank_second, world.bank_third):
        doc(cli, cid, "consent_letter", "2028-05-01", lender=lender)
    adv(cli, cid, "agree", "2028-05-01")
    claim_plan(cli, cid, 3_300_000, "2028-10-01")
    doc(cli, cid, "share_transfer", "2028-10-01")
    refused(cli, cid, "claim_payment", on="2028-11-01", today="2028-11-01", expected=[["2028-10-31"]])
    assert adv(cli, cid, "claim_payment", "2028-10-31")["state"] == "payment_claimed"


@pytest.mark.parametrize("state", ["drafting", "negotiating", "agreed"])
def test_lapse_before_validity_ended(cli: Cli, world: World, state: str) -> None:
    cid = drive_405(cli, world, state)
    refused(cli, cid, "lapse", on="2028-04-20", today="2028-04-20", expected=[["2028-04-20"]])


def test_decide_payment_needs_pending_plan_claim(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "payment_claimed")
    reject_plan_claim(cli, cid, "2026-12-10")
    refused(cli, cid, "decide_payment", on="2026-12-20", today="2026-12-20", expected=[["plan"]])
    claim_plan(cli, cid, 3_000_000, "2026-12-15")
    assert adv(cli, cid, "decide_payment", "2026-12-20")["state"] == "monitoring"


def test_close_needs_window_ended_and_every_session_done(cli: Cli, world: World) -> None:
    # plan date 2026-11-03, I = 12: sessions due 2027-11-04, 2028-11-06, 2029-11-05 (moved from the
    # 3rd of November); window end 2026-11-03 + 36 months = 2029-11-03
    cid = drive_405(cli, world, "monitoring", interval=12)
    refused(
        cli,
        cid,
        "close",
        on="2027-12-01",
        today="2027-12-01",
        expected=[["2029-11-03"], ["2027-11-04"], ["2028-11-06"], ["2029-11-05"]],
    )
    cli.ok("monitoring", "record", cid, "1", "--held-on", "2027-11-04", today="2027-11-04")
    cli.ok("monitoring", "waive", cid, "2", "--reason", "事業者の入院", today="2028-11-06")
    refused(cli, cid, "close", on="2029-11-04", today="2029-11-04", expected=[["2029-11-05"]])
    cli.ok("monitoring", "record", cid, "3", "--held-on", "2029-11-02", today="2029-11-02")
    refused(cli, cid, "close", on="2029-11-02", today="2029-11-02", expected=[["2029-11-03"]])
    assert adv(cli, cid, "close", "2029-11-04")["state"] == "closed"


def test_close_refused_on_last_day_of_window(cli: Cli, world: World) -> None:
    # the window includes plan date + 36 months (a session is scheduled on it, DOMAIN.md §8 example):
    # it has not ended on 2029-11-03, only from 2029-11-04
    cid = drive_405(cli, world, "monitoring", interval=12)
    cli.ok("monitoring", "record", cid, "1", "--held-on", "2027-11-04", today="2027-11-04")
    cli.ok("monitoring", "record", cid, "2", "--held-on", "2028-11-06", today="2028-11-06")
    cli.ok("monitoring", "record", cid, "3", "--held-on", "2029-11-02", today="2029-11-02")
    refused(cli, cid, "close", on="2029-11-03", today="2029-11-03", expected=[["2029-11-03"]])


def test_terminate_early_needs_reason(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "monitoring")
    refused(cli, cid, "terminate_early", on="2027-07-01", today="2027-07-01", expected=[[REASON]])


@pytest.mark.parametrize("state", ["drafting", "negotiating"])
def test_extend_needs_reason_and_until(cli: Cli, world: World, state: str) -> None:
    cid = drive_405(cli, world, state)
    refused(cli, cid, "extend", on="2028-03-01", today="2028-03-01", expected=[[REASON], [UNTIL]])
    refused(
        cli, cid, "extend", "--until", "2028-10-31", on="2028-03-01", today="2028-03-01", expected=[[REASON]]
    )
    refused(
        cli, cid, "extend", "--reason", "調整長期化", on="2028-03-01", today="2028-03-01", expected=[[UNTIL]]
    )


def test_reject_and_withdraw_need_reason(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "applied")
    refused(cli, cid, "reject", on="2026-04-25", today="2026-04-25", expected=[[REASON]])
    refused(cli, cid, "withdraw", "--reason", "", on="2026-04-25", today="2026-04-25", expected=[[REASON]])


def test_effective_date_before_state_start(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "negotiating")  # since 2026-09-01
    refused(
        cli,
        cid,
        "extend",
        "--until",
        "2028-10-31",
        "--reason",
        "調整長期化",
        on="2026-08-31",
        today="2026-09-10",
        expected=[["2026-08-31", "2026-09-01"]],
    )
    for lender in (world.bank_main, world.bank_second, world.bank_third):
        doc(cli, cid, "consent_letter", "2026-08-30", lender=lender)
    refused(cli, cid, "agree", on="2026-08-31", today="2026-09-10", expected=[["2026-08-31", "2026-09-01"]])
    assert history(cli, cid)[-1]["event"] == "start_negotiation"

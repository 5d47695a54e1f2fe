"""Every refusal of the early workflow through `case advance --format json` (DOMAIN.md §3, §4, §6, §7):
exit 1, one 'error:' line naming every reason, {ok:false, code, error, details} on stdout, nothing
written. Expected reasons are identified by what they must name (org, document kind, date, case)."""

from __future__ import annotations

import re

import pytest

from tests.cli.helpers import (
    adv,
    claim_plan,
    doc,
    drive_early,
    history,
    open_case,
    open_early,
    refused,
    reject_plan_claim,
    show,
)
from tests.conftest import Cli, World

MAIN = "さくら銀行"  # world.bank_main
SECOND = "東都信用金庫"  # world.bank_second
ADVISER = "あおば銀行"  # world.bank_adviser
UNCERTIFIED = "未認定コンサル"
REASON = re.compile(r"reason|理由")


def test_apply_fails_several_guards_at_once(cli: Cli, world: World) -> None:
    # lead not certified; a second (fee-receiving) support org is a lender and not certified either;
    # no pre-consultation letter
    cid = open_early(cli, world, support=[world.uncertified, world.bank_second])
    body = refused(
        cli,
        cid,
        "apply",
        on="2026-04-10",
        today="2026-04-10",
        expected=[
            [UNCERTIFIED],
            [SECOND, "借入先"],
            [SECOND, "認定経営革新等支援機関ではありません"],
            ["pre_consultation_letter", MAIN],
        ],
    )
    assert body["code"] != "event_not_allowed"


def test_apply_lead_not_certified(cli: Cli, world: World) -> None:
    cid = open_early(cli, world, support=[world.uncertified])
    doc(cli, cid, "pre_consultation_letter", "2026-04-05")
    refused(cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[[UNCERTIFIED]])


def test_apply_lead_is_a_lender_on_standard_track(cli: Cli, world: World) -> None:
    # a certified bank may lead only on the bank track; on standard it is a fee-receiving lender
    cid = open_early(
        cli,
        world,
        support=[world.bank_adviser],
        lenders=[f"{world.bank_adviser}:main", str(world.bank_second)],
    )
    doc(cli, cid, "pre_consultation_letter", "2026-04-05")
    refused(cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[[ADVISER]])


def test_bank_track_lead_must_be_main_bank(cli: Cli, world: World) -> None:
    # bank track, opened within 2024-02-01..2028-01-31: the lead bank is a lender but not the main
    # bank, and a second support org is a (fee-receiving) lender, not certified either: three reasons
    cid = str(
        open_case(
            cli,
            "early",
            track="bank",
            company=world.company,
            support=[world.bank_adviser, world.bank_second],
            lenders=[f"{world.bank_main}:main", str(world.bank_adviser), str(world.bank_second)],
            on="2025-06-02",
        )["id"]
    )
    doc(cli, cid, "pre_consultation_letter", "2025-06-05", lender=world.bank_main)
    refused(
        cli,
        cid,
        "apply",
        on="2025-06-10",
        today="2025-06-10",
        expected=[[ADVISER], [SECOND, "借入先"], [SECOND, "認定経営革新等支援機関ではありません"]],
    )


def test_bank_track_lead_not_a_lender_at_all(cli: Cli, world: World) -> None:
    cid = str(
        open_case(
            cli,
            "early",
            track="bank",
            company=world.company,
            support=[world.bank_adviser],
            lenders=[f"{world.bank_main}:main"],
            on="2025-06-02",
        )["id"]
    )
    doc(cli, cid, "pre_consultation_letter", "2025-06-05")
    refused(cli, cid, "apply", on="2025-06-10", today="2025-06-10", expected=[[ADVISER]])


def test_pre_consultation_letter_must_come_from_main_bank(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    doc(cli, cid, "pre_consultation_letter", "2026-04-05", lender=world.bank_second)
    refused(
        cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[["pre_consultation_letter", MAIN]]
    )
    doc(cli, cid, "pre_consultation_letter", "2026-04-06", lender=world.bank_main)
    assert adv(cli, cid, "apply", "2026-04-10")["state"] == "applied"


def test_prior_use_needs_reuse_reason_and_ground(cli: Cli, world: World) -> None:
    # DOMAIN.md §11, pamphlet lines 248–253: a second use only on a named ground
    first = drive_early(cli, world, "drafting")  # reached 利用決定 on 2026-04-20: one use
    second = open_early(cli, world, on="2026-11-02")
    doc(cli, second, "pre_consultation_letter", "2026-11-05")
    refused(
        cli,
        second,
        "apply",
        on="2026-11-10",
        today="2026-11-10",
        expected=[[first, "--reuse-reason"], [first, "--reuse-ground", "covid", "russia_ukraine"]],
    )
    reason_only = open_early(cli, world, on="2026-11-02", reuse_reason="前回と異なる要因（原材料高騰）")
    doc(cli, reason_only, "pre_consultation_letter", "2026-11-05")
    refused(
        cli, reason_only, "apply", on="2026-11-10", today="2026-11-10", expected=[[first, "--reuse-ground"]]
    )
    third = open_early(
        cli,
        world,
        on="2026-11-02",
        reuse_reason="ウクライナ情勢による原材料高騰で減収",
        reuse_ground="russia_ukraine",
    )
    doc(cli, third, "pre_consultation_letter", "2026-11-05")
    assert adv(cli, third, "apply", "2026-11-10")["state"] == "applied"


def test_never_a_third_use(cli: Cli, world: World) -> None:
    first = drive_early(cli, world, "drafting")
    second = drive_early(
        cli,
        world,
        "drafting",
        dates={"open": "2026-11-02", "apply": "2026-11-10", "accept": "2026-11-20"},
        reuse_reason="コロナ禍で減収",
        reuse_ground="covid",
    )
    third = open_early(cli, world, on="2027-01-05", reuse_reason="コロナ禍で減収", reuse_ground="covid")
    doc(cli, third, "pre_consultation_letter", "2027-01-06")
    refused(cli, third, "apply", on="2027-01-08", today="2027-01-08", expected=[[first, second, "2回まで"]])


def test_unknown_reuse_ground_is_bad_input(cli: Cli, world: World) -> None:
    before = len(cli.ok("case", "list"))
    result = cli(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--reuse-ground",
        "earthquake",
        "--reuse-reason",
        "r",
        "--on",
        "2026-04-01",
        today="2026-04-01",
    )
    assert result.code == 2 and "earthquake" in result.err and "covid" in result.err
    assert len(result.err.splitlines()) == 1
    # a ground of the other program is unknown here too
    result = cli(
        "case",
        "open",
        "--program",
        "405",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--reuse-ground",
        "russia_ukraine",
        "--reuse-reason",
        "r",
        "--on",
        "2026-04-01",
        today="2026-04-01",
    )
    assert result.code == 2
    assert len(cli.ok("case", "list")) == before


def test_prior_use_counts_cases_of_other_councils(cli: Cli, world: World) -> None:
    first = str(
        open_case(
            cli,
            "early",
            company=world.company,
            support=[world.tax],
            lenders=[f"{world.bank_main}:main"],
            on="2026-04-01",
            council="27",
        )["id"]
    )
    doc(cli, first, "pre_consultation_letter", "2026-04-05")
    adv(cli, first, "apply", "2026-04-10")
    adv(cli, first, "accept", "2026-04-20")
    doc(cli, first, "plan", "2026-06-01")
    doc(cli, first, "bank_receipt", "2026-06-01")
    adv(cli, first, "submit_plan", "2026-06-01")
    claim_plan(cli, first, 150_000, "2026-06-10")
    doc(cli, first, "share_transfer", "2026-06-10")
    adv(cli, first, "claim_payment", "2026-06-10")
    second = open_early(cli, world, on="2026-11-02")
    doc(cli, second, "pre_consultation_letter", "2026-11-05")
    # counted, but council 13 is not told council 27's case id
    body = refused(
        cli,
        second,
        "apply",
        on="2026-11-10",
        today="2026-11-10",
        expected=[["他の協議会の案件"], ["他の協議会の案件"]],
    )
    assert all(first not in reason for reason in body["details"]) and first not in body["error"]


def test_prior_use_ignores_cases_never_accepted_and_other_programs(cli: Cli, world: World) -> None:
    stopped = drive_early(cli, world, "applied")  # withdrawn before 利用決定: not a use
    adv(cli, stopped, "withdraw", "2026-04-15", "--reason", "取下げ")
    r405 = open_case(
        cli,
        "405",
        company=world.company,
        support=[world.tax],
        lenders=[f"{world.bank_main}:main", str(world.bank_second)],
        estimates={"plan": 450_000, "monitoring": 100_000},
        on="2026-04-01",
    )["id"]
    adv(cli, r405, "apply", "2026-04-10")
    adv(cli, r405, "accept", "2026-04-20")
    doc(cli, r405, "plan", "2026-05-01")
    adv(cli, r405, "start_negotiation", "2026-05-01")
    for lender in (world.bank_main, world.bank_second):
        doc(cli, r405, "consent_letter", "2026-06-01", lender=lender)
    adv(cli, r405, "agree", "2026-06-01")
    claim_plan(cli, r405, 450_000, "2026-06-10")
    doc(cli, r405, "share_transfer", "2026-06-10")
    assert adv(cli, r405, "claim_payment", "2026-06-10")["state"] == "payment_claimed"
    again = open_early(cli, world, on="2026-11-02")
    doc(cli, again, "pre_consultation_letter", "2026-11-05")
    assert adv(cli, again, "apply", "2026-11-10")["state"] == "applied"


@pytest.mark.parametrize(
    ("opened", "accept_on", "bound"),
    [
        ("2027-12-01", "2028-02-01", "2028-01-31"),  # after the end of the bank track
        ("2024-01-10", "2024-01-31", "2024-02-01"),  # before its start
    ],
)
def test_bank_track_not_available_on_acceptance_date(
    cli: Cli, world: World, opened: str, accept_on: str, bound: str
) -> None:
    cid = str(
        open_case(
            cli,
            "early",
            track="bank",
            company=world.company,
            support=[world.bank_adviser],
            lenders=[f"{world.bank_adviser}:main"],
            on=opened,
        )["id"]
    )
    doc(cli, cid, "pre_consultation_letter", opened)
    adv(cli, cid, "apply", opened)
    refused(cli, cid, "accept", on=accept_on, today=accept_on, expected=[[bound]])


@pytest.mark.parametrize("accept_on", ["2024-02-01", "2028-01-31"])
def test_bank_track_available_on_both_bounds(cli: Cli, world: World, accept_on: str) -> None:
    cid = str(
        open_case(
            cli,
            "early",
            track="bank",
            company=world.company,
            support=[world.bank_adviser],
            lenders=[f"{world.bank_adviser}:main"],
            on="2024-01-10",
        )["id"]
    )
    doc(cli, cid, "pre_consultation_letter", "2024-01-15")
    adv(cli, cid, "apply", "2024-01-15")
    assert adv(cli, cid, "accept", accept_on)["accepted_on"] == accept_on


def test_submit_plan_needs_plan_and_main_bank_receipt(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "drafting")
    refused(
        cli,
        cid,
        "submit_plan",
        on="2026-08-31",
        today="2026-08-31",
        expected=[["plan"], ["bank_receipt", MAIN]],
    )
    doc(cli, cid, "bank_receipt", "2026-08-30", lender=world.bank_second)  # not the main bank
    refused(
        cli,
        cid,
        "submit_plan",
        on="2026-08-31",
        today="2026-08-31",
        expected=[["plan"], ["bank_receipt", MAIN]],
    )
    doc(cli, cid, "plan", "2026-08-30")
    refused(cli, cid, "submit_plan", on="2026-08-31", today="2026-08-31", expected=[["bank_receipt", MAIN]])
    doc(cli, cid, "bank_receipt", "2026-08-31", lender=world.bank_main)
    assert adv(cli, cid, "submit_plan", "2026-08-31")["state"] == "plan_submitted"


def test_submit_plan_not_before_the_receipt(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "drafting")
    doc(cli, cid, "plan", "2026-08-20")
    doc(cli, cid, "bank_receipt", "2026-09-05", lender=world.bank_main)
    refused(
        cli,
        cid,
        "submit_plan",
        on="2026-08-31",
        today="2026-09-10",
        expected=[[re.compile("bank_receipt|受取書")]],
    )


def test_claim_payment_fails_three_ways(cli: Cli, world: World) -> None:
    # no plan claim, no share_transfer, and one day after the deadline (accepted 2026-04-20 + 12 months)
    cid = drive_early(cli, world, "plan_submitted")
    refused(
        cli,
        cid,
        "claim_payment",
        on="2027-04-21",
        today="2027-04-21",
        expected=[["plan"], ["share_transfer"], ["2027-04-20"]],
    )


def test_claim_payment_deadline_boundary(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "plan_submitted")
    claim_plan(cli, cid, 200_000, "2027-04-01")
    refused(cli, cid, "claim_payment", on="2027-04-20", today="2027-04-20", expected=[["share_transfer"]])
    doc(cli, cid, "share_transfer", "2027-04-02")
    refused(cli, cid, "claim_payment", on="2027-04-21", today="2027-04-21", expected=[["2027-04-20"]])
    assert adv(cli, cid, "claim_payment", "2027-04-20")["state"] == "payment_claimed"  # "no later than"


@pytest.mark.parametrize("state", ["drafting", "plan_submitted"])
def test_lapse_before_the_deadline_has_passed(cli: Cli, world: World, state: str) -> None:
    cid = drive_early(cli, world, state)
    refused(cli, cid, "lapse", on="2027-04-20", today="2027-04-20", expected=[["2027-04-20"]])


def test_lapse_deadline_clamped_to_month_end(cli: Cli, world: World) -> None:
    # accepted 2028-02-29 → deadline 2029-02-28 (clamped); passed on 2029-03-01
    cid = drive_early(
        cli, world, "drafting", dates={"open": "2028-02-01", "apply": "2028-02-10", "accept": "2028-02-29"}
    )
    refused(cli, cid, "lapse", on="2029-02-28", today="2029-02-28", expected=[["2029-02-28"]])
    assert adv(cli, cid, "lapse", "2029-03-01")["state"] == "lapsed"


def test_claim_payment_rejected_plan_claim_does_not_count(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "plan_submitted")
    claim_plan(cli, cid, 200_000, "2026-09-30")
    doc(cli, cid, "share_transfer", "2026-09-30")
    reject_plan_claim(cli, cid, "2026-09-30")
    refused(cli, cid, "claim_payment", on="2026-10-01", today="2026-10-01", expected=[["plan"]])
    claim_plan(cli, cid, 180_000, "2026-10-01")
    assert adv(cli, cid, "claim_payment", "2026-10-01")["state"] == "payment_claimed"


def test_decide_payment_needs_pending_plan_claim(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "payment_claimed")
    reject_plan_claim(cli, cid, "2026-10-15")
    refused(cli, cid, "decide_payment", on="2026-10-20", today="2026-10-20", expected=[["plan"]])
    claim_plan(cli, cid, 180_000, "2026-10-18")  # a corrected claim
    assert adv(cli, cid, "decide_payment", "2026-10-20")["state"] == "monitoring"


def test_close_needs_fye_session_held(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "monitoring")  # fye due 2028-05-31
    refused(cli, cid, "close", on="2028-06-30", today="2028-06-30", expected=[["2028-05-31"]])
    cli.ok("monitoring", "waive", cid, "1", "--reason", "決算遅延", today="2028-06-30")
    # a waived fiscal-year-end session is not a held one
    refused(cli, cid, "close", on="2028-06-30", today="2028-06-30", expected=[["2028-05-31"]])


@pytest.mark.parametrize("reason_args", [[], ["--reason", "   "]])
def test_reject_needs_reason(cli: Cli, world: World, reason_args: list[str]) -> None:
    cid = drive_early(cli, world, "applied")
    refused(cli, cid, "reject", *reason_args, on="2026-04-25", today="2026-04-25", expected=[[REASON]])


@pytest.mark.parametrize("state", ["consultation", "drafting", "monitoring"])
def test_withdraw_needs_reason(cli: Cli, world: World, state: str) -> None:
    cid = drive_early(cli, world, state)
    refused(cli, cid, "withdraw", on="2026-11-20", today="2026-11-20", expected=[[REASON]])


def test_effective_date_before_state_start(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "applied")  # applied since 2026-04-10
    refused(cli, cid, "accept", on="2026-04-09", today="2026-04-20", expected=[["2026-04-09", "2026-04-10"]])
    # same day is fine
    assert adv(cli, cid, "accept", "2026-04-10")["state_since"] == "2026-04-10"


def test_effective_date_before_state_start_and_no_reason(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "consultation")  # since 2026-04-01
    refused(
        cli,
        cid,
        "withdraw",
        on="2026-03-31",
        today="2026-04-20",
        expected=[["2026-03-31", "2026-04-01"], [REASON]],
    )
    assert show(cli, cid)["state"] == "consultation"
    assert len(history(cli, cid)) == 1

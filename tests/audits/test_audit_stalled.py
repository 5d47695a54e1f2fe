"""`audit stalled`, code `stalled` (DOMAIN.md §9): a case is stalled when the days since it entered its
state (from the effective date of the event that entered it) EXCEED the state's threshold.

Timelines are the hand-chosen ones of tests/cli/helpers.py:
  early: open 2026-04-01, apply 2026-04-10, accept 2026-04-20, submit_plan 2026-08-31,
         claim_payment 2026-10-01, decide_payment 2026-10-20
  405:   open 2026-04-01, apply 2026-04-10, accept 2026-04-20, start_negotiation 2026-09-01,
         agree 2026-11-03, claim_payment 2026-12-01, decide_payment 2026-12-20
"""

from __future__ import annotations

import pytest

from tests.audits.util import audit, none_of, of, only
from tests.cli.helpers import doc, drive_405, drive_early
from tests.conftest import Cli, World

# (program, state, entered on, threshold, entered + threshold − 1, last quiet day = entered + threshold,
#  first stalled day, waiting_on)
STALLS = [
    # 2026-04-01 + 30 days: April has 30 days → 2026-05-01; +29 → 2026-04-30; +31 → 2026-05-02
    ("early", "consultation", "2026-04-01", 30, "2026-04-30", "2026-05-01", "2026-05-02", "company"),
    ("405", "consultation", "2026-04-01", 30, "2026-04-30", "2026-05-01", "2026-05-02", "company"),
    # 2026-04-10 + 30: 20 days to 04-30, +10 → 2026-05-10; +29 → 2026-05-09; +31 → 2026-05-11
    ("early", "applied", "2026-04-10", 30, "2026-05-09", "2026-05-10", "2026-05-11", "council"),
    ("405", "applied", "2026-04-10", 30, "2026-05-09", "2026-05-10", "2026-05-11", "council"),
    # 2026-04-20 + 90: 10 (→04-30) + 31 (May) + 30 (June) = 71, +19 → 2026-07-19; +89 → 07-18; +91 → 07-20
    ("early", "drafting", "2026-04-20", 90, "2026-07-18", "2026-07-19", "2026-07-20", "support_org"),
    # 2026-04-20 + 180: 71 (→06-30) + 31 + 31 + 30 = 163 (→09-30), +17 → 2026-10-17; +179 → 10-16; +181 → 10-18
    ("405", "drafting", "2026-04-20", 180, "2026-10-16", "2026-10-17", "2026-10-18", "support_org"),
    # 2026-09-01 + 120: 29 (→09-30) + 31 + 30 = 90 (→11-30), +30 → 2026-12-30; +119 → 12-29; +121 → 12-31
    ("405", "negotiating", "2026-09-01", 120, "2026-12-29", "2026-12-30", "2026-12-31", "lenders"),
    # 2026-08-31 + 60: 30 (→09-30) + 30 → 2026-10-30; +59 → 2026-10-29; +61 → 2026-10-31
    ("early", "plan_submitted", "2026-08-31", 60, "2026-10-29", "2026-10-30", "2026-10-31", "support_org"),
    # 2026-11-03 + 60: 27 (→11-30) + 31 (→12-31) = 58, +2 → 2027-01-02; +59 → 2027-01-01; +61 → 2027-01-03
    ("405", "agreed", "2026-11-03", 60, "2027-01-01", "2027-01-02", "2027-01-03", "support_org"),
    # 2026-10-01 + 45: 30 (→10-31) + 15 → 2026-11-15; +44 → 2026-11-14; +46 → 2026-11-16
    ("early", "payment_claimed", "2026-10-01", 45, "2026-11-14", "2026-11-15", "2026-11-16", "council"),
    # 2026-12-01 + 45: 30 (→12-31) + 15 → 2027-01-15; +44 → 2027-01-14; +46 → 2027-01-16
    ("405", "payment_claimed", "2026-12-01", 45, "2027-01-14", "2027-01-15", "2027-01-16", "council"),
]


def _drive(cli: Cli, world: World, program: str, state: str) -> str:
    return (drive_early if program == "early" else drive_405)(cli, world, state, coordinator="sato")


@pytest.mark.parametrize(
    ("program", "state", "entered", "threshold", "before", "quiet", "stalled", "waiting"),
    STALLS,
    ids=[f"{p}-{s}" for p, s, *_ in STALLS],
)
def test_stalled_from_the_day_after_the_threshold(
    cli: Cli,
    world: World,
    program: str,
    state: str,
    entered: str,
    threshold: int,
    before: str,
    quiet: str,
    stalled: str,
    waiting: str,
) -> None:
    cid = _drive(cli, world, program, state)
    assert cli.ok("case", "show", cid)["state"] == state

    # one day short of the threshold: not stalled
    none_of(audit(cli, before), cid, "stalled")

    # exactly `threshold` days in the state: not stalled yet
    none_of(audit(cli, quiet), cid, "stalled")

    # threshold + 1 days: stalled since the day the state was entered
    f = only(audit(cli, stalled), cid, "stalled")
    assert (f["state"], f["council"], f["since"], f["days"], f["waiting_on"]) == (
        state,
        "13",
        entered,
        threshold + 1,
        waiting,
    )
    assert f["message"]


def test_drafting_threshold_differs_per_program(cli: Cli, world: World) -> None:
    """2026-07-20 is day 91 in drafting (accepted 2026-04-20): early (90) is stalled, 405 (180) is not."""
    early = drive_early(cli, world, "drafting")
    r405 = drive_405(cli, world, "drafting", company=world.company_dec)
    found = audit(cli, "2026-07-20")
    assert only(found, early, "stalled")["days"] == 91
    none_of(found, r405, "stalled")


def test_since_is_the_effective_date_not_the_recording_date(cli: Cli, world: World) -> None:
    """apply recorded on 2026-04-25 but effective 2026-04-10: the 30-day clock runs from 2026-04-10.
    2026-05-11 − 2026-04-10 = 20 + 11 = 31 days (stalled); counted from the recording date it would be 16."""
    cid = drive_early(cli, world, "consultation")
    doc(cli, cid, "pre_consultation_letter", "2026-04-10")
    cli.ok("case", "advance", cid, "apply", "--on", "2026-04-10", today="2026-04-25")
    none_of(audit(cli, "2026-05-10"), cid, "stalled")  # 30 days
    f = only(audit(cli, "2026-05-11"), cid, "stalled")
    assert (f["since"], f["days"], f["waiting_on"]) == ("2026-04-10", 31, "council")


def test_extend_keeps_the_stall_clock(cli: Cli, world: World) -> None:
    """extend (405) stays in drafting, so the case still entered drafting on 2026-04-20:
    2026-10-18 is day 181 > 180."""
    cid = drive_405(cli, world, "drafting")
    cli.ok(
        "case",
        "advance",
        cid,
        "extend",
        "--on",
        "2026-09-01",
        "--until",
        "2028-10-31",
        "--reason",
        "金融機関との調整に時間を要するため",
        today="2026-09-01",
    )
    none_of(audit(cli, "2026-10-17"), cid, "stalled")
    f = only(audit(cli, "2026-10-18"), cid, "stalled")
    assert (f["since"], f["days"]) == ("2026-04-20", 181)


def test_leaving_the_state_clears_the_stall(cli: Cli, world: World) -> None:
    """early drafting since 2026-04-20 is stalled on 2026-08-31 (133 days); after submit_plan that day the
    case entered plan_submitted on 2026-08-31 (60-day threshold) and is not stalled on 2026-09-01."""
    cid = drive_early(cli, world, "drafting")
    # 2026-04-20 → 2026-08-31: 10 + 31 + 30 + 31 + 31 = 133
    assert only(audit(cli, "2026-08-31"), cid, "stalled")["days"] == 133
    doc(cli, cid, "plan", "2026-08-31")
    doc(cli, cid, "bank_receipt", "2026-08-31", lender=world.bank_main)
    cli.ok("case", "advance", cid, "submit_plan", "--on", "2026-08-31", today="2026-08-31")
    assert of(audit(cli, "2026-09-01"), cid) == []


def test_negotiating_message_names_the_lenders_without_consent(cli: Cli, world: World) -> None:
    """405 negotiating since 2026-09-01; 2026-12-31 is day 121 > 120. Lenders: さくら銀行 (main),
    東都信用金庫, 日本政策金融公庫."""
    cid = drive_405(cli, world, "negotiating")
    f = only(audit(cli, "2026-12-31"), cid, "stalled")
    assert (f["waiting_on"], f["days"], f["since"]) == ("lenders", 121, "2026-09-01")
    for name in ("さくら銀行", "東都信用金庫", "日本政策金融公庫"):
        assert name in f["message"], f["message"]

    # two of three consent letters arrive: only 東都信用金庫 is still missing
    doc(cli, cid, "consent_letter", "2026-12-31", lender=world.bank_main)
    doc(cli, cid, "consent_letter", "2026-12-31", lender=world.bank_third)
    f = only(audit(cli, "2026-12-31"), cid, "stalled")
    assert "東都信用金庫" in f["message"], f["message"]
    assert "さくら銀行" not in f["message"] and "日本政策金融公庫" not in f["message"], f["message"]


def test_monitoring_and_final_states_never_stall(cli: Cli, world: World) -> None:
    """monitoring has no stall threshold; a withdrawn case needs nobody to act."""
    mon = drive_early(cli, world, "monitoring")  # monitoring since 2026-10-20
    gone = drive_early(cli, world, "drafting", company=world.company_dec)
    cli.ok(
        "case",
        "advance",
        gone,
        "withdraw",
        "--on",
        "2026-05-01",
        "--reason",
        "事業者の意向",
        today="2026-05-01",
    )
    found = audit(cli, "2027-10-20")  # a year in monitoring; the withdrawn case was in drafting from 04-20
    none_of(found, mon, "stalled")
    assert of(found, gone) == []

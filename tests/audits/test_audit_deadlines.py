"""`audit stalled`, codes `claim_deadline` (early) and `validity` (405) — DOMAIN.md §3, §9.

A check fires FROM the day its threshold is reached: the early claim warning from acceptance + 9 months
(inclusive), overdue from the day after acceptance + 12 months (the deadline day itself is still allowed
for claim_payment, §3); the 405 validity warning from acceptance + 18 months, overdue the day after
acceptance + 24 months, or after `extend --until D`: warning from D − 6 months, overdue the day after D.
"+N months" keeps the day of month and clamps to the month's last day (§8).
"""

from __future__ import annotations

import pytest

from tests.audits.util import audit, none_of, of, only
from tests.cli.helpers import adv, claim_plan, doc, drive_405, drive_early
from tests.conftest import Cli, World

# -- early: claim deadline ------------------------------------------------------------------------

# (acceptance, dates overriding the helper timeline, day before warn, warn day, deadline, days at deadline)
CLAIM_TIMELINES = [
    # accepted 2026-04-20: +9 months = 2027-01-20, +12 = 2027-04-20.
    # days 2027-01-20 → 2027-04-20: 11 (→01-31) + 28 (Feb 2027) + 31 (Mar) + 20 = 90
    pytest.param({}, "2027-01-19", "2027-01-20", "2027-04-20", 90, id="accepted-2026-04-20"),
    # accepted 2026-05-31: +9 months = 2027-02-31 → clamped 2027-02-28; +12 = 2027-05-31.
    # days 2027-02-28 → 2027-05-31: 31 (→03-31) + 30 (→04-30) + 31 (→05-31) = 92
    pytest.param(
        {"open": "2026-05-01", "apply": "2026-05-10", "accept": "2026-05-31"},
        "2027-02-27",
        "2027-02-28",
        "2027-05-31",
        92,
        id="accepted-2026-05-31-clamped",
    ),
]


@pytest.mark.parametrize("state", ["drafting", "plan_submitted"])
@pytest.mark.parametrize(("dates", "before", "warn", "deadline", "days_at_deadline"), CLAIM_TIMELINES)
def test_claim_deadline_warning_then_overdue(
    cli: Cli,
    world: World,
    state: str,
    dates: dict[str, str],
    before: str,
    warn: str,
    deadline: str,
    days_at_deadline: int,
) -> None:
    cid = drive_early(cli, world, state, dates=dates)

    none_of(audit(cli, before), cid, "claim_deadline")

    f = only(audit(cli, warn), cid, "claim_deadline")
    assert (f["level"], f["since"], f["days"], f["waiting_on"], f["state"]) == (
        "warning",
        warn,
        0,
        "support_org",
        state,
    )

    # the deadline day itself: still a warning
    f = only(audit(cli, deadline), cid, "claim_deadline")
    assert (f["level"], f["since"], f["days"]) == ("warning", warn, days_at_deadline)

    # the day after the deadline: overdue (lapse-eligible). It is the same check (§9: it fires from the
    # day its first threshold, the warning, is reached), so `since` stays the warning day and the days
    # run on from it: days_at_deadline + 1.
    day_after = {"2027-04-20": "2027-04-21", "2027-05-31": "2027-06-01"}[deadline]
    f = only(audit(cli, day_after), cid, "claim_deadline")
    assert (f["level"], f["waiting_on"]) == ("overdue", "support_org")
    assert (f["since"], f["days"]) == (warn, days_at_deadline + 1)


def test_claim_deadline_gone_once_the_claim_is_made(cli: Cli, world: World) -> None:
    """accepted 2026-04-20 → warning from 2027-01-20; 2027-02-01 is 11 + 1 = 12 days into it. claim_payment
    on 2027-02-01 (before the 2027-04-20 deadline) ends the check for good."""
    cid = drive_early(cli, world, "plan_submitted")
    f = only(audit(cli, "2027-02-01"), cid, "claim_deadline")
    assert (f["level"], f["days"]) == ("warning", 12)

    claim_plan(cli, cid, 200_000, "2027-02-01")
    doc(cli, cid, "share_transfer", "2027-02-01")
    adv(cli, cid, "claim_payment", "2027-02-01")
    for today in ("2027-02-01", "2027-04-20", "2027-04-21", "2027-12-01"):
        none_of(audit(cli, today), cid, "claim_deadline")


@pytest.mark.parametrize("state", ["payment_claimed", "monitoring"])
def test_no_claim_deadline_after_claim_payment(cli: Cli, world: World, state: str) -> None:
    """claim_payment on 2026-10-01: no claim_deadline finding at the 9- or past the 12-month mark."""
    cid = drive_early(cli, world, state)
    for today in ("2027-01-20", "2027-04-21"):
        none_of(audit(cli, today), cid, "claim_deadline")


def test_405_has_no_claim_deadline_and_early_no_validity(cli: Cli, world: World) -> None:
    """Each program has its own deadline check: 405 drafting past acceptance + 12 months has no
    claim_deadline finding; early drafting past acceptance + 24 months has no validity finding."""
    early = drive_early(cli, world, "drafting")
    r405 = drive_405(cli, world, "drafting", company=world.company_dec)
    found = audit(cli, "2028-05-01")
    none_of(found, r405, "claim_deadline")
    none_of(found, early, "validity")
    assert only(found, early, "claim_deadline")["level"] == "overdue"
    assert only(found, r405, "validity")["level"] == "overdue"


# -- 405: validity --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["drafting", "negotiating", "agreed"])
def test_validity_warning_then_overdue(cli: Cli, world: World, state: str) -> None:
    """accepted 2026-04-20: warning from +18 months = 2027-10-20, end +24 months = 2028-04-20.
    days 2027-10-20 → 2028-04-20: 11 (→10-31) + 30 + 31 + 31 + 29 (Feb 2028, leap) + 31 + 20 = 183."""
    cid = drive_405(cli, world, state)

    none_of(audit(cli, "2027-10-19"), cid, "validity")

    f = only(audit(cli, "2027-10-20"), cid, "validity")
    assert (f["level"], f["since"], f["days"], f["waiting_on"], f["state"]) == (
        "warning",
        "2027-10-20",
        0,
        "support_org",
        state,
    )

    f = only(audit(cli, "2028-04-20"), cid, "validity")
    assert (f["level"], f["since"], f["days"]) == ("warning", "2027-10-20", 183)

    f = only(audit(cli, "2028-04-21"), cid, "validity")
    assert (f["level"], f["waiting_on"]) == ("overdue", "support_org")
    # the same check as the warning: since the warning day, 183 + 1 = 184 days
    assert (f["since"], f["days"]) == ("2027-10-20", 184)


@pytest.mark.parametrize("state", ["payment_claimed", "monitoring"])
def test_no_validity_after_claim_payment(cli: Cli, world: World, state: str) -> None:
    cid = drive_405(cli, world, state)
    for today in ("2027-10-20", "2028-04-21"):
        none_of(audit(cli, today), cid, "validity")


@pytest.mark.parametrize("state", ["drafting", "negotiating"])
def test_validity_after_extension(cli: Cli, world: World, state: str) -> None:
    """Before the extension (2027-11-01) the case has the warning from 2027-10-20 (12 days in:
    11 to 10-31 + 1). `extend --until 2028-10-31` on 2027-11-01: the warning now starts at
    2028-10-31 − 6 months = 2028-04-30, the overdue on 2028-11-01.
    days 2028-04-30 → 2028-10-31: 31 (→05-31) + 30 + 31 + 31 + 30 + 31 = 184."""
    cid = drive_405(cli, world, state)
    f = only(audit(cli, "2027-11-01"), cid, "validity")
    assert (f["since"], f["days"], f["level"]) == ("2027-10-20", 12, "warning")

    cli.ok(
        "case",
        "advance",
        cid,
        "extend",
        "--on",
        "2027-11-01",
        "--until",
        "2028-10-31",
        "--reason",
        "金融機関調整の長期化（協議会決定）",
        today="2027-11-01",
    )

    # the original warning and overdue are gone
    for today in ("2027-11-01", "2028-04-21", "2028-04-29"):
        none_of(audit(cli, today), cid, "validity")

    f = only(audit(cli, "2028-04-30"), cid, "validity")
    assert (f["level"], f["since"], f["days"], f["waiting_on"]) == ("warning", "2028-04-30", 0, "support_org")

    f = only(audit(cli, "2028-10-31"), cid, "validity")
    assert (f["level"], f["since"], f["days"]) == ("warning", "2028-04-30", 184)

    f = only(audit(cli, "2028-11-01"), cid, "validity")
    assert f["level"] == "overdue"
    assert (f["since"], f["days"]) == ("2028-04-30", 185)  # since the warning day: 184 + 1


def test_extension_carries_into_agreed(cli: Cli, world: World) -> None:
    """Extended in drafting (`--until 2028-10-31`), then negotiated and agreed: in agreed the validity
    still ends 2028-10-31, warning from 2028-04-30, overdue from 2028-11-01."""
    cid = drive_405(cli, world, "drafting")
    cli.ok(
        "case",
        "advance",
        cid,
        "extend",
        "--on",
        "2026-06-01",
        "--until",
        "2028-10-31",
        "--reason",
        "計画策定の長期化（協議会決定）",
        today="2026-06-01",
    )
    doc(cli, cid, "plan", "2026-09-01")
    adv(cli, cid, "start_negotiation", "2026-09-01")
    for lender in cli.ok("case", "show", cid)["lenders"]:
        doc(cli, cid, "consent_letter", "2026-11-03", lender=lender["id"])
    adv(cli, cid, "agree", "2026-11-03")
    for today in ("2027-10-20", "2028-04-21", "2028-04-29"):
        none_of(audit(cli, today), cid, "validity")
    f = only(audit(cli, "2028-04-30"), cid, "validity")
    assert (f["state"], f["level"], f["since"], f["days"]) == ("agreed", "warning", "2028-04-30", 0)
    assert only(audit(cli, "2028-11-01"), cid, "validity")["level"] == "overdue"


def test_lapse_ends_every_finding(cli: Cli, world: World) -> None:
    """early accepted 2026-04-20 lapses on 2027-04-21; 405 accepted 2026-04-20 lapses on 2028-04-21.
    A lapsed case needs nobody to act: no finding at all afterwards."""
    early = drive_early(cli, world, "plan_submitted")
    r405 = drive_405(cli, world, "negotiating", company=world.company_dec)
    assert of(audit(cli, "2027-04-21"), early, "claim_deadline")
    adv(cli, early, "lapse", "2027-04-21")
    assert of(audit(cli, "2027-04-21"), early) == []
    assert of(audit(cli, "2028-04-21"), r405, "validity")
    adv(cli, r405, "lapse", "2028-04-21")
    found = audit(cli, "2028-04-22")
    assert of(found, early) == [] and of(found, r405) == []


LEAP = {"open": "2024-02-01", "apply": "2024-02-10", "accept": "2024-02-29"}


def test_validity_warning_for_a_leap_day_acceptance(cli: Cli, world: World) -> None:
    """accepted 2024-02-29: warning from 2024-02-29 + 18 months = 2025-08-29 (DOMAIN.md §9: 'warn at 18
    months after acceptance'); end 2024-02-29 + 24 months = 2026-02-29 → clamped 2026-02-28."""
    cid = drive_405(cli, world, "drafting", dates=LEAP)
    none_of(audit(cli, "2025-08-28"), cid, "validity")
    f = only(audit(cli, "2025-08-29"), cid, "validity")
    assert (f["level"], f["since"], f["days"]) == ("warning", "2025-08-29", 0)


def test_validity_end_for_a_leap_day_acceptance(cli: Cli, world: World) -> None:
    """The end itself clamps: 2024-02-29 + 24 months = 2026-02-28; overdue from 2026-03-01."""
    cid = drive_405(cli, world, "drafting", dates=LEAP)
    assert only(audit(cli, "2026-02-28"), cid, "validity")["level"] == "warning"
    assert only(audit(cli, "2026-03-01"), cid, "validity")["level"] == "overdue"

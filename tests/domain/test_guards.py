"""Each named guard of DOMAIN.md §3/§6, refused and passing, on hand-built case snapshots.

The rule values are the DOMAIN.md defaults (12-month claim deadline, 24-month validity, 36-month
window, monitoring ≤ ½, schedule chart above 450,000), written out here rather than read from the
workflow files so that a change there cannot silently change these expectations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from casetrack.domain.facts import (
    CaseFacts,
    ClaimFact,
    DocumentFact,
    LenderFact,
    SessionFact,
    SupportOrgFact,
)
from casetrack.domain.guards import GUARDS, GuardInput, missing_documents, reasons_for_people

D = dt.date

RULES_405: dict[str, Any] = {
    "validity_months": 24,
    "window_months": 36,
    "schedule_chart_above": 450000,
    "monitoring_estimate_max_share": "1/2",
    "reuse_needs_council_approval": False,
}
RULES_405_FROM_2024_04: dict[str, Any] = {**RULES_405, "reuse_needs_council_approval": True}
RULES_EARLY: dict[str, Any] = {"claim_deadline_months": 12, "fye_report_lag_months": 2, "interim_months": 6}
BANK_WINDOW = (D(2024, 2, 1), D(2028, 1, 31))
ON = D(2026, 6, 1)

TAX = SupportOrgFact(10, "みなと税理士法人", lead=True, certified=True)
MAIN = LenderFact(20, "さくら銀行", main=True, guaranteed=False)
SECOND = LenderFact(21, "東都信用金庫", main=False, guaranteed=True)


def facts(**kw: Any) -> CaseFacts:
    base: dict[str, Any] = {
        "id": "T-1",
        "program": "405",
        "track": "regular",
        "state": "consultation",
        "opened_on": D(2026, 1, 5),
        "state_since": D(2026, 1, 5),
        "support_orgs": (TAX,),
        "lenders": (MAIN, SECOND),
    }
    base.update(kw)
    return CaseFacts(**base)


def check(
    name: str,
    f: CaseFacts,
    on: dt.date = ON,
    rules: dict[str, Any] | None = None,
    window: tuple[dt.date | None, dt.date | None] = (None, None),
) -> tuple[str, ...]:
    reasons = GUARDS[name].check(GuardInput(f, rules if rules is not None else RULES_405, on, window))
    assert all(isinstance(r, str) and r for r in reasons)
    return reasons


# --- lead_certified -----------------------------------------------------------------------------


def test_lead_certified_passes_for_a_certified_lead() -> None:
    assert check("lead_certified", facts()) == ()


def test_lead_certified_refuses_an_uncertified_lead() -> None:
    lead = SupportOrgFact(11, "未認定コンサル", lead=True, certified=False)
    (reason,) = check("lead_certified", facts(support_orgs=(lead,)))
    assert "未認定コンサル" in reason and "org 11" in reason
    assert reasons_for_people([reason]) == [
        "代表の支援機関 未認定コンサル は認定経営革新等支援機関ではありません"
    ]


def test_support_orgs_certified_names_each_uncertified_org() -> None:
    """Pamphlet lines 1–9, 31: every support org on the case is certified, the lead and the others."""
    lead = replace(TAX, certified=False)
    helper = SupportOrgFact(30, "未認定コンサル", lead=False, certified=False)
    fine = SupportOrgFact(31, "認定コンサル", lead=False, certified=True)
    reasons = check("support_orgs_certified", facts(support_orgs=(lead, helper, fine)))
    assert len(reasons) == 2
    assert TAX.name in reasons[0] and "代表" in reasons[0]
    assert "未認定コンサル（org 30）" in reasons[1] and "認定コンサル（org 31）" not in "".join(reasons)
    assert len(check("support_orgs_certified", facts(support_orgs=()))) == 1  # no lead at all
    assert check("support_orgs_certified", facts(support_orgs=(TAX, fine))) == ()


def test_lead_certified_refuses_when_no_lead() -> None:
    other = replace(TAX, lead=False)
    assert len(check("lead_certified", facts(support_orgs=(other,)))) == 1
    assert len(check("lead_certified", facts(support_orgs=()))) == 1


# --- no_fee_receiving_lender --------------------------------------------------------------------


def test_no_fee_receiving_lender_passes_when_no_support_org_lends() -> None:
    assert check("no_fee_receiving_lender", facts()) == ()


def test_no_fee_receiving_lender_refuses_each_lending_support_org() -> None:
    bank_lead = SupportOrgFact(MAIN.org_id, MAIN.name, lead=True, certified=True)
    bank_other = SupportOrgFact(SECOND.org_id, SECOND.name, lead=False, certified=True)
    reasons = check(
        "no_fee_receiving_lender", facts(support_orgs=(bank_lead, bank_other, replace(TAX, lead=False)))
    )
    assert len(reasons) == 2
    assert "さくら銀行" in reasons[0] and "東都信用金庫" in reasons[1]


def test_early_standard_track_refuses_a_lending_lead() -> None:
    bank_lead = SupportOrgFact(MAIN.org_id, MAIN.name, lead=True, certified=True)
    reasons = check(
        "no_fee_receiving_lender",
        facts(program="early", track="standard", support_orgs=(bank_lead,)),
        rules=RULES_EARLY,
    )
    assert len(reasons) == 1 and "さくら銀行" in reasons[0]


def test_early_bank_track_needs_the_lead_to_be_the_main_bank() -> None:
    main_lead = SupportOrgFact(MAIN.org_id, MAIN.name, lead=True, certified=True)
    ok = facts(program="early", track="bank", support_orgs=(main_lead,))
    assert check("no_fee_receiving_lender", ok, rules=RULES_EARLY) == ()

    second_lead = SupportOrgFact(SECOND.org_id, SECOND.name, lead=True, certified=True)
    (reason,) = check(
        "no_fee_receiving_lender",
        facts(program="early", track="bank", support_orgs=(second_lead,)),
        rules=RULES_EARLY,
    )
    assert "メイン行" in reason and "東都信用金庫" in reason

    # a tax accountant leading in the bank track is not the main bank either
    (reason,) = check("no_fee_receiving_lender", facts(program="early", track="bank"), rules=RULES_EARLY)
    assert "メイン行" in reason


# --- not_single_unguaranteed_lender -------------------------------------------------------------


def test_single_lender_without_guaranteed_loans_is_refused() -> None:
    (reason,) = check("not_single_unguaranteed_lender", facts(lenders=(MAIN,)))
    assert "さくら銀行" in reason


@pytest.mark.parametrize(
    "lenders",
    [
        (SECOND,),  # one lender, but with guarantee-backed loans
        (MAIN, SECOND),
        (MAIN, replace(SECOND, guaranteed=False)),  # two lenders, neither guaranteed
    ],
)
def test_not_single_unguaranteed_lender_passes(lenders: tuple[LenderFact, ...]) -> None:
    assert check("not_single_unguaranteed_lender", facts(lenders=lenders)) == ()


# --- fee estimates ------------------------------------------------------------------------------


def test_fee_estimates_recorded() -> None:
    assert check("fee_estimates_recorded", facts(estimates={"plan": 1, "monitoring": 0})) == ()
    missing = check("fee_estimates_recorded", facts(estimates={}))
    assert len(missing) == 2
    assert "plan" in missing[0] and "monitoring" in missing[1]
    (only,) = check("fee_estimates_recorded", facts(estimates={"plan": 3_300_000}))
    assert "monitoring" in only


@pytest.mark.parametrize(
    ("plan", "monitoring", "allowed"),
    [
        (1_000_000, 1_000_000, True),  # exactly ½ of 2,000,000
        (1_000_000, 1_000_001, False),  # 1,000,001 > ½ × 2,000,001 = 1,000,000.5
        (3_300_000, 1_200_000, True),  # the DOMAIN.md §5 example
        (450_001, 450_001, True),
        (450_001, 450_002, False),
        (0, 1, False),
    ],
)
def test_monitoring_estimate_within_half(plan: int, monitoring: int, allowed: bool) -> None:
    reasons = check(
        "monitoring_estimate_within_half", facts(estimates={"plan": plan, "monitoring": monitoring})
    )
    assert (reasons == ()) is allowed
    if not allowed:
        assert f"{monitoring:,}" in reasons[0]


def test_monitoring_estimate_rule_reads_the_configured_share() -> None:
    f = facts(estimates={"plan": 400_000, "monitoring": 600_000})
    assert check("monitoring_estimate_within_half", f) != ()  # 600,000 > ½ × 1,000,000
    assert (
        check(
            "monitoring_estimate_within_half", f, rules={**RULES_405, "monitoring_estimate_max_share": "3/5"}
        )
        == ()
    )  # = 3/5 × 1,000,000


@pytest.mark.parametrize(
    ("plan", "chart", "required"),
    [(450_000, False, False), (450_001, False, True), (450_001, True, False), (3_300_000, True, False)],
)
def test_schedule_chart_for_large_plan(plan: int, chart: bool, required: bool) -> None:
    docs = (DocumentFact("schedule_chart", D(2026, 1, 10)),) if chart else ()
    reasons = check(
        "schedule_chart_for_large_plan", facts(estimates={"plan": plan, "monitoring": 0}, documents=docs)
    )
    assert (reasons != ()) is required
    if required:
        assert "schedule_chart" in reasons[0] and "450,000" in reasons[0]


# --- prior use (§6) -----------------------------------------------------------------------------


def test_prior_use_passes_without_an_earlier_case() -> None:
    assert check("prior_use", facts()) == ()


def test_prior_use_needs_a_reason_and_names_the_earlier_case() -> None:
    (reason,) = check("prior_use", facts(prior_cases=("13-405-2023-0007",)))
    assert "13-405-2023-0007" in reason
    assert check("prior_use", facts(prior_cases=("13-405-2023-0007",), reuse_reason="新たな要因")) == ()


def test_prior_use_from_2024_04_also_needs_council_approval() -> None:
    f = facts(prior_cases=("13-405-2023-0007",), reuse_reason="新たな要因")
    (reason,) = check("prior_use", f, rules=RULES_405_FROM_2024_04)
    assert "13-405-2023-0007" in reason
    assert check("prior_use", replace(f, reuse_approved=True), rules=RULES_405_FROM_2024_04) == ()
    # neither reason nor approval: both reasons at once
    assert len(check("prior_use", facts(prior_cases=("A", "B")), rules=RULES_405_FROM_2024_04)) == 2


def test_prior_use_in_early_needs_no_approval() -> None:
    f = facts(program="early", track="standard", prior_cases=("13-early-2023-0001",), reuse_reason="再度")
    assert check("prior_use", f, rules=RULES_EARLY) == ()


def test_reuse_reason_recorded() -> None:
    assert check("reuse_reason_recorded", facts(reuse_reason="原因が前回と異なる")) == ()
    assert len(check("reuse_reason_recorded", facts())) == 1
    assert len(check("reuse_reason_recorded", facts(reuse_reason=""))) == 1


# --- track window (§7) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on", "allowed"),
    [
        (D(2024, 1, 31), False),
        (D(2024, 2, 1), True),
        (D(2026, 6, 1), True),
        (D(2028, 1, 31), True),
        (D(2028, 2, 1), False),
    ],
)
def test_bank_track_window_both_edges(on: dt.date, allowed: bool) -> None:
    f = facts(program="early", track="bank", state="applied")
    reasons = check("track_available", f, on=on, rules=RULES_EARLY, window=BANK_WINDOW)
    assert (reasons == ()) is allowed
    if not allowed:
        assert "bank" in reasons[0] and str(on) in reasons[0]


def test_open_ended_track_window() -> None:
    gl = facts(track="gl", state="applied")
    assert check("track_available", gl, on=D(2022, 4, 14), window=(D(2022, 4, 15), None)) != ()
    assert check("track_available", gl, on=D(2022, 4, 15), window=(D(2022, 4, 15), None)) == ()
    assert check("track_available", gl, on=D(2099, 1, 1), window=(D(2022, 4, 15), None)) == ()
    assert check("track_available", facts(state="applied"), on=D(2000, 1, 1)) == ()


# --- claims -------------------------------------------------------------------------------------


def test_plan_claim_exists() -> None:
    assert len(check("plan_claim_exists", facts())) == 1
    assert len(check("plan_claim_exists", facts(claims=(ClaimFact(1, "plan", 300_000, "rejected"),)))) == 1
    assert len(check("plan_claim_exists", facts(claims=(ClaimFact(1, "monitoring", 1, "claimed"),)))) == 1
    assert check("plan_claim_exists", facts(claims=(ClaimFact(1, "plan", 300_000, "claimed"),))) == ()
    assert check("plan_claim_exists", facts(claims=(ClaimFact(1, "plan", 300_000, "decided"),))) == ()


def test_plan_claim_pending() -> None:
    assert check("plan_claim_pending", facts(claims=(ClaimFact(1, "plan", 300_000, "claimed"),))) == ()
    assert len(check("plan_claim_pending", facts(claims=(ClaimFact(1, "plan", 300_000, "decided"),)))) == 1
    assert len(check("plan_claim_pending", facts())) == 1


# --- deadlines (§3, §9) -------------------------------------------------------------------------

EARLY_ACCEPTED = facts(program="early", track="standard", state="plan_submitted", accepted_on=D(2026, 1, 31))


@pytest.mark.parametrize(
    ("on", "in_time"),
    [
        (D(2026, 12, 31), True),
        (D(2027, 1, 31), True),  # exactly acceptance + 12 months: still allowed
        (D(2027, 2, 1), False),  # + 12 months + 1 day
    ],
)
def test_claim_deadline_and_lapse_are_exact_opposites(on: dt.date, in_time: bool) -> None:
    within = check("within_claim_deadline", EARLY_ACCEPTED, on=on, rules=RULES_EARLY)
    lapse = check("claim_deadline_passed", EARLY_ACCEPTED, on=on, rules=RULES_EARLY)
    assert (within == ()) is in_time
    assert (lapse == ()) is (not in_time)
    if not in_time:
        assert "2027-01-31" in within[0]
    else:
        assert "2027-01-31" in lapse[0]


def test_claim_deadline_clamps_at_a_month_end() -> None:
    f = replace(EARLY_ACCEPTED, accepted_on=D(2024, 2, 29))  # + 12 months = 2025-02-28
    assert check("within_claim_deadline", f, on=D(2025, 2, 28), rules=RULES_EARLY) == ()
    assert check("within_claim_deadline", f, on=D(2025, 3, 1), rules=RULES_EARLY) != ()
    assert check("claim_deadline_passed", f, on=D(2025, 3, 1), rules=RULES_EARLY) == ()


def test_claim_deadline_without_acceptance_refuses_both_ways() -> None:
    f = facts(program="early", track="standard", state="drafting")
    assert check("within_claim_deadline", f, rules=RULES_EARLY) != ()
    assert check("claim_deadline_passed", f, rules=RULES_EARLY) != ()


ACCEPTED_405 = facts(state="agreed", accepted_on=D(2026, 4, 10))


@pytest.mark.parametrize(
    ("until", "on", "valid"),
    [
        (None, D(2028, 4, 10), True),  # acceptance + 24 months, inclusive
        (None, D(2028, 4, 11), False),
        (D(2028, 10, 31), D(2028, 4, 11), True),  # extended by the council
        (D(2028, 10, 31), D(2028, 10, 31), True),
        (D(2028, 10, 31), D(2028, 11, 1), False),
    ],
)
def test_validity_and_its_end_are_exact_opposites(until: dt.date | None, on: dt.date, valid: bool) -> None:
    f = replace(ACCEPTED_405, validity_until=until)
    within = check("within_validity", f, on=on)
    ended = check("validity_ended", f, on=on)
    assert (within == ()) is valid
    assert (ended == ()) is (not valid)
    end = str(until or D(2028, 4, 10))
    assert end in (within or ended)[0]


def test_validity_without_acceptance_refuses_both_ways() -> None:
    f = facts(state="drafting")
    assert check("within_validity", f) != ()
    assert check("validity_ended", f) != ()


# --- monitoring ---------------------------------------------------------------------------------


def test_fye_session_held() -> None:
    early = facts(program="early", track="standard", state="monitoring")
    assert check("fye_session_held", early, rules=RULES_EARLY) != ()  # none scheduled
    scheduled = (
        SessionFact(1, "interim", D(2026, 8, 10), "held"),
        SessionFact(2, "fye", D(2027, 5, 31), "scheduled"),
    )
    (reason,) = check("fye_session_held", replace(early, sessions=scheduled), rules=RULES_EARLY)
    assert "2027-05-31" in reason
    waived = (SessionFact(1, "fye", D(2027, 5, 31), "waived"),)
    assert check("fye_session_held", replace(early, sessions=waived), rules=RULES_EARLY) != ()
    held = (
        SessionFact(1, "interim", D(2026, 8, 10), "scheduled"),
        SessionFact(2, "fye", D(2027, 5, 31), "held"),
    )
    assert check("fye_session_held", replace(early, sessions=held), rules=RULES_EARLY) == ()


def test_monitoring_window_ended() -> None:
    f = facts(state="monitoring", plan_date=D(2026, 4, 15))  # window 36 months → 2029-04-15
    (reason,) = check("monitoring_window_ended", f, on=D(2029, 4, 14))
    assert "2029-04-15" in reason
    assert check("monitoring_window_ended", f, on=D(2029, 4, 16)) == ()
    # a window agreed per case (24 months) overrides the rule set's 36
    short = replace(f, window_months=24)
    assert check("monitoring_window_ended", short, on=D(2028, 4, 16)) == ()
    assert check("monitoring_window_ended", f, on=D(2028, 4, 16)) != ()
    assert check("monitoring_window_ended", facts(state="monitoring"), on=D(2030, 1, 1)) != ()  # no plan date


def test_sessions_all_done_names_each_open_session() -> None:
    sessions = (
        SessionFact(1, "regular", D(2026, 10, 15), "held"),
        SessionFact(2, "regular", D(2027, 4, 15), "scheduled"),
        SessionFact(3, "regular", D(2027, 10, 15), "waived"),
        SessionFact(4, "regular", D(2028, 4, 17), "scheduled"),
    )
    reasons = check("sessions_all_done", facts(state="monitoring", sessions=sessions))
    assert len(reasons) == 2
    assert "2027-04-15" in reasons[0] and "2028-04-17" in reasons[1]
    done = tuple(replace(s, status="held") for s in sessions)
    assert check("sessions_all_done", facts(state="monitoring", sessions=done)) == ()


# --- missing_documents --------------------------------------------------------------------------

RECEIPT = (("bank_receipt", "main_bank", "受取書"),)
CONSENT = (("consent_letter", "every_lender", "同意書"),)


def test_missing_documents_from_the_main_bank() -> None:
    assert len(missing_documents(facts(), RECEIPT)) == 1
    # a receipt from another lender does not count
    from_second = (DocumentFact("bank_receipt", D(2026, 5, 1), SECOND.org_id),)
    (reason,) = missing_documents(facts(documents=from_second), RECEIPT)
    assert "さくら銀行" in reason and "bank_receipt" in reason
    assert reasons_for_people([reason]) == ["メイン行（さくら銀行）の受取書がありません"]  # a page: no ids
    from_main = (DocumentFact("bank_receipt", D(2026, 5, 1), MAIN.org_id),)
    assert missing_documents(facts(documents=from_main), RECEIPT) == ()


def test_missing_documents_without_a_main_bank() -> None:
    (reason,) = missing_documents(facts(lenders=(SECOND,)), RECEIPT)
    assert "メイン行" in reason


def test_missing_documents_from_every_lender() -> None:
    reasons = missing_documents(facts(), CONSENT)
    assert len(reasons) == 2
    one = (DocumentFact("consent_letter", D(2026, 9, 1), MAIN.org_id),)
    (reason,) = missing_documents(facts(documents=one), CONSENT)
    assert "東都信用金庫" in reason and "consent_letter" in reason
    assert reasons_for_people([reason]) == ["東都信用金庫の同意書がありません"]
    both = one + (DocumentFact("consent_letter", D(2026, 9, 2), SECOND.org_id),)
    assert missing_documents(facts(documents=both), CONSENT) == ()
    # a consent letter of the wrong kind (a receipt) does not count
    receipt = (DocumentFact("bank_receipt", D(2026, 9, 2), SECOND.org_id),)
    assert len(missing_documents(facts(documents=one + receipt), CONSENT)) == 1


def test_missing_documents_of_the_case_itself_and_all_at_once() -> None:
    needs = (("plan", None, "経営改善計画書"), ("share_transfer", None, "振込控え")) + RECEIPT
    reasons = missing_documents(facts(), needs)
    assert len(reasons) == 3
    assert "plan" in reasons[0] and "share_transfer" in reasons[1] and "bank_receipt" in reasons[2]
    assert reasons_for_people(reasons) == [
        "経営改善計画書がありません",
        "振込控えがありません",
        "メイン行（さくら銀行）の受取書がありません",
    ]
    docs = (
        DocumentFact("plan", D(2026, 5, 1)),
        DocumentFact("share_transfer", D(2026, 5, 1)),
        DocumentFact("bank_receipt", D(2026, 5, 1), MAIN.org_id),
    )
    assert missing_documents(facts(documents=docs), needs) == ()


# --- every guard: one refusal and one pass, side by side ----------------------------------------

PLAN_CLAIM = (ClaimFact(1, "plan", 300_000, "claimed"),)
BOTH_WAYS: dict[str, tuple[GuardInput, GuardInput]] = {
    # 405 agree (pamphlet line 169): every lender's financial support recorded; the second lender's missing
    "financial_support_agreed": (
        GuardInput(
            facts(lenders=(MAIN, SECOND)), RULES_405, D(2026, 6, 1), agreements={MAIN.org_id: ("reschedule",)}
        ),
        GuardInput(
            facts(lenders=(MAIN, SECOND)),
            RULES_405,
            D(2026, 6, 1),
            agreements={MAIN.org_id: ("reschedule",), SECOND.org_id: ("new_loan",)},
        ),
    ),
    "lead_certified": (
        GuardInput(facts(support_orgs=(replace(TAX, certified=False),)), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(), RULES_405, D(2026, 6, 1)),
    ),
    "support_orgs_certified": (
        GuardInput(
            facts(support_orgs=(TAX, SupportOrgFact(30, "未認定コンサル", False, False))),
            RULES_405,
            D(2026, 6, 1),
        ),
        GuardInput(
            facts(support_orgs=(TAX, SupportOrgFact(31, "認定コンサル", False, True))),
            RULES_405,
            D(2026, 6, 1),
        ),
    ),
    "no_fee_receiving_lender": (
        GuardInput(
            facts(support_orgs=(TAX, SupportOrgFact(21, "東都信用金庫", False, True))),
            RULES_405,
            D(2026, 6, 1),
        ),
        GuardInput(facts(), RULES_405, D(2026, 6, 1)),
    ),
    "not_single_unguaranteed_lender": (
        GuardInput(facts(lenders=(MAIN,)), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(lenders=(SECOND,)), RULES_405, D(2026, 6, 1)),
    ),
    "fee_estimates_recorded": (
        GuardInput(facts(estimates={"plan": 1}), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(estimates={"plan": 1, "monitoring": 1}), RULES_405, D(2026, 6, 1)),
    ),
    "monitoring_estimate_within_half": (
        GuardInput(facts(estimates={"plan": 500, "monitoring": 501}), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(estimates={"plan": 500, "monitoring": 500}), RULES_405, D(2026, 6, 1)),
    ),
    "schedule_chart_for_large_plan": (
        GuardInput(facts(estimates={"plan": 450_001}), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(estimates={"plan": 450_000}), RULES_405, D(2026, 6, 1)),
    ),
    "prior_use": (
        GuardInput(facts(prior_cases=("X-1",)), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(prior_cases=("X-1",), reuse_reason="r"), RULES_405, D(2026, 6, 1)),
    ),
    "reuse_reason_recorded": (
        GuardInput(facts(), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(reuse_reason="r"), RULES_405, D(2026, 6, 1)),
    ),
    "track_available": (
        GuardInput(facts(track="bank"), RULES_EARLY, D(2028, 2, 1), BANK_WINDOW),
        GuardInput(facts(track="bank"), RULES_EARLY, D(2024, 2, 1), BANK_WINDOW),
    ),
    "plan_claim_exists": (
        GuardInput(facts(), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(claims=PLAN_CLAIM), RULES_405, D(2026, 6, 1)),
    ),
    "plan_claim_pending": (
        GuardInput(facts(claims=(replace(PLAN_CLAIM[0], status="decided"),)), RULES_405, D(2026, 6, 1)),
        GuardInput(facts(claims=PLAN_CLAIM), RULES_405, D(2026, 6, 1)),
    ),
    "within_claim_deadline": (
        GuardInput(EARLY_ACCEPTED, RULES_EARLY, D(2027, 2, 1)),
        GuardInput(EARLY_ACCEPTED, RULES_EARLY, D(2027, 1, 31)),
    ),
    "claim_deadline_passed": (
        GuardInput(EARLY_ACCEPTED, RULES_EARLY, D(2027, 1, 31)),
        GuardInput(EARLY_ACCEPTED, RULES_EARLY, D(2027, 2, 1)),
    ),
    "within_validity": (
        GuardInput(ACCEPTED_405, RULES_405, D(2028, 4, 11)),
        GuardInput(ACCEPTED_405, RULES_405, D(2028, 4, 10)),
    ),
    "validity_ended": (
        GuardInput(ACCEPTED_405, RULES_405, D(2028, 4, 10)),
        GuardInput(ACCEPTED_405, RULES_405, D(2028, 4, 11)),
    ),
    # the current end is 2028-04-10: the new one must be later (an extension never shortens)
    "extends_validity": (
        GuardInput(ACCEPTED_405, RULES_405, D(2026, 5, 1), until=D(2028, 4, 10)),
        GuardInput(ACCEPTED_405, RULES_405, D(2026, 5, 1), until=D(2028, 4, 11)),
    ),
    "fye_session_held": (
        GuardInput(
            facts(sessions=(SessionFact(1, "fye", D(2027, 5, 31), "scheduled"),)), RULES_EARLY, D(2027, 6, 1)
        ),
        GuardInput(
            facts(sessions=(SessionFact(1, "fye", D(2027, 5, 31), "held"),)), RULES_EARLY, D(2027, 6, 1)
        ),
    ),
    "monitoring_window_ended": (
        GuardInput(facts(plan_date=D(2026, 4, 15)), RULES_405, D(2029, 4, 14)),
        GuardInput(facts(plan_date=D(2026, 4, 15)), RULES_405, D(2029, 4, 16)),
    ),
    "sessions_all_done": (
        GuardInput(
            facts(sessions=(SessionFact(1, "regular", D(2026, 10, 15), "scheduled"),)),
            RULES_405,
            D(2029, 5, 1),
        ),
        GuardInput(
            facts(sessions=(SessionFact(1, "regular", D(2026, 10, 15), "waived"),)), RULES_405, D(2029, 5, 1)
        ),
    ),
}


def test_every_guard_has_a_refusal_and_a_pass() -> None:
    assert set(BOTH_WAYS) == set(GUARDS), (
        f"guards without a case here: {sorted(set(GUARDS) ^ set(BOTH_WAYS))}"
    )


@pytest.mark.parametrize("name", sorted(BOTH_WAYS))
def test_guard_refuses_then_passes(name: str) -> None:
    refused, passing = BOTH_WAYS[name]
    reasons = GUARDS[name].check(refused)
    assert reasons and all(isinstance(r, str) and r.strip() for r in reasons)
    assert GUARDS[name].check(passing) == ()


@pytest.mark.parametrize("name", sorted(GUARDS))
def test_guard_rule_keys_exist_in_the_domain_defaults(name: str) -> None:
    # every rule key a guard says it reads is one of the configurable defaults used above
    for key in GUARDS[name].needs:
        assert key in RULES_405 or key in RULES_EARLY, key


# --- re-use grounds and the count of uses (DOMAIN.md §11) ------------------------------------------

EARLY_GROUNDS = {
    "covid": "コロナ禍の影響により業績が低下している場合",
    "russia_ukraine": "ロシア・ウクライナ情勢により業績が低下している場合",
}


def _reuse(f: CaseFacts, max_uses: int | None = 2) -> tuple[str, ...]:
    return GUARDS["prior_use"].check(
        GuardInput(f, RULES_EARLY, ON, reuse_grounds=EARLY_GROUNDS, reuse_max_uses=max_uses)
    )


def test_a_second_use_needs_a_named_ground() -> None:
    assert len(_reuse(facts(prior_cases=("13-2025-0001",), reuse_reason="r"))) == 1
    (reason,) = _reuse(facts(prior_cases=("13-2025-0001",), reuse_reason="r", reuse_ground="flood"))
    assert "covid" in reason and "russia_ukraine" in reason
    (shown,) = reasons_for_people([reason])
    assert (
        EARLY_GROUNDS["covid"] in shown and EARLY_GROUNDS["russia_ukraine"] in shown and "covid" not in shown
    )
    assert _reuse(facts(prior_cases=("13-2025-0001",), reuse_reason="r", reuse_ground="covid")) == ()
    assert _reuse(facts()) == ()  # a first use needs nothing


def test_never_a_third_use_and_other_councils_unnamed() -> None:
    two = facts(prior_cases=("13-2024-0001", "他の協議会の案件"), reuse_reason="r", reuse_ground="covid")
    (reason,) = _reuse(two)
    assert "2回" in reason and "13-2024-0001" in reason and "他の協議会の案件" in reason
    assert _reuse(two, max_uses=None) == ()  # 405: the pamphlet names no limit

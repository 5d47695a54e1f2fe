"""Subsidy and holdback arithmetic (DOMAIN.md §5):

eligible = min(F, estimate left); subsidy = min(floor(eligible × 2/3), cap left);
company share = F − subsidy; holdback retained = floor(subsidy / 2), paid = the rest.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrack.domain.fees import floor_yen, holdback, subsidy_for

TWO_THIRDS = Fraction(2, 3)
YEN = st.integers(min_value=0, max_value=50_000_000)


# --- DOMAIN.md §5 worked examples ---------------------------------------------------------------


def test_405_regular_plan_fee_is_capped() -> None:
    # estimate 3,300,000, fee 3,300,000 → floor(2,200,000) → cap 2,000,000
    s = subsidy_for(3_300_000, TWO_THIRDS, estimate_remaining=3_300_000, cap_remaining=2_000_000)
    assert (s.fee, s.eligible, s.subsidy, s.company_share) == (3_300_000, 3_300_000, 2_000_000, 1_300_000)
    assert any(limit.startswith("cap") and "200,000" in limit for limit in s.limits)
    assert holdback(s.subsidy) == (1_000_000, 1_000_000)  # paid, retained


def test_405_first_monitoring_claim() -> None:
    # 150,000 within the estimate (1,200,000) and the cap (1,000,000): exactly 2/3
    s = subsidy_for(150_000, TWO_THIRDS, estimate_remaining=1_200_000, cap_remaining=1_000_000)
    assert (s.eligible, s.subsidy, s.company_share) == (150_000, 100_000, 50_000)
    assert s.limits == ()


def test_405_second_monitoring_claim_is_limited_by_the_estimate_left() -> None:
    # estimate left 1,200,000 − 150,000 = 1,050,000; cap left 1,000,000 − 100,000 = 900,000;
    # fee 1,200,000 → eligible 1,050,000 → floor(700,000) → 700,000 (under the cap left)
    s = subsidy_for(1_200_000, TWO_THIRDS, estimate_remaining=1_050_000, cap_remaining=900_000)
    assert (s.eligible, s.subsidy, s.company_share) == (1_050_000, 700_000, 500_000)
    assert len(s.limits) == 1
    assert s.limits[0].startswith("estimate") and "150,000" in s.limits[0]


def test_early_plan_fee_above_the_estimate() -> None:
    # estimate 180,000, fee 200,000 → eligible 180,000 → 120,000 (cap 150,000 not reached)
    s = subsidy_for(200_000, TWO_THIRDS, estimate_remaining=180_000, cap_remaining=150_000)
    assert (s.eligible, s.subsidy, s.company_share) == (180_000, 120_000, 80_000)


def test_ledger_of_the_worked_405_case_balances() -> None:
    fees = [3_300_000, 150_000, 1_200_000]
    subsidies = [2_000_000, 100_000, 700_000]
    shares = [1_300_000, 50_000, 500_000]
    results = [
        subsidy_for(3_300_000, TWO_THIRDS, 3_300_000, 2_000_000),
        subsidy_for(150_000, TWO_THIRDS, 1_200_000, 1_000_000),
        subsidy_for(1_200_000, TWO_THIRDS, 1_200_000 - 150_000, 1_000_000 - 100_000),
    ]
    assert [r.subsidy for r in results] == subsidies
    assert [r.company_share for r in results] == shares
    assert sum(fees) == sum(subsidies) + sum(shares)


# --- other edges --------------------------------------------------------------------------------


def test_no_estimate_recorded_means_no_estimate_limit() -> None:
    s = subsidy_for(90_000, TWO_THIRDS, estimate_remaining=None, cap_remaining=150_000)
    assert (s.eligible, s.subsidy, s.company_share) == (90_000, 60_000, 30_000)


def test_estimate_used_up_gives_nothing() -> None:
    for left in (0, -10_000):
        s = subsidy_for(50_000, TWO_THIRDS, estimate_remaining=left, cap_remaining=150_000)
        assert (s.eligible, s.subsidy, s.company_share) == (0, 0, 50_000)


def test_cap_used_up_gives_nothing() -> None:
    s = subsidy_for(60_000, TWO_THIRDS, estimate_remaining=None, cap_remaining=0)
    assert (s.subsidy, s.company_share) == (0, 60_000)


def test_early_bank_track_zero_cap_for_monitoring() -> None:
    # early/bank: monitoring caps are 0 → the bank's monitoring is never subsidised
    s = subsidy_for(75_000, TWO_THIRDS, estimate_remaining=None, cap_remaining=0)
    assert s.subsidy == 0


@pytest.mark.parametrize(
    ("fee", "subsidy"),
    [(1, 0), (2, 1), (3, 2), (100_000, 66_666), (100_001, 66_667), (149_999, 99_999), (224_999, 149_999)],
)
def test_subsidy_is_rounded_down_to_the_yen(fee: int, subsidy: int) -> None:
    s = subsidy_for(fee, TWO_THIRDS, estimate_remaining=None, cap_remaining=10_000_000)
    assert s.subsidy == subsidy
    assert s.company_share == fee - subsidy


def test_negative_fee_is_refused() -> None:
    with pytest.raises(ValueError):
        subsidy_for(-1, TWO_THIRDS, estimate_remaining=None, cap_remaining=150_000)


def test_floor_yen_is_a_floor() -> None:
    assert floor_yen(Fraction(200_000, 3)) == 66_666
    assert floor_yen(Fraction(7, 2)) == 3
    assert floor_yen(Fraction(6, 1)) == 6
    assert isinstance(floor_yen(Fraction(5, 3)), int)


@pytest.mark.parametrize(
    ("subsidy", "paid", "retained"),
    [
        (2_000_000, 1_000_000, 1_000_000),
        (100_001, 50_001, 50_000),
        (3, 2, 1),
        (1, 1, 0),
        (0, 0, 0),
        (1_333_333, 666_667, 666_666),
    ],
)
def test_holdback_retains_the_floor_half(subsidy: int, paid: int, retained: int) -> None:
    assert holdback(subsidy) == (paid, retained)


# --- properties -------------------------------------------------------------------------------


@given(fee=YEN, estimate=st.none() | YEN, cap=st.integers(min_value=0, max_value=5_000_000))
def test_subsidy_properties(fee: int, estimate: int | None, cap: int) -> None:
    s = subsidy_for(fee, TWO_THIRDS, estimate_remaining=estimate, cap_remaining=cap)
    assert 0 <= s.subsidy <= cap
    assert s.subsidy <= fee * 2 // 3
    assert s.fee == fee
    assert fee == s.subsidy + s.company_share
    assert s.company_share >= fee - fee * 2 // 3  # the company pays at least its third
    eligible = fee if estimate is None else min(fee, estimate)
    assert s.eligible == eligible
    assert s.subsidy == min(eligible * 2 // 3, cap)  # the formula, in integer arithmetic
    assert (s.limits == ()) == (eligible == fee and eligible * 2 // 3 <= cap)


@given(
    fee=YEN,
    estimate=st.none() | YEN,
    cap=st.integers(min_value=-1_000_000, max_value=5_000_000),
    rate=st.fractions(min_value=Fraction(1, 100), max_value=1),
)
def test_subsidy_never_exceeds_the_fee_or_the_cap_for_any_rate(
    fee: int, estimate: int | None, cap: int, rate: Fraction
) -> None:
    s = subsidy_for(fee, rate, estimate_remaining=estimate, cap_remaining=cap)
    assert 0 <= s.subsidy <= max(cap, 0)
    assert s.subsidy <= fee
    assert fee == s.subsidy + s.company_share


@given(st.integers(min_value=0, max_value=10_000_000))
def test_holdback_properties(subsidy: int) -> None:
    paid, retained = holdback(subsidy)
    assert paid + retained == subsidy
    assert retained == subsidy // 2
    assert paid - retained in (0, 1)


@given(fee=YEN, estimate=YEN, cap=st.integers(min_value=0, max_value=5_000_000))
def test_claims_in_sequence_never_exceed_cap_or_estimate(fee: int, estimate: int, cap: int) -> None:
    # two claims of the same component: the second sees what the first used up
    first = subsidy_for(fee, TWO_THIRDS, estimate_remaining=estimate, cap_remaining=cap)
    second = subsidy_for(
        fee, TWO_THIRDS, estimate_remaining=estimate - fee, cap_remaining=cap - first.subsidy
    )
    assert first.subsidy + second.subsidy <= cap
    assert first.subsidy + second.subsidy <= estimate * 2 // 3
    assert 2 * fee == first.subsidy + second.subsidy + first.company_share + second.company_share

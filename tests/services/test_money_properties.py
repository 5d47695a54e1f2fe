"""Properties of sequences of claims on real cases (DOMAIN.md §5): shared caps never exceeded, the
subsidy never above 2/3 of what is eligible, the company's share at least a third, the ledger always
balanced, the holdback released exactly once."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrack import services
from tests.services.money_helpers import D, case_405_agreed, decide_plan, hold, new_company, setup

pytestmark = pytest.mark.usefixtures("set_up_db")  # a set-up database: setup() need not migrate

_counter = itertools.count(1000)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    plan_fee=st.integers(min_value=1, max_value=6_000_000),
    monitoring_estimate=st.integers(min_value=0, max_value=1_500_000),
    fees=st.lists(st.integers(min_value=1, max_value=900_000), min_size=1, max_size=6),
    rejects=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_claim_sequences_keep_every_invariant(
    db_url: str, plan_fee: int, monitoring_estimate: int, fees: list[int], rejects: list[bool]
) -> None:
    ctx, p = _world(db_url)
    plan_estimate = max(plan_fee, 2 * monitoring_estimate)  # so that apply's ½ rule holds
    cid = case_405_agreed(
        ctx,
        p,
        estimates={"plan": plan_estimate, "monitoring": monitoring_estimate},
        company=new_company(ctx, next(_counter)),
    )
    decide_plan(ctx, cid, plan_fee)
    released_total = 0
    decided_monitoring = 0
    for seq, fee in enumerate(fees, start=1):
        hold(ctx, cid, seq)
        claim = services.claim_fee(ctx, cid, "monitoring", fee=fee, session=seq, on=D("2029-12-01"))
        if rejects[seq - 1]:
            services.reject_fee(ctx, cid, claim["id"], reason="不備", on=D("2029-12-01"))
            continue
        decided = services.decide_fee(ctx, cid, claim["id"], on=D("2029-12-01"))
        decided_monitoring += 1
        released_total += decided["released"]
        if decided_monitoring > 1:
            assert decided["released"] == 0
        assert decided["subsidy"] <= Fraction(2, 3) * decided["eligible"]
        assert decided["eligible"] <= fee
        assert decided["company_share"] >= Fraction(fee, 3) - 1
        assert decided["fee"] == decided["subsidy"] + decided["company_share"]
        money = services.show_case(ctx, cid)["money"]
        assert money["balanced"] is True
        assert money["fee_total"] == money["subsidy_total"] + money["company_share_total"]
        assert money["subsidy_total"] == money["paid_total"] + money["retained_total"]
        assert money["components"]["monitoring"]["subsidy"] <= 1_000_000
        assert (
            money["components"]["monitoring"]["fee"] - money["components"]["monitoring"]["company_share"]
            <= Fraction(2, 3) * monitoring_estimate
        )
        assert money["components"]["plan"]["subsidy"] <= 2_000_000
    money = services.show_case(ctx, cid)["money"]
    plan_subsidy = money["components"]["plan"]["subsidy"]
    assert plan_subsidy == min(plan_fee * 2 // 3, 2_000_000)
    assert released_total == (plan_subsidy // 2 if decided_monitoring else 0)
    assert money["retained_total"] == (0 if decided_monitoring else plan_subsidy // 2)


_worlds: dict[str, tuple[services.Context, object]] = {}


def _world(db_url: str):  # type: ignore[no-untyped-def]
    """One initialised database per test run and backend; every example opens cases of its own."""
    if db_url not in _worlds:
        _worlds[db_url] = setup(db_url)
    return _worlds[db_url]

"""Money through the service layer on a real database: subsidies worked by hand from DOMAIN.md §5,
the 405 holdback and its release, the ledger, bad input, and rule-set pinning."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from casetrack import services
from casetrack.errors import BadInput, NotFound, Refused
from tests.services.money_helpers import (
    D,
    case_405_agreed,
    case_early_submitted,
    claim_and_decide,
    decide_plan,
    hold,
    new_company,
    setup,
)

pytestmark = pytest.mark.usefixtures("set_up_db")  # a set-up database: setup() need not migrate


def _money(ctx: services.Context, cid: str) -> dict:  # type: ignore[type-arg]
    return services.show_case(ctx, cid)["money"]


def test_domain_worked_example_405_regular(db_url: str) -> None:
    """DOMAIN.md §5: estimates plan 3,300,000 / monitoring 1,200,000."""
    ctx, p = setup(db_url)
    cid = case_405_agreed(ctx, p)
    shown = decide_plan(ctx, cid, 3_300_000)
    plan = shown["money"]["components"]["plan"]
    # floor(3,300,000 × 2/3) = 2,200,000 → cap 2,000,000; retained floor(2,000,000/2) = 1,000,000
    assert (plan["fee"], plan["subsidy"], plan["paid"], plan["retained"], plan["company_share"]) == (
        3_300_000,
        2_000_000,
        1_000_000,
        1_000_000,
        1_300_000,
    )
    assert (shown["money"]["paid_total"], shown["money"]["retained_total"]) == (1_000_000, 1_000_000)

    hold(ctx, cid, 1)
    first = claim_and_decide(ctx, cid, "monitoring", 150_000, session=1)
    # 150,000 × 2/3 = 100,000, paid with the whole retained 1,000,000
    assert (first["subsidy"], first["paid"], first["released"]) == (100_000, 100_000, 1_000_000)

    hold(ctx, cid, 2)
    second = claim_and_decide(ctx, cid, "monitoring", 1_200_000, session=2)
    # estimate left 1,200,000 − 150,000 = 1,050,000 → 700,000 (cap left 900,000)
    assert (second["eligible"], second["subsidy"], second["released"]) == (1_050_000, 700_000, 0)
    assert second["company_share"] == 500_000

    hold(ctx, cid, 3)
    third = claim_and_decide(ctx, cid, "monitoring", 300_000, session=3)
    # the estimate is used up: nothing is eligible any more
    assert (third["eligible"], third["subsidy"], third["company_share"]) == (0, 0, 300_000)
    assert any(limit.startswith("estimate") for limit in third["limits"])

    money = _money(ctx, cid)
    assert money["balanced"] is True
    assert money["subsidy_total"] == 2_000_000 + 100_000 + 700_000
    assert money["paid_total"] == money["subsidy_total"] and money["retained_total"] == 0
    assert money["fee_total"] == money["subsidy_total"] + money["company_share_total"]
    assert money["components"]["plan"]["paid"] == 2_000_000 and money["components"]["plan"]["retained"] == 0
    assert money["components"]["monitoring"]["released"] == 1_000_000


@pytest.mark.parametrize(
    ("fee", "estimate", "subsidy", "company_share", "limit"),
    [
        (200_000, 180_000, 120_000, 80_000, "estimate"),  # DOMAIN.md §5 example
        (225_000, None, 150_000, 75_000, None),  # exactly the cap
        (225_001, None, 150_000, 75_001, None),  # floor(150,000.67) = 150,000: still exactly the cap
        (225_003, None, 150_000, 75_003, "cap"),  # floor(150,002) → capped by 2 yen
        (100, None, 66, 34, None),  # floor(66.67)
        (150_000, 150_000, 100_000, 50_000, None),  # estimate exactly used
        (150_001, 150_000, 100_000, 50_001, "estimate"),  # one yen above the estimate
    ],
)
def test_early_standard_plan_subsidy(
    db_url: str, fee: int, estimate: int | None, subsidy: int, company_share: int, limit: str | None
) -> None:
    ctx, p = setup(db_url)
    cid = case_early_submitted(ctx, p, estimates={"plan": estimate} if estimate is not None else {})
    claim = services.claim_fee(ctx, cid, "plan", fee=fee, session=None, on=D("2025-09-20"))
    assert (claim["subsidy"], claim["company_share"]) == (subsidy, company_share)
    assert [x.split("（")[0] for x in claim["limits"]] == ([limit] if limit else [])
    services.add_document(ctx, cid, "share_transfer", lender_id=None, on=D("2025-09-20"), file=None)
    services.advance(ctx, cid, "claim_payment", on=D("2025-09-20"))
    plan = services.advance(ctx, cid, "decide_payment", on=D("2025-10-01"))["money"]["components"]["plan"]
    # early: no holdback
    assert (plan["subsidy"], plan["paid"], plan["retained"], plan["company_share"]) == (
        subsidy,
        subsidy,
        0,
        company_share,
    )


@pytest.mark.parametrize(
    ("track", "fee", "subsidy", "paid", "retained"),
    [
        ("regular", 1_000_001, 666_667, 333_334, 333_333),  # odd subsidy: retained is the floor half
        ("regular", 2_999_999, 1_999_999, 1_000_000, 999_999),
        ("regular", 3_000_000, 2_000_000, 1_000_000, 1_000_000),
        ("gl", 4_500_000, 3_000_000, 1_500_000, 1_500_000),
        ("gl", 4_500_003, 3_000_000, 1_500_000, 1_500_000),  # floor(3,000,002) capped at 3,000,000
        ("gl", 7, 4, 2, 2),
    ],
)
def test_405_plan_subsidy_and_holdback(
    db_url: str, track: str, fee: int, subsidy: int, paid: int, retained: int
) -> None:
    ctx, p = setup(db_url)
    cid = case_405_agreed(ctx, p, track=track, estimates={"plan": fee, "monitoring": 1})
    plan = decide_plan(ctx, cid, fee)["money"]["components"]["plan"]
    assert (plan["subsidy"], plan["paid"], plan["retained"], plan["company_share"]) == (
        subsidy,
        paid,
        retained,
        fee - subsidy,
    )


# 405 伴走支援費用 (monitoring): ONE cap of 1,000,000 (subsidy side) shared by all sessions of the case
# (DOMAIN.md §5). Per claim: eligible = min(fee, estimate left); subsidy = min(floor(eligible × 2/3),
# cap left); company share = fee − subsidy. Each row: (fee, eligible, subsidy, company share, limits).
# Plan estimate 3,300,000 in every row; the monitoring estimate must stay ≤ ½ × (plan + monitoring).
MONITORING_CAP_ROWS = [
    pytest.param(
        1_800_000,
        [  # 1,800,000 ≤ ½ × 5,100,000 = 2,550,000
            (
                600_000,
                600_000,
                400_000,
                200_000,
                [],
            ),  # floor(400,000) = 400,000; cap left 1,000,000 → 600,000
            (600_000, 600_000, 400_000, 200_000, []),  # est. left 1,200,000; cap left 600,000 → 200,000
            (
                300_000,
                300_000,
                200_000,
                100_000,
                [],
            ),  # est. left 600,000; 200,000 = cap left: exactly at the cap
            (30_000, 30_000, 0, 30_000, ["cap"]),  # est. left 300,000; floor(20,000) but cap left 0
        ],
        1_000_000,
        id="cap-exactly-reached",
    ),
    pytest.param(
        1_800_000,
        [
            (600_000, 600_000, 400_000, 200_000, []),
            (600_000, 600_000, 400_000, 200_000, []),  # cap left 200,000
            (
                300_002,
                300_002,
                200_000,
                100_002,
                ["cap"],
            ),  # floor(200,001.33) = 200,001: one yen over → 200,000
        ],
        1_000_000,
        id="one-yen-over-the-cap",
    ),
    pytest.param(
        1_800_000,
        [
            (600_000, 600_000, 400_000, 200_000, []),
            (600_000, 600_000, 400_000, 200_000, []),  # cap left 200,000
            (300_001, 300_001, 200_000, 100_001, []),  # floor(200,000.67) = 200,000: the cap, not over it
        ],
        1_000_000,
        id="odd-yen-floors-onto-the-cap",
    ),
    pytest.param(
        1_200_000,
        [  # DOMAIN.md §5 estimate: 1,200,000 × 2/3 = 800,000 < the cap
            (900_000, 900_000, 600_000, 300_000, []),  # floor(600,000); cap left 1,000,000 → 400,000
            (
                600_000,
                300_000,
                200_000,
                400_000,
                ["estimate"],
            ),  # est. left 1,200,000 − 900,000 = 300,000 → 200,000
            (99_999, 0, 0, 99_999, ["estimate"]),  # est. left 0: nothing eligible; 200,000 of cap never used
        ],
        800_000,
        id="estimate-binds-before-the-cap",
    ),
    pytest.param(
        1_500_001,
        [  # 1,500,001 ≤ ½ × 4,800,001 = 2,400,000.5
            (500_001, 500_001, 333_334, 166_667, []),  # 1,000,002 / 3 = 333,334 exactly
            (500_001, 500_001, 333_334, 166_667, []),  # est. left 1,000,000; cap left 666,666 → 333,332
            (500_000, 499_999, 333_332, 166_668, ["estimate"]),  # est. left 1,500,001 − 1,000,002 = 499,999;
        ],
        1_000_000,
        id="odd-yen-estimate-meets-the-cap",
    ),  # floor(333,332.67) = 333,332 = cap left: both meet
]


@pytest.mark.parametrize(("estimate", "claims", "total"), MONITORING_CAP_ROWS)
def test_405_monitoring_cap_is_shared_by_all_sessions(
    db_url: str, estimate: int, claims: list[tuple[int, int, int, int, list[str]]], total: int
) -> None:
    ctx, p = setup(db_url)
    cid = case_405_agreed(ctx, p, estimates={"plan": 3_300_000, "monitoring": estimate})
    decide_plan(ctx, cid, 3_300_000)  # plan subsidy 2,000,000: 1,000,000 paid, 1,000,000 retained
    for seq, (fee, eligible, subsidy, share, limits) in enumerate(claims, start=1):
        hold(ctx, cid, seq)
        decided = claim_and_decide(ctx, cid, "monitoring", fee, session=seq)
        assert (decided["fee"], decided["eligible"], decided["subsidy"], decided["company_share"]) == (
            fee,
            eligible,
            subsidy,
            share,
        ), f"session {seq}"
        assert [x.split("（")[0] for x in decided["limits"]] == limits, f"session {seq}"
        assert (decided["paid"], decided["released"]) == (subsidy, 1_000_000 if seq == 1 else 0)
    money = _money(ctx, cid)
    monitoring = money["components"]["monitoring"]
    assert monitoring["subsidy"] == total <= 1_000_000
    assert monitoring["fee"] == sum(c[0] for c in claims)
    assert monitoring["company_share"] == sum(c[3] for c in claims)
    assert money["retained_total"] == 0 and money["balanced"] is True


def test_405_gl_dd_and_guarantee_release_caps(db_url: str) -> None:
    ctx, p = setup(db_url)
    cid = case_405_agreed(ctx, p, track="gl", estimates={"plan": 3_000_000, "monitoring": 600_000})
    dd = claim_and_decide(ctx, cid, "dd", 4_500_003, on="2025-10-20")
    assert (dd["subsidy"], dd["retained"], dd["company_share"]) == (3_000_000, 0, 1_500_003)
    # the negotiation fee needs the record of the negotiation (pamphlet lines 207–208)
    with pytest.raises(Refused, match="guarantee_negotiation"):
        services.claim_fee(ctx, cid, "guarantee_release", fee=150_000, session=None, on=D("2025-10-20"))
    services.add_document(ctx, cid, "guarantee_negotiation", lender_id=None, on=D("2025-10-20"), file=None)
    g1 = claim_and_decide(ctx, cid, "guarantee_release", 150_000, on="2025-10-20")
    assert g1["subsidy"] == 100_000  # exactly the cap
    g2 = claim_and_decide(ctx, cid, "guarantee_release", 30_000, on="2025-10-21")
    assert (g2["subsidy"], g2["company_share"]) == (0, 30_000)  # the cap is used up
    assert any(limit.startswith("cap") for limit in g2["limits"])
    assert _money(ctx, cid)["balanced"] is True


def test_early_monitoring_components_and_bank_track(db_url: str) -> None:
    ctx, p = setup(db_url)
    cid = case_early_submitted(ctx, p, interim=True)
    decide_plan(ctx, cid, 150_000, on="2025-09-20")
    hold(ctx, cid, 1)  # interim
    hold(ctx, cid, 2)  # fiscal-year end
    interim = claim_and_decide(ctx, cid, "monitoring_interim", 75_000, session=1)
    assert interim["subsidy"] == 50_000  # exactly the cap
    fye = claim_and_decide(ctx, cid, "monitoring_fye", 90_000, session=2)
    assert (fye["subsidy"], fye["company_share"]) == (50_000, 40_000)  # 60,000 capped at 50,000
    with pytest.raises(Refused, match="interim session, not fye|is a interim session"):
        services.claim_fee(ctx, cid, "monitoring_fye", fee=1000, session=1, on=D("2029-12-02"))

    ctx2, p2 = setup(db_url.replace("casetrack.db", "bank.db")) if db_url.startswith("sqlite") else (ctx, p)
    company = new_company(ctx2, 99)
    p2.company = company
    bank_case = case_early_submitted(ctx2, p2, track="bank", interim=False, opened="2025-04-01")
    decide_plan(ctx2, bank_case, 300_000, on="2025-09-20")
    hold(ctx2, bank_case, 1)
    # the bank track's monitoring caps are 0: the claim is refused, not taken at 0 yen (DOMAIN.md §11)
    with pytest.raises(Refused, match="cap is 0"):
        services.claim_fee(ctx2, bank_case, "monitoring_fye", fee=30_000, session=1, on=D("2029-12-01"))
    with pytest.raises(Refused, match="cap is 0"):
        services.claim_fee(ctx2, bank_case, "guarantee_release", fee=30_000, session=None, on=D("2025-09-21"))
    assert [c["component"] for c in services.list_claims(ctx2, bank_case)] == ["plan"]


def test_holdback_is_released_once_and_never_without_a_monitoring_decision(db_url: str) -> None:
    ctx, p = setup(db_url)
    cid = case_405_agreed(ctx, p)
    decide_plan(ctx, cid, 3_300_000)
    hold(ctx, cid, 1)
    hold(ctx, cid, 2)
    claim1 = services.claim_fee(ctx, cid, "monitoring", fee=90_000, session=1, on=D("2029-12-01"))
    services.reject_fee(ctx, cid, claim1["id"], reason="報告書不備", on=D("2029-12-02"))
    assert _money(ctx, cid)["retained_total"] == 1_000_000  # a rejected claim releases nothing
    first = claim_and_decide(ctx, cid, "monitoring", 90_000, session=2)
    second_claim = services.claim_fee(ctx, cid, "monitoring", fee=90_000, session=1, on=D("2029-12-03"))
    second = services.decide_fee(ctx, cid, second_claim["id"], on=D("2029-12-03"))
    assert (first["released"], second["released"]) == (1_000_000, 0)
    ledger = _money(ctx, cid)["ledger"]
    assert sum(e["released"] for e in ledger) == 1_000_000


def test_claims_refused_and_bad_input_change_nothing(db_url: str) -> None:
    ctx, p = setup(db_url)
    cid = case_405_agreed(ctx, p)
    before = services.show_case(ctx, cid)
    with pytest.raises(BadInput):
        services.claim_fee(ctx, cid, "plan", fee=0, session=None, on=None)
    with pytest.raises(BadInput):
        services.claim_fee(ctx, cid, "bogus", fee=1000, session=None, on=None)
    with pytest.raises(Refused, match="no dd component"):
        services.claim_fee(ctx, cid, "dd", fee=1000, session=None, on=None)  # regular track has no dd
    with pytest.raises(Refused, match="claim is made in monitoring"):
        services.claim_fee(ctx, cid, "monitoring", fee=1000, session=1, on=None)  # wrong state
    with pytest.raises(BadInput):
        services.claim_fee(ctx, cid, "plan", fee=1000, session=1, on=None)
    for bad in ("-5", "1.5", "12x", "", "1e6"):
        with pytest.raises(BadInput):
            services.parse_yen(bad, "--fee")
    assert services.parse_yen("3,300,000", "--fee") == 3_300_000
    assert services.show_case(ctx, cid)["version"] == before["version"]
    assert services.list_claims(ctx, cid) == []

    decide_plan(ctx, cid, 3_300_000)
    plan_claim = services.list_claims(ctx, cid)[0]
    with pytest.raises(Refused, match="already decided"):
        services.decide_fee(ctx, cid, plan_claim["id"], on=None)
    with pytest.raises(NotFound):
        services.decide_fee(ctx, cid, 9999, on=None)
    with pytest.raises(Refused, match="not held"):
        services.claim_fee(ctx, cid, "monitoring", fee=1000, session=1, on=None)
    with pytest.raises(BadInput, match="--session"):
        services.claim_fee(ctx, cid, "monitoring", fee=1000, session=None, on=None)
    with pytest.raises(NotFound):
        services.claim_fee(ctx, cid, "monitoring", fee=1000, session=42, on=None)
    hold(ctx, cid, 1)
    claim = services.claim_fee(ctx, cid, "monitoring", fee=1000, session=1, on=D("2029-12-01"))
    with pytest.raises(Refused, match="already has a claim"):
        services.claim_fee(ctx, cid, "monitoring", fee=500, session=1, on=D("2029-12-01"))
    services.decide_fee(ctx, cid, claim["id"], on=D("2029-12-01"))
    with pytest.raises(Refused, match="cannot change"):
        services.reject_fee(ctx, cid, claim["id"], reason="late", on=None)


def test_plan_claim_is_decided_by_the_event_not_by_fee_decide(db_url: str) -> None:
    ctx, p = setup(db_url)
    cid = case_405_agreed(ctx, p)
    claim = services.claim_fee(ctx, cid, "plan", fee=3_300_000, session=None, on=D("2025-11-01"))
    with pytest.raises(Refused, match="decide_payment"):
        services.decide_fee(ctx, cid, claim["id"], on=None)


def test_estimates_change_only_before_apply(db_url: str) -> None:
    ctx, p = setup(db_url)
    case = services.open_case(
        ctx,
        program="405",
        track="regular",
        council="13",
        company_id=p.company,
        support_orgs=[p.adviser],
        lenders=[
            services.LenderArg(p.bank_main, main=True),
            services.LenderArg(p.bank_other, guaranteed=True),
        ],
        coordinator=None,
        interim_monitoring=False,
        interval_months=None,
        estimates={"plan": 400_000},
        reuse_reason=None,
        on=D("2025-04-01"),
    )
    cid = case["id"]
    refused = services.case_events(ctx, cid, D("2025-04-02"))
    apply = next(e for e in refused if e["event"] == "apply")
    assert not apply["allowed"] and any("monitoring" in r for r in apply["reasons"])
    # monitoring 400,001 > ½ × (400,000 + 400,001): refused; 400,000 exactly half: allowed
    services.set_estimates(ctx, cid, {"monitoring": 400_001})
    apply = next(e for e in services.case_events(ctx, cid, D("2025-04-02")) if e["event"] == "apply")
    assert not apply["allowed"] and any("1/2" in r for r in apply["reasons"])
    assert services.set_estimates(ctx, cid, {"monitoring": 400_000}) == {
        "plan": 400_000,
        "monitoring": 400_000,
    }
    services.add_document(ctx, cid, "application", lender_id=None, on=D("2025-04-02"), file=None)
    services.advance(ctx, cid, "apply", on=D("2025-04-02"))
    with pytest.raises(Refused, match="only in consultation"):
        services.set_estimates(ctx, cid, {"plan": 1})


def test_fee_statement_renders_the_arithmetic(db_url: str) -> None:
    ctx, p = setup(db_url)
    cid = case_405_agreed(ctx, p)
    decide_plan(ctx, cid, 3_300_000)
    md = services.fee_statement(ctx, cid, "md")
    assert "支払決定明細書" in md and "3,300,000円" in md and "2,000,000円" in md and "1,000,000円" in md
    assert "令和7年" in md  # 和暦 beside ISO dates
    html = services.fee_statement(ctx, cid, "html")
    assert html.startswith("<!doctype html>") and "留保額" in html


def test_html_statement_escapes_names(db_url: str) -> None:
    ctx, p = setup(db_url)
    company = services.add_company(
        ctx,
        name="<script>alert(1)</script>&Co",
        corporate_number_=None,
        fiscal_year_end_month=3,
        founded_on=None,
        prefecture="13",
    )["id"]
    cid = case_405_agreed(ctx, p, company=company)
    html = services.fee_statement(ctx, cid, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = services.fee_statement(ctx, cid, "md")
    assert "<script>alert(1)</script>&Co" in md  # text output is not escaped


def test_rule_set_pinning_with_a_later_rule_set(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A synthetic rule set from 2026-04-01 with a lower 405 plan cap: cases accepted before keep the old
    caps, cases accepted after take the new ones."""
    ctx, p = setup(db_url)
    old_case = case_405_agreed(ctx, p, opened="2025-04-01")  # accepted 2025-04-21

    folder = tmp_path / "workflows"
    shutil.copytree(Path(__file__).resolve().parents[2] / "workflows", folder)
    with (folder / "405.yaml").open("a", encoding="utf-8") as fh:
        fh.write(
            "  - effective_from: 2026-04-01\n"
            "    caps:\n"
            "      regular: {plan: 1500000, monitoring: 1000000, guarantee_release: 100000}\n"
        )
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    new_case = case_405_agreed(
        ctx, p, opened="2026-04-01", company=new_company(ctx, 2)
    )  # accepted 2026-04-21
    assert services.show_case(ctx, old_case)["rule_set"] == "2024-04-01"
    assert services.show_case(ctx, new_case)["rule_set"] == "2026-04-01"
    old_plan = decide_plan(ctx, old_case, 3_300_000, on="2026-05-01")["money"]["components"]["plan"]
    new_plan = decide_plan(ctx, new_case, 3_300_000, on="2026-11-01")["money"]["components"]["plan"]
    assert old_plan["subsidy"] == 2_000_000
    assert new_plan["subsidy"] == 1_500_000

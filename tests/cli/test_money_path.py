"""The money path through the real CLI for one case of each program and track (DOMAIN.md §5):
estimates, claims, the plan decision by decide_payment, monitoring claims, the 405 holdback and its
release, the JSON of CLI.md and the statement."""

from __future__ import annotations

import pytest

from tests.conftest import Cli, World


def _early(cli: Cli, world: World, track: str, lead: int) -> str:
    case = cli.ok(
        "case",
        "open",
        "--program",
        "early",
        "--track",
        track,
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(lead),
        "--lender",
        f"{world.bank_main}:main",
        "--interim-monitoring",
        "--estimate",
        "plan=180000",
        "--on",
        "2025-04-01",
    )
    cid = case["id"]
    cli.ok("doc", "add", cid, "pre_consultation_letter", "--on", "2025-04-02")
    cli.ok("doc", "add", cid, "application", "--on", "2025-04-02")
    cli.ok("case", "advance", cid, "apply", "--on", "2025-04-03")
    cli.ok("case", "advance", cid, "accept", "--on", "2025-04-10")
    cli.ok("doc", "add", cid, "plan", "--on", "2025-09-01")
    cli.ok("doc", "add", cid, "bank_receipt", "--lender", str(world.bank_main), "--on", "2025-09-01")
    cli.ok("case", "advance", cid, "submit_plan", "--on", "2025-09-01")
    return str(cid)


@pytest.mark.parametrize(
    ("track", "lead_attr", "plan_subsidy", "interim_subsidy", "fye_subsidy"),
    [
        # plan fee 200,000 with estimate 180,000 → 120,000 (DOMAIN.md §5);
        # interim 90,000 → 60,000 capped at 50,000; fye 60,000 → 40,000
        ("standard", "tax", 120_000, 50_000, 40_000),
        # bank track: the same plan arithmetic; monitoring caps 0 (those claims are refused: see below)
        ("bank", "bank_main", 120_000, None, None),
    ],
)
def test_early_money_path(
    cli: Cli,
    world: World,
    track: str,
    lead_attr: str,
    plan_subsidy: int,
    interim_subsidy: int | None,
    fye_subsidy: int | None,
) -> None:
    cid = _early(cli, world, track, getattr(world, lead_attr))
    claim = cli.ok("fee", "claim", cid, "plan", "--fee", "200,000", "--on", "2025-09-10")
    assert {"id", "case", "component", "fee", "status", "subsidy", "session"} <= set(claim)
    assert (claim["status"], claim["fee"], claim["subsidy"], claim["session"]) == (
        "claimed",
        200_000,
        plan_subsidy,
        None,
    )
    cli.ok("doc", "add", cid, "share_transfer", "--on", "2025-09-10")
    cli.ok("case", "advance", cid, "claim_payment", "--on", "2025-09-10")
    shown = cli.ok("case", "advance", cid, "decide_payment", "--on", "2025-09-30")
    plan = shown["money"]["components"]["plan"]
    assert plan == {
        **plan,
        "fee": 200_000,
        "subsidy": plan_subsidy,
        "paid": plan_subsidy,
        "retained": 0,
        "company_share": 200_000 - plan_subsidy,
    }
    sessions = {s["kind"]: s for s in shown["monitoring"]}
    cli.ok("monitoring", "record", cid, str(sessions["interim"]["seq"]), "--held-on", "2026-03-02")
    cli.ok(
        "doc",
        "add",
        cid,
        "monitoring_report",
        "--session",
        str(sessions["interim"]["seq"]),
        "--on",
        "2026-03-02",
    )
    cli.ok(
        "monitoring",
        "record",
        cid,
        str(sessions["fye"]["seq"]),
        "--held-on",
        "2027-05-20",
        today="2027-05-20",
    )
    cli.ok(
        "doc",
        "add",
        cid,
        "monitoring_report",
        "--session",
        str(sessions["fye"]["seq"]),
        "--on",
        "2027-05-20",
        today="2027-05-20",
    )
    if interim_subsidy is None:  # a component capped at 0 on the track: refused, nothing written
        for component, kind in (("monitoring_interim", "interim"), ("monitoring_fye", "fye")):
            result = cli(
                "fee",
                "claim",
                cid,
                component,
                "--fee",
                "90000",
                "--session",
                str(sessions[kind]["seq"]),
                "--on",
                "2027-05-21",
                today="2027-05-21",
            )
            assert result.code == 1 and "cap is 0" in result.err and len(result.err.splitlines()) == 1
        assert [c["component"] for c in cli.ok("fee", "list", cid)] == ["plan"]
        return
    interim = cli.ok(
        "fee",
        "claim",
        cid,
        "monitoring_interim",
        "--fee",
        "90000",
        "--session",
        str(sessions["interim"]["seq"]),
        "--on",
        "2027-05-21",
        today="2027-05-21",
    )
    decided = cli.ok("fee", "decide", cid, str(interim["id"]), "--on", "2027-05-25", today="2027-05-25")
    assert {"paid", "released"} <= set(decided)
    assert (decided["status"], decided["subsidy"], decided["paid"], decided["released"]) == (
        "decided",
        interim_subsidy,
        interim_subsidy,
        0,
    )
    fye = cli.ok(
        "fee",
        "claim",
        cid,
        "monitoring_fye",
        "--fee",
        "60000",
        "--session",
        str(sessions["fye"]["seq"]),
        "--on",
        "2027-05-21",
        today="2027-05-21",
    )
    assert (
        cli.ok("fee", "decide", cid, str(fye["id"]), "--on", "2027-05-25", today="2027-05-25")["subsidy"]
        == fye_subsidy
    )
    money = cli.ok("case", "show", cid)["money"]
    assert money["subsidy_total"] == plan_subsidy + interim_subsidy + fye_subsidy
    assert money["paid_total"] == money["subsidy_total"] and money["retained_total"] == 0
    assert money["fee_total"] == 350_000
    statement = cli("fee", "statement", cid)
    assert statement.code == 0 and "支払決定明細書" in statement.out


@pytest.mark.parametrize(
    ("track", "plan_fee", "plan_subsidy"),
    [
        ("regular", 3_300_000, 2_000_000),  # floor(2,200,000) capped at 2,000,000
        ("gl", 3_300_000, 2_200_000),  # the GL cap is 3,000,000
    ],
)
def test_405_money_path(cli: Cli, world: World, track: str, plan_fee: int, plan_subsidy: int) -> None:
    case = cli.ok(
        "case",
        "open",
        "--program",
        "405",
        "--track",
        track,
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        "--lender",
        f"{world.bank_second}:guaranteed",
        "--estimate",
        "plan=3300000",
        "--estimate",
        "monitoring=1200000",
        "--on",
        "2025-04-01",
    )
    cid = case["id"]
    cli.ok("doc", "add", cid, "schedule_chart", "--on", "2025-04-02")
    cli.ok("doc", "add", cid, "application", "--on", "2025-04-02")
    cli.ok("case", "advance", cid, "apply", "--on", "2025-04-03")
    cli.ok("case", "advance", cid, "accept", "--on", "2025-04-20")
    cli.ok("doc", "add", cid, "plan", "--on", "2025-08-01")
    cli.ok("case", "advance", cid, "start_negotiation", "--on", "2025-08-01")
    for lender in (world.bank_main, world.bank_second):
        cli.ok("doc", "add", cid, "consent_letter", "--lender", str(lender), "--on", "2025-10-15")
    cli.ok("case", "advance", cid, "agree", "--on", "2025-10-15", "--agreement", "*=reschedule")
    early_claim = cli(
        "fee", "claim", cid, "monitoring", "--fee", "1000", "--session", "1", "--format", "json"
    )
    assert early_claim.code == 1 and early_claim.json["ok"] is False
    cli.ok("fee", "claim", cid, "plan", "--fee", str(plan_fee), "--on", "2025-10-20")
    cli.ok("doc", "add", cid, "share_transfer", "--on", "2025-10-20")
    cli.ok("case", "advance", cid, "claim_payment", "--on", "2025-10-20")
    shown = cli.ok("case", "advance", cid, "decide_payment", "--on", "2025-11-05")
    retained = plan_subsidy // 2
    assert shown["money"]["components"]["plan"] == {
        **shown["money"]["components"]["plan"],
        "fee": plan_fee,
        "subsidy": plan_subsidy,
        "paid": plan_subsidy - retained,
        "retained": retained,
        "company_share": plan_fee - plan_subsidy,
    }
    assert (shown["money"]["paid_total"], shown["money"]["retained_total"]) == (
        plan_subsidy - retained,
        retained,
    )

    not_held = cli("fee", "claim", cid, "monitoring", "--fee", "150000", "--session", "1", "--format", "json")
    assert not_held.code == 1 and "not held" in not_held.json["error"]
    cli.ok("monitoring", "record", cid, "1", "--held-on", "2026-04-15")
    cli.ok("doc", "add", cid, "monitoring_report", "--session", "1", "--on", "2026-04-15")
    claim = cli.ok(
        "fee", "claim", cid, "monitoring", "--fee", "150000", "--session", "1", "--on", "2026-04-20"
    )
    assert (claim["subsidy"], claim["session"]) == (100_000, 1)
    decided = cli.ok("fee", "decide", cid, str(claim["id"]), "--on", "2026-04-30")
    assert (decided["subsidy"], decided["paid"], decided["released"]) == (100_000, 100_000, retained)
    twice = cli("fee", "decide", cid, str(claim["id"]), "--format", "json")
    assert twice.code == 1 and twice.err.startswith("error:")
    money = cli.ok("case", "show", cid)["money"]
    assert (money["subsidy_total"], money["paid_total"], money["retained_total"]) == (
        plan_subsidy + 100_000,
        plan_subsidy + 100_000,
        0,
    )
    listed = cli.ok("fee", "list", cid)
    assert [c["status"] for c in listed] == ["decided", "decided"]
    html = cli("fee", "statement", cid, "--format", "html")
    assert html.code == 0 and "<table>" in html.out

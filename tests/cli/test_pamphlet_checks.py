"""The checks the pamphlet names (DOMAIN.md §11; pamphlet ../shared/seeds/000_706b32374ccb7cf0.txt),
each refused and passed through the real CLI: exit code, every reason, nothing written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from tests.cli.helpers import (
    adv,
    case_count,
    doc,
    drive_405,
    drive_early,
    history,
    open_405,
    open_case,
    open_early,
    refused,
    show,
)
from tests.conftest import ADMIN, Cli, World

UNCERTIFIED = "未認定コンサル"  # world.uncertified
THIRD = "日本政策金融公庫"  # world.bank_third (not certified)


# -- (a) every support org certified at apply (lines 1–9, 31) ------------------------------------


def test_an_uncertified_co_supporter_is_refused_at_apply_early(cli: Cli, world: World) -> None:
    cid = open_early(cli, world, support=[world.tax, world.uncertified])
    doc(cli, cid, "pre_consultation_letter", "2026-04-05")
    refused(
        cli,
        cid,
        "apply",
        on="2026-04-10",
        today="2026-04-10",
        expected=[[UNCERTIFIED, "認定経営革新等支援機関ではありません"]],
    )


def test_each_uncertified_support_org_is_named_405(cli: Cli, world: World) -> None:
    # the lead and two co-supporters uncertified: three reasons, one per org (the third bank is not a
    # lender of this case, so it is refused only for its certification)
    cid = open_405(
        cli,
        world,
        support=[world.uncertified, world.tax, world.bank_third],
        lenders=[f"{world.bank_main}:main", f"{world.bank_second}:guaranteed"],
    )
    doc(cli, cid, "schedule_chart", "2026-04-05")
    refused(
        cli,
        cid,
        "apply",
        on="2026-04-10",
        today="2026-04-10",
        expected=[[UNCERTIFIED, "代表"], [THIRD, "認定経営革新等支援機関ではありません"]],
    )


def test_certified_co_supporters_pass(cli: Cli, world: World) -> None:
    # a certified bank that lends nothing to the company may co-support
    cid = open_early(cli, world, support=[world.tax, world.bank_adviser])
    doc(cli, cid, "pre_consultation_letter", "2026-04-05")
    assert adv(cli, cid, "apply", "2026-04-10")["state"] == "applied"


# -- (b) the 利用申請書 at apply, both programs (line 238) -------------------------------------------


def test_apply_needs_the_application_form_early(cli: Cli, world: World) -> None:
    cid = open_early(cli, world, application=False)
    doc(cli, cid, "pre_consultation_letter", "2026-04-05")
    refused(cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[["利用申請書", "application"]])
    doc(cli, cid, "application", "2026-04-10")
    assert adv(cli, cid, "apply", "2026-04-10")["state"] == "applied"


def test_apply_needs_the_application_form_405(cli: Cli, world: World) -> None:
    cid = open_405(cli, world, application=False)
    doc(cli, cid, "schedule_chart", "2026-04-05")
    refused(cli, cid, "apply", on="2026-04-10", today="2026-04-10", expected=[["利用申請書", "application"]])
    # a form dated after the effective date does not count yet
    doc(cli, cid, "application", "2026-04-11")
    refused(cli, cid, "apply", on="2026-04-10", today="2026-04-11", expected=[["利用申請書", "2026-04-11"]])
    assert adv(cli, cid, "apply", "2026-04-11")["state"] == "applied"


# -- (i) no case at council 00 (本部: enquiries only) ----------------------------------------------


def test_no_case_opens_at_council_00(cli: Cli, world: World) -> None:
    # a coordinator who acts for 00 (and 13) as well: the rule, not the access, refuses
    cli.ok("user", "add", "honbu", "--council", "00", "--council", "13", user=ADMIN)
    before = case_count(cli)
    args = [
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "00",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        "--on",
        "2026-04-01",
    ]
    result = cli(*args, "--format", "json", today="2026-04-01", user="honbu")
    assert result.code == 1, (result.code, result.err)
    assert result.err.startswith("error:") and len(result.err.splitlines()) == 1
    assert "00" in result.err and "Traceback" not in result.err
    assert result.json["ok"] is False
    assert case_count(cli) == before
    # the same at a prefecture's council opens
    assert (
        show(cli, cli.ok(*args[:5], "13", *args[6:], today="2026-04-01", user="honbu")["id"])["council"]
        == "13"
    )


# -- (h) the 405 plan date: agree defaults to the latest consent letter, never before it -----------


def _negotiating_with_letters(cli: Cli, world: World) -> str:
    cid = drive_405(cli, world, "negotiating")  # lenders: main, second (guaranteed), third
    for lender, day in (
        (world.bank_main, "2026-11-01"),
        (world.bank_second, "2026-11-05"),
        (world.bank_third, "2026-11-03"),
    ):
        doc(cli, cid, "consent_letter", day, lender=lender)
    return cid


def test_agree_without_on_takes_the_latest_consent_letter(cli: Cli, world: World) -> None:
    cid = _negotiating_with_letters(cli, world)
    case = cli.ok(
        "case", "advance", cid, "agree", "--agreement", "*=reschedule", today="2026-11-20"
    )  # no --on
    assert (case["state"], case["plan_date"], case["state_since"]) == ("agreed", "2026-11-05", "2026-11-05")
    assert history(cli, cid)[-1]["effective_on"] == "2026-11-05"
    # the 36-month window starts there: 6-monthly sessions from 2027-05-05 (a holiday: こどもの日)
    assert show(cli, cid)["monitoring"][0]["nominal_due_on"] == "2027-05-05"


def test_agree_may_not_precede_the_latest_consent_letter(cli: Cli, world: World) -> None:
    cid = _negotiating_with_letters(cli, world)
    refused(cli, cid, "agree", on="2026-11-04", today="2026-11-20", expected=[["東都信用金庫", "2026-11-05"]])
    assert adv(cli, cid, "agree", "2026-11-05")["plan_date"] == "2026-11-05"


# -- (c) the guarantee-release negotiation fee (lines 207–208) and components capped at 0 -----------


def _claim_refused(cli: Cli, cid: str, *args: str, today: str, says: list[str]) -> None:
    before = cli.ok("fee", "list", cid)
    result = cli("fee", "claim", cid, *args, "--format", "json", today=today)
    assert result.code == 1, (result.code, result.err)
    assert result.err.startswith("error:") and len(result.err.splitlines()) == 1
    for text in says:
        assert text in result.err
    assert result.json["ok"] is False
    assert cli.ok("fee", "list", cid) == before


def test_guarantee_release_fee_needs_the_negotiation_record(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "agreed")  # plan date 2026-11-03
    _claim_refused(
        cli,
        cid,
        "guarantee_release",
        "--fee",
        "150000",
        "--on",
        "2026-11-10",
        today="2026-11-10",
        says=["guarantee_negotiation", "経営者保証解除の交渉記録"],
    )
    # a record dated after the claim does not count yet
    doc(cli, cid, "guarantee_negotiation", "2026-11-12")
    _claim_refused(
        cli,
        cid,
        "guarantee_release",
        "--fee",
        "150000",
        "--on",
        "2026-11-10",
        today="2026-11-12",
        says=["guarantee_negotiation"],
    )
    claim = cli.ok(
        "fee", "claim", cid, "guarantee_release", "--fee", "150000", "--on", "2026-11-12", today="2026-11-12"
    )
    # 150,000 × 2/3 = 100,000 = the cap (DOMAIN.md §5): payable even if the release failed
    assert (claim["status"], claim["subsidy"]) == ("claimed", 100_000)


def test_a_component_capped_at_zero_is_refused(cli: Cli, world: World) -> None:
    # early bank track: guarantee_release and the monitoring components are capped at 0
    cid = str(
        open_case(
            cli,
            "early",
            track="bank",
            company=world.company,
            support=[world.bank_main],
            lenders=[f"{world.bank_main}:main"],
            on="2025-06-02",
        )["id"]
    )
    doc(cli, cid, "pre_consultation_letter", "2025-06-05")
    adv(cli, cid, "apply", "2025-06-10")
    adv(cli, cid, "accept", "2025-06-20")
    doc(cli, cid, "plan", "2025-09-01")
    doc(cli, cid, "bank_receipt", "2025-09-01")
    adv(cli, cid, "submit_plan", "2025-09-01")
    doc(cli, cid, "guarantee_negotiation", "2025-09-02")
    _claim_refused(
        cli,
        cid,
        "guarantee_release",
        "--fee",
        "90000",
        "--on",
        "2025-09-03",
        today="2025-09-03",
        says=["cap is 0", "guarantee_release"],
    )


# -- (d) a monitoring fee claim needs the session held and that session's 伴走支援報告書 -------------


def test_monitoring_claim_needs_the_report_of_its_session(cli: Cli, world: World, tmp_path: Path) -> None:
    cid = drive_405(cli, world, "monitoring")  # plan date 2026-11-03: sessions 2027-05-03, 2027-11-03, …
    first, second = show(cli, cid)["monitoring"][:2]
    cli.ok("monitoring", "record", cid, "1", "--held-on", first["due_on"], today=first["due_on"])
    on = first["due_on"]
    _claim_refused(
        cli,
        cid,
        "monitoring",
        "--fee",
        "150000",
        "--session",
        "1",
        "--on",
        on,
        today=on,
        says=["monitoring_report", "--session 1"],
    )
    # a report filed for another session does not count
    doc(cli, cid, "monitoring_report", on)  # no session named
    _claim_refused(
        cli,
        cid,
        "monitoring",
        "--fee",
        "150000",
        "--session",
        "1",
        "--on",
        on,
        today=on,
        says=["monitoring_report"],
    )
    added = cli.ok("doc", "add", cid, "monitoring_report", "--session", "1", "--on", on, today=on)
    assert added["session"] == 1
    assert (
        cli.ok("fee", "claim", cid, "monitoring", "--fee", "150000", "--session", "1", "--on", on, today=on)[
            "status"
        ]
        == "claimed"
    )
    # `monitoring record --report FILE` files the report for its session: the claim goes through
    report = tmp_path / "報告書_第2回.pdf"
    report.write_bytes(b"%PDF-1.4 report")
    day = second["due_on"]
    held = cli.ok("monitoring", "record", cid, "2", "--held-on", day, "--report", str(report), today=day)
    assert held["report"]["session"] == 2
    assert (
        cli.ok(
            "fee", "claim", cid, "monitoring", "--fee", "150000", "--session", "2", "--on", day, today=day
        )["status"]
        == "claimed"
    )
    docs = [
        (d["kind"], d["session"]) for d in show(cli, cid)["documents"] if d["kind"] == "monitoring_report"
    ]
    assert docs == [("monitoring_report", None), ("monitoring_report", 1), ("monitoring_report", 2)]


def test_doc_session_is_checked(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "monitoring")
    before = show(cli, cid)["documents"]
    result = cli(
        "doc", "add", cid, "monitoring_report", "--session", "9", "--on", "2027-05-06", today="2027-05-06"
    )
    assert result.code == 4 and len(result.err.splitlines()) == 1
    result = cli("doc", "add", cid, "plan", "--session", "1", "--on", "2027-05-06", today="2027-05-06")
    assert result.code == 2 and len(result.err.splitlines()) == 1
    assert show(cli, cid)["documents"] == before


# -- (g) the early fiscal-year-end session: fye_min_months_after_plan -------------------------------


def test_fye_min_months_is_a_rule_set_value(
    cli: Cli, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # world.company closes its books in March. Plan date 2026-08-31.
    dates = {"open": "2026-06-01", "apply": "2026-06-05", "accept": "2026-06-10", "submit_plan": "2026-08-31"}
    shipped_case = drive_early(cli, world, "plan_submitted", dates=dates)
    # 12 months (shipped): first March end on or after 2027-08-31 → 2028-03-31, due 2 months on: 2028-05-31
    assert [s["nominal_due_on"] for s in show(cli, shipped_case)["monitoring"]] == ["2028-05-31"]

    # a council reading line 176 as "within the first year" adds a rule set from 2026-06-01 with 0
    shipped = Path(__file__).resolve().parents[2] / "workflows"
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "405.yaml").write_text((shipped / "405.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    data = yaml.safe_load((shipped / "early.yaml").read_text(encoding="utf-8"))
    data["rule_sets"].append({"effective_from": dt.date(2026, 6, 1), "fye_min_months_after_plan": 0})
    (folder / "early.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    company = int(cli.ok("company", "add", "--name", "株式会社あさひ", "--fiscal-year-end-month", "3")["id"])
    council_case = drive_early(cli, world, "plan_submitted", dates=dates, company=company)
    # 0 months: first March end on or after 2026-08-31 → 2027-03-31, due 2027-05-31
    assert [s["nominal_due_on"] for s in show(cli, council_case)["monitoring"]] == ["2027-05-31"]


# -- (e) the same company registered twice is caught at company add --------------------------------


def test_same_corporate_number_is_a_conflict_naming_the_company(cli: Cli, world: World) -> None:
    before = cli.ok("company", "list")
    result = cli(
        "company",
        "add",
        "--name",
        "株式会社みどり工房（別名）",
        "--corporate-number",
        "1180301018771",
        "--fiscal-year-end-month",
        "3",
        "--format",
        "json",
    )
    assert result.code == 3 and len(result.err.splitlines()) == 1
    assert f"company {world.company}" in result.err
    # never a second record of one 法人番号, --force or not
    forced = cli(
        "company",
        "add",
        "--name",
        "別名",
        "--corporate-number",
        "1180301018771",
        "--fiscal-year-end-month",
        "3",
        "--force",
        "--reason",
        "r",
    )
    assert forced.code == 3
    assert cli.ok("company", "list") == before


def test_same_name_without_number_needs_force_and_a_reason(cli: Cli, world: World) -> None:
    # world.company_dec: 喫茶ひまわり, no 法人番号, no prefecture; full-width/half-width and spaces ignored
    before = cli.ok("company", "list")
    result = cli(
        "company", "add", "--name", "喫茶 ひまわり", "--fiscal-year-end-month", "12", "--format", "json"
    )
    assert result.code == 3 and f"company {world.company_dec}" in result.err
    assert len(result.err.splitlines()) == 1
    no_reason = cli("company", "add", "--name", "喫茶ひまわり", "--fiscal-year-end-month", "12", "--force")
    assert no_reason.code == 2
    assert cli.ok("company", "list") == before
    # in another prefecture it is another company
    assert (
        cli.ok(
            "company", "add", "--name", "喫茶ひまわり", "--fiscal-year-end-month", "12", "--prefecture", "27"
        )["duplicate_of"]
        is None
    )
    forced = cli.ok(
        "company",
        "add",
        "--name",
        "喫茶ひまわり",
        "--fiscal-year-end-month",
        "12",
        "--force",
        "--reason",
        "同名の別事業者（店主が異なる）",
    )
    assert (forced["duplicate_of"], forced["duplicate_reason"]) == (
        world.company_dec,
        "同名の別事業者（店主が異なる）",
    )

"""Japanese for people, codes for machines: tables and exports show labels and the company's name;
`--format json|csv` keep the codes with `*_label` beside them; default tables fit 120 columns and
`--wide` shows every column."""

from __future__ import annotations

import csv
import io

from casetrack.cli.output import width
from tests.cli import helpers as h
from tests.conftest import Cli, World

LONG_NAME = "株式会社みどり工房ホールディングス有限責任事業組合東京本社営業部"
TODAY = "2027-06-20"  # the early case (accepted 2026-04-20) has sat in drafting 426 days: stalled, and its
# 12-month claim deadline (2027-04-20) has passed


def _world(cli: Cli, w: World) -> str:
    company = h.add_company(cli, LONG_NAME, 3)
    return h.drive_early(cli, w, "drafting", company=company, coordinator="sato")


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_tables_show_labels_and_the_company_within_120_columns(cli: Cli, world: World) -> None:
    cid = _world(cli, world)
    for argv in (["case", "list"], ["audit", "stalled"], ["monitoring", "list"]):
        result = cli(*argv, today=TODAY)
        assert result.code == 0, result.err
        if not result.out:
            continue
        lines = result.out.splitlines()
        assert max(width(line) for line in lines) <= 120, argv  # east-asian wide characters count two
    listed = cli("case", "list", today=TODAY).out
    assert "計画策定中" in listed and "drafting" not in listed and "株式会社みどり工房" in listed
    stalled = cli("audit", "stalled", today=TODAY).out
    assert (
        cid in stalled and "株式会社みどり工房" in stalled and "停滞" in stalled and "支払申請期限" in stalled
    )
    for code in ("stalled", "claim_deadline", "support_org", "drafting"):
        assert code not in stalled, code
    wide = cli("audit", "stalled", "--wide", today=TODAY).out
    assert LONG_NAME in wide and "内容" in wide  # nothing cut, the message column too


def test_json_and_csv_keep_codes_and_add_labels(cli: Cli, world: World) -> None:
    cid = _world(cli, world)
    rows = cli.ok("audit", "stalled", today=TODAY)
    stalled = next(r for r in rows if r["code"] == "stalled")
    assert (
        stalled["case"],
        stalled["company"],
        stalled["code_label"],
        stalled["state"],
        stalled["state_label"],
        stalled["waiting_on"],
        stalled["waiting_on_label"],
    ) == (cid, LONG_NAME, "停滞", "drafting", "計画策定中", "support_org", "認定支援機関")
    [row] = cli.ok("case", "list", today=TODAY)
    assert (row["program"], row["program_label"], row["track"], row["track_label"]) == (
        "early",
        "早期経営改善計画策定支援",
        "standard",
        "通常枠",
    )
    [line] = _csv(cli("case", "list", "--format", "csv", today=TODAY).out)
    assert (line["state"], line["state_label"], line["company"]) == ("drafting", "計画策定中", LONG_NAME)
    found = _csv(cli("audit", "stalled", "--format", "csv", today=TODAY).out)
    assert {(r["code"], r["code_label"]) for r in found} == {
        ("stalled", "停滞"),
        ("claim_deadline", "支払申請期限"),
    }


def test_exports_for_people_show_labels(cli: Cli, world: World) -> None:
    _world(cli, world)
    findings = _csv(cli("export", "findings", today=TODAY).out)
    assert {r["事業者"] for r in findings} == {LONG_NAME}
    assert {r["区分"] for r in findings} == {"停滞", "支払申請期限"}
    assert {r["対応待ち"] for r in findings} == {"認定支援機関"} and {r["状態"] for r in findings} == {
        "計画策定中"
    }
    [case] = _csv(cli("export", "cases", today=TODAY).out)
    assert (case["事業"], case["枠"], case["代表認定支援機関の種別"]) == (
        "早期経営改善計画策定支援",
        "通常枠",
        "税理士",
    )


def test_the_fee_statement_names_components_by_their_label_on_the_track(cli: Cli, world: World) -> None:
    # 405 regular, plan fee 3,300,000 → floor(2,200,000) above the 2,000,000 cap: a cap limit is shown
    cid = h.drive_405(cli, world, "monitoring")
    for fmt in ("md", "html"):
        text = cli("fee", "statement", cid, "--format", fmt).out
        assert "計画策定支援費用" in text and "DD・" not in text  # the regular track has no DD
        assert "（plan）" not in text and "cap（" not in text and "上限：" in text

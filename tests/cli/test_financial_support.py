"""405 financial support (pamphlet line 169: 405 plans carry リスケや新規融資など金融支援; early: 必須では
ありません), through the real CLI: `agree` records, per lender of the case, what it agreed to, and is
refused (exit 1, naming each lender lacking one) without; bad input is exit 2 and writes nothing."""

from __future__ import annotations

from typing import Any

from tests.cli.helpers import (
    assert_json_error,
    assert_one_error_line,
    doc,
    drive_405,
    drive_early,
    history,
    match_reasons,
    show,
)
from tests.conftest import Cli, World

AGREE_ON = "2026-11-03"  # R405_DATES["agree"]


def _negotiating_with_consents(cli: Cli, world: World) -> str:
    cid = drive_405(cli, world, "negotiating")
    for lender in (world.bank_main, world.bank_second, world.bank_third):
        doc(cli, cid, "consent_letter", AGREE_ON, lender=lender)
    return cid


def _agree(cli: Cli, cid: str, *agreements: str) -> Any:
    args: list[str] = []
    for a in agreements:
        args += ["--agreement", a]
    return cli("case", "advance", cid, "agree", "--on", AGREE_ON, *args, "--format", "json", today=AGREE_ON)


def _unchanged(cli: Cli, cid: str, before: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    after = show(cli, cid, today=AGREE_ON)
    assert (
        after["state"] == "negotiating"
        and after["agreements"] == []
        and after["version"] == before["version"]
    )
    assert history(cli, cid) == rows


def test_agree_without_financial_support_is_refused_naming_each_lender(cli: Cli, world: World) -> None:
    cid = _negotiating_with_consents(cli, world)
    before, rows = show(cli, cid, today=AGREE_ON), history(cli, cid)
    result = _agree(cli, cid)
    assert result.code == 1, (result.out, result.err)
    assert_one_error_line(result)
    body = assert_json_error(result)
    match_reasons(
        body["details"],
        [["さくら銀行", "金融支援"], ["東都信用金庫", "金融支援"], ["日本政策金融公庫", "金融支援"]],
    )
    _unchanged(cli, cid, before, rows)

    # two of three given: the refusal names the third only
    result = _agree(cli, cid, f"{world.bank_main}=reschedule", "東都信用金庫=new_loan")
    assert result.code == 1
    match_reasons(assert_json_error(result)["details"], [["日本政策金融公庫", "金融支援"]])
    _unchanged(cli, cid, before, rows)

    # case events judges agree as if the support were given: the consents are what it lists
    events = {e["event"]: e for e in cli.ok("case", "events", cid, today=AGREE_ON)}
    assert events["agree"]["allowed"] is True


def test_agree_records_each_lenders_support_with_codes_and_labels(cli: Cli, world: World) -> None:
    cid = _negotiating_with_consents(cli, world)
    result = _agree(
        cli,
        cid,
        f"{world.bank_main}=reschedule",
        f"{world.bank_main}=新規融資",
        "東都信用金庫=リスケ",
        f"{world.bank_third}=other:金利の減免（年0.5%）",
    )
    assert result.code == 0, result.err
    case = result.json
    assert case["state"] == "agreed" and case["plan_date"] == AGREE_ON
    got = sorted(
        (a["lender_id"], a["lender"], a["kind"], a["kind_label"], a["note"], a["on"])
        for a in case["agreements"]
    )
    assert got == sorted(
        [
            (world.bank_main, "さくら銀行", "reschedule", "リスケ", None, AGREE_ON),
            (world.bank_main, "さくら銀行", "new_loan", "新規融資", None, AGREE_ON),
            (world.bank_second, "東都信用金庫", "reschedule", "リスケ", None, AGREE_ON),
            (world.bank_third, "日本政策金融公庫", "other", "その他", "金利の減免（年0.5%）", AGREE_ON),
        ]
    )
    assert show(cli, cid)["agreements"] == case["agreements"]
    table = cli("case", "show", cid)
    assert table.code == 0
    line = next(x for x in table.out.splitlines() if "金融支援" in x)
    for text in (
        "さくら銀行: リスケ",
        "さくら銀行: 新規融資",
        "東都信用金庫: リスケ",
        "日本政策金融公庫: その他（金利の減免（年0.5%））",
    ):
        assert text in line
    assert "reschedule" not in line  # people read labels
    assert [h["event"] for h in history(cli, cid)][-1] == "agree"


def test_every_lender_at_once(cli: Cli, world: World) -> None:
    cid = _negotiating_with_consents(cli, world)
    result = _agree(cli, cid, "*=reschedule")
    assert result.code == 0, result.err
    assert {(a["lender_id"], a["kind"]) for a in result.json["agreements"]} == {
        (world.bank_main, "reschedule"),
        (world.bank_second, "reschedule"),
        (world.bank_third, "reschedule"),
    }


def test_bad_agreements_are_exit_2_and_write_nothing(cli: Cli, world: World) -> None:
    cid = _negotiating_with_consents(cli, world)
    before, rows = show(cli, cid, today=AGREE_ON), history(cli, cid)
    everyone = [f"{world.bank_second}=reschedule", f"{world.bank_third}=reschedule"]
    cases = [
        ([f"{world.bank_main}=moratorium", *everyone], "moratorium"),  # unknown kind
        ([f"{world.bank_main}=other", *everyone], "note"),  # その他 without a note
        ([f"{world.bank_adviser}=reschedule", *everyone], "not a lender"),  # not a lender of the case
        (["存在しない銀行=reschedule", *everyone], "not a lender"),
        ([f"{world.bank_main}=reschedule", f"{world.bank_main}=リスケ", *everyone], "twice"),
        ([f"{world.bank_main}", *everyone], "ORG=KIND"),  # malformed
    ]
    for agreements, fragment in cases:
        result = _agree(cli, cid, *agreements)
        assert result.code == 2, (agreements, result.out, result.err)
        line = assert_one_error_line(result)
        assert fragment in line, (fragment, line)
        _unchanged(cli, cid, before, rows)
    # and on an event that records no financial support
    result = cli(
        "case",
        "advance",
        cid,
        "extend",
        "--on",
        AGREE_ON,
        "--reason",
        "審査",
        "--until",
        "2028-10-31",
        "--agreement",
        f"{world.bank_main}=reschedule",
        "--format",
        "json",
        today=AGREE_ON,
    )
    assert result.code == 2 and "agree" in assert_one_error_line(result)
    _unchanged(cli, cid, before, rows)


def test_early_needs_none_but_may_record_it(cli: Cli, world: World) -> None:
    # line 169: 早期 — 金融支援は必須ではありません. submit_plan fires without any…
    plain = drive_early(cli, world, "plan_submitted")
    assert show(cli, plain)["agreements"] == []
    # …and may record the main bank's support with it
    cid = drive_early(cli, world, "drafting", company=world.company_dec)
    doc(cli, cid, "plan", "2026-08-31")
    doc(cli, cid, "bank_receipt", "2026-08-31", lender=world.bank_main)
    case = cli.ok(
        "case",
        "advance",
        cid,
        "submit_plan",
        "--on",
        "2026-08-31",
        "--agreement",
        f"{world.bank_main}=new_loan",
        today="2026-08-31",
    )
    assert case["state"] == "plan_submitted"
    assert [(a["lender_id"], a["kind"], a["kind_label"]) for a in case["agreements"]] == [
        (world.bank_main, "new_loan", "新規融資")
    ]

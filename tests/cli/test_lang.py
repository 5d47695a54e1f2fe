"""The CLI speaks Japanese by default and English with ``--lang en`` / ``CASETRACK_LANG=en`` (the option
wins); the JSON error ``code`` and the exit codes are the same in both, and so are tables and JSON.

The rest of the suite runs with ``CASETRACK_LANG=en`` (tests/conftest.py); these tests unset it, so they
see what a user who sets nothing sees. Each error class is driven through the real CLI."""

from __future__ import annotations

import re
from typing import Any

import pytest

from casetrack.errors import BadInput, EventNotAllowed, GuardFailed, NotFound, is_japanese
from tests.cli.helpers import EARLY_DATES, doc, drive_early, open_early
from tests.conftest import TESTER, Cli, Result, World

UNKNOWN_CASE = "13-2026-9999"
ENGLISH_PROSE = re.compile(r"\b[A-Za-z]{3,} [a-z]{2,} [a-z]{2,}\b")  # three English words in a row
COMMAND = re.compile(r"casetrack( [a-z][a-z-]*)*")  # a command's name (casetrack case show) is no sentence


def english_sentence(text: str) -> bool:
    return bool(ENGLISH_PROSE.search(COMMAND.sub("", text)))


@pytest.fixture
def ja(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI as a user who sets no language sees it."""
    monkeypatch.delenv("CASETRACK_LANG", raising=False)
    return cli


def japanese_error(result: Result, code: int) -> str:
    """One 'エラー:' line in Japanese (no English sentence), exit ``code``; returns the line."""
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("エラー: "), lines[0]
    assert is_japanese(lines[0]), lines[0]
    assert not english_sentence(lines[0]), lines[0]
    return lines[0]


def both(
    cli: Cli, *args: str, code: int, today: str | None = None, user: str = TESTER
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON error object in Japanese (the default) and in English (--lang en): same code and exit."""
    ja = cli(*args, "--format", "json", today=today, user=user)
    en = cli("--lang", "en", *args, "--format", "json", today=today, user=user)
    assert ja.code == en.code == code, (ja.code, en.code, ja.err, en.err)
    ja_body, en_body = ja.json, en.json
    assert ja_body["code"] == en_body["code"]
    assert ja.err.startswith("エラー: ") and en.err.startswith("error: ")
    assert ja_body["error"] in ja.err and en_body["error"] in en.err
    assert is_japanese(ja_body["error"]) and not english_sentence(ja_body["error"]), ja_body
    return ja_body, en_body


# -- errors of each class ---------------------------------------------------------------------------


def test_not_found_names_the_record_in_japanese(ja: Cli) -> None:
    line = japanese_error(ja("case", "show", UNKNOWN_CASE), 4)
    assert line == f"エラー: 案件 {UNKNOWN_CASE} は見つかりません。"
    ja_body, en_body = both(ja, "case", "show", UNKNOWN_CASE, code=4)
    assert ja_body == {
        "ok": False,
        "code": "not_found",
        "error": f"案件 {UNKNOWN_CASE} は見つかりません。",
        "details": [],
    }
    assert en_body["error"] == f"case {UNKNOWN_CASE} not found"  # today's English, unchanged
    japanese_error(ja("company", "history", "999"), 4)
    assert "会社 999" in ja("company", "history", "999").err


def test_bad_input_in_japanese(ja: Cli, world: World) -> None:
    line = japanese_error(
        ja(
            "company",
            "add",
            "--name",
            "株式会社テスト",
            "--fiscal-year-end-month",
            "3",
            "--corporate-number",
            "123",
        ),
        2,
    )
    assert "法人番号「123」" in line
    ja_body, en_body = both(ja, "case", "list", "--state", "monitorin", code=2)
    assert ja_body["code"] == "bad_input" and "状態「monitorin」はありません" in ja_body["error"]
    assert en_body["error"].startswith("unknown state 'monitorin'")
    japanese_error(ja("company", "add", "--name", "株式会社テスト", "--fiscal-year-end-month", "13"), 2)


def test_guard_failed_and_event_not_allowed_in_japanese(ja: Cli, world: World) -> None:
    cid = open_early(ja, world)
    # apply without the 事前相談書 (pre-consultation letter): a guard says no, exit 1
    ja_body, en_body = both(
        ja, "case", "advance", cid, "apply", "--on", EARLY_DATES["apply"], code=1, today=EARLY_DATES["apply"]
    )
    assert ja_body["code"] == en_body["code"] == "guard_failed"
    assert ja_body["error"].startswith(f"案件 {cid} の「利用申請」はできません：")
    assert ja_body["details"] == en_body["details"] and all(is_japanese(d) for d in ja_body["details"])
    # accept is not an event of 事前相談: the events allowed now, by their labels (details keep the ids)
    ja_body, en_body = both(
        ja, "case", "advance", cid, "accept", "--on", EARLY_DATES["apply"], code=1, today=EARLY_DATES["apply"]
    )
    assert ja_body["code"] == "event_not_allowed"
    assert ja_body["error"].startswith(f"案件 {cid} は事前相談のため、「利用決定」はできません。")
    assert "「取下げ」（withdraw）" in ja_body["error"]
    assert ja_body["details"] == en_body["details"] == ["withdraw"]


def test_refused_by_a_fee_rule_in_japanese(ja: Cli, world: World) -> None:
    cid = open_early(ja, world)
    ja_body, en_body = both(ja, "fee", "claim", cid, "plan", "--fee", "100000", code=1)
    assert ja_body["code"] == en_body["code"] == "refused"
    assert "事前相談" in ja_body["error"]


def test_conflict_in_japanese(ja: Cli, world: World) -> None:
    """The 法人番号 of 株式会社みどり工房 (world) again: exit 3."""
    ja_body, _ = both(
        ja,
        "company",
        "add",
        "--name",
        "別の会社",
        "--fiscal-year-end-month",
        "3",
        "--corporate-number",
        "1180301018771",
        code=3,
    )
    assert ja_body["code"] == "conflict"
    assert "法人番号 1180301018771 は事業者 1（株式会社みどり工房）として登録済みです" in ja_body["error"]


def test_not_permitted_in_japanese(ja: Cli) -> None:
    line = japanese_error(ja("case", "list", user="nobody"), 5)
    assert "nobody は casetrack のユーザーではありません" in line
    ja_body, _ = both(
        ja, "company", "add", "--name", "株式会社テスト", "--fiscal-year-end-month", "3", code=5, user="root"
    )
    assert ja_body["code"] == "not_permitted"
    assert "root（管理者）" in ja_body["error"]


# -- click's own usage errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["case", "open", "--council", "13"], "オプション --program がありません"),
        (["case", "show"], "引数 CASE がありません"),
        (
            ["case", "list", "--format", "xml"],
            "--format の値が正しくありません：「xml」は選べません（table、json、csv のいずれかです）",
        ),
        (["company", "add", "--name", "x", "--fiscal-year-end-month", "abc"], "「abc」は整数ではありません"),
        (["case", "list", "--on", "2026-01-01"], "オプション --on はありません"),
        (["case", "lisst"], "コマンド「lisst」はありません"),
        (["nosuch"], "コマンド「nosuch」はありません"),
        (["case", "list", "--state"], "オプション --state には値が必要です"),
        (["case", "show", "13-2026-0001", "extra"], "余分な引数があります（extra）"),
        (["--today", "2026/13/01", "case", "list"], "「2026/13/01」は日付ではありません"),
    ],
)
def test_usage_errors_in_japanese(ja: Cli, args: list[str], expected: str) -> None:
    result = ja(*args)
    line = japanese_error(result, 2)
    assert expected in line, line
    english = ja("--lang", "en", *args)
    assert (
        english.code == 2
        and english.err.startswith("error: ")
        and not is_japanese(english.err.split(":")[-1])
    )


def test_usage_error_json_keeps_its_code(ja: Cli) -> None:
    result = ja("case", "list", "--format", "json", "--state")
    assert result.code == 2
    assert result.json["code"] == "usage" and "--state には値が必要です" in result.json["error"]


# -- choosing the language --------------------------------------------------------------------------


def test_the_option_wins_over_the_environment(ja: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASETRACK_LANG", "en")
    assert ja("case", "show", UNKNOWN_CASE).err == f"error: case {UNKNOWN_CASE} not found\n"
    assert (
        ja("--lang", "ja", "case", "show", UNKNOWN_CASE).err
        == f"エラー: 案件 {UNKNOWN_CASE} は見つかりません。\n"
    )
    monkeypatch.setenv("CASETRACK_LANG", "ja")
    assert ja("--lang", "en", "case", "show", UNKNOWN_CASE).err == f"error: case {UNKNOWN_CASE} not found\n"
    assert ja("--lang=en", "case", "show", UNKNOWN_CASE).err == f"error: case {UNKNOWN_CASE} not found\n"


def test_an_unknown_language_is_bad_input(ja: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    result = ja("--lang", "fr", "case", "list")
    assert (
        result.code == 2
        and "--lang" in result.err
        and "「fr」は選べません（ja、en のいずれかです）" in result.err
    )
    monkeypatch.setenv("CASETRACK_LANG", "xx")
    result = ja("case", "list")
    assert result.code == 2 and "xx" in result.err and "CASETRACK_LANG" not in result.out


# -- what a command says when it works --------------------------------------------------------------


def test_success_lines_in_japanese_and_english(ja: Cli, world: World) -> None:
    opened = ja(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company_dec),
        "--support-org",
        str(world.tax),
        "--lender",
        f"{world.bank_main}:main",
        "--on",
        "2026-04-01",
    )
    assert opened.code == 0, opened.err
    cid = re.search(r"案件 (13-2026-\d{4}) を開きました（喫茶ひまわり）。", opened.out.splitlines()[0])
    assert cid, opened.out
    case_id = cid[1]
    added = ja("doc", "add", case_id, "pre_consultation_letter", "--on", "2026-04-09", today="2026-04-09")
    assert added.out.splitlines()[0] == f"案件 {case_id} に「事前相談書」（2026-04-09）を記録しました。"
    doc(ja, case_id, "application", "2026-04-09")
    moved = ja("case", "advance", case_id, "apply", "--on", "2026-04-10", today="2026-04-10")
    assert (
        moved.out
        == f"案件 {case_id}：利用申請 を記録しました。状態は「利用申請済」になりました（applied）。\n"
    )
    withdrawn = ja(
        "--lang",
        "en",
        "case",
        "advance",
        case_id,
        "withdraw",
        "--on",
        "2026-04-11",
        "--reason",
        "取下げ",
        today="2026-04-11",
    )
    assert withdrawn.out == f"{case_id}: withdraw → withdrawn (取下げ)\n"  # today's English
    company = ja("company", "add", "--name", "株式会社あさひ", "--fiscal-year-end-month", "6")
    assert company.out.startswith("会社「株式会社あさひ」を登録しました（id ")
    assert not ja(
        "--lang", "en", "company", "add", "--name", "株式会社ゆうひ", "--fiscal-year-end-month", "6"
    ).out.startswith("会社")
    none = ja("monitoring", "list")
    assert none.code == 0 and none.err == "（該当なし）\n"
    assert ja("--lang", "en", "monitoring", "list").err == "(none)\n"


def test_fee_claim_and_remind_run_in_japanese(ja: Cli, world: World) -> None:
    cid = drive_early(ja, world, "plan_submitted")
    claimed = ja(
        "fee",
        "claim",
        cid,
        "plan",
        "--fee",
        "1000000",
        "--on",
        EARLY_DATES["claim_payment"],
        today=EARLY_DATES["claim_payment"],
    )
    assert claimed.code == 0, claimed.err
    assert re.fullmatch(
        rf"案件 {cid} の支払申請 \d+ を記録しました（plan、費用 1,000,000円、補助 \d[\d,]*円）。",
        claimed.out.splitlines()[0],
    ), claimed.out
    run = ja("remind", "run")
    assert run.code == 0, run.err
    assert run.out.startswith("予約 ") and "送信 0件" in run.out


def test_tables_and_json_are_the_same_in_both_languages(ja: Cli, world: World) -> None:
    cid = open_early(ja, world)
    for args in (
        ["case", "show", cid, "--format", "json"],
        ["case", "list"],
        ["case", "list", "--format", "csv"],
        ["case", "history", cid],
    ):
        assert ja(*args).out == ja("--lang", "en", *args).out, args


# -- the rule that picks the Japanese ---------------------------------------------------------------


def test_text_picks_japanese_and_keeps_data() -> None:
    err = BadInput("bad thing here", ["row 2: the value is wrong"], ja=["2行目の値が正しくありません。"])
    assert err.text("en") == ("bad thing here", ["row 2: the value is wrong"])
    assert err.text("ja") == ("2行目の値が正しくありません。", ["2行目の値が正しくありません。"])
    rows = BadInput(
        "2 problems", ["row 2: the value is wrong", "row 3: the date is wrong"], ja=["2件の誤り。"]
    )
    assert rows.text("ja") == (
        "2件の誤り。",
        ["row 2: the value is wrong", "row 3: the date is wrong"],
    )  # the rows
    ids = BadInput("cases cannot move", ["13-2026-0001", "13-2026-0002"], ja=["移せません。"])
    assert ids.text("ja") == ("移せません。", ["13-2026-0001", "13-2026-0002"])  # data stay as they are
    guard = GuardFailed("apply refused", ["事前相談書がありません"])
    assert guard.text("ja") == ("事前相談書がありません", ["事前相談書がありません"])
    assert EventNotAllowed("x", ["withdraw"], ja=["できません。"]).text("ja") == (
        "できません。",
        ["withdraw"],
    )
    assert NotFound("claim", 7).text("ja") == ("支払申請 7 は見つかりません。", [])
    assert NotFound("claim", 7).text("en") == ("claim 7 not found", [])


def test_an_import_s_row_problems_in_japanese(ja: Cli, tmp_path: Any) -> None:
    """A garbled ledger: each row's problems said in Japanese by default (English with --lang en), nothing
    imported either way."""
    header = (
        "案件番号,事業,枠,協議会,事業者,法人番号,決算月,状態,状態コード,状態の開始日,担当,代表認定支援機関,"
        "代表認定支援機関のメール,代表認定支援機関の種別,代表認定支援機関の認定,金融機関,メイン行,受付日,"
        "利用決定日,計画日,延長後の有効期限,伴走支援の間隔（月）,期中の伴走支援,実施済みの伴走支援（回）"
    )
    row = ",early,,13,株式会社テスト,,13,,consultaton,2026-05-20,nobody,みなと税理士法人,not-mail,,たぶん,,,,,,,,,"
    path = tmp_path / "ledger.csv"
    path.write_text(header + "\n" + row + "\n", encoding="utf-8")
    before = ja.ok("case", "list", "--format", "json")
    line = japanese_error(ja("import", "cases", str(path)), 2)
    # each problem of row 2, checked by hand against the row: month 13, unknown state, unknown user, e-mail,
    # certified neither はい nor いいえ
    for said in (
        "2行目：決算月「13」は1〜12ではありません",
        "2行目：状態コード「consultaton」は",
        "2行目：担当「nobody」は casetrack の職員として登録されていません",
        "2行目：代表認定支援機関のメール「not-mail」はメールアドレスではありません",
        "2行目：代表認定支援機関の認定「たぶん」は「はい」か「いいえ」で書いてください",
    ):
        assert said in line, (said, line)
    english = ja("--lang", "en", "import", "cases", str(path))
    assert english.code == 2 and "row 2: 決算月 '13' is not 1–12" in english.err
    assert ja.ok("case", "list", "--format", "json") == before

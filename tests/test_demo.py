"""`casetrack demo` runs end to end on its own throw-away database and prints each step of the tour.
Expected lines are worked out by hand from the demo's story and DOMAIN.md."""

from __future__ import annotations

import contextlib
import io

import pytest

from casetrack.cli.main import run


@pytest.fixture(scope="module")
def tour() -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run(["demo"])
    assert code == 0, out.getvalue()[-2000:]
    return out.getvalue().splitlines()


def _has(lines: list[str], text: str) -> None:
    assert any(text in line for line in lines), f"no line with {text!r}"


def test_the_tour_walks_both_programs(tour: list[str]) -> None:
    _has(tour, "1) early/standard")
    _has(tour, "2027-05-25  close              → closed (完了)")
    # 405 plan 3,300,000 → floor(2,200,000) capped at 2,000,000; half held back
    _has(tour, "plan subsidy 2,000,000円: paid 1,000,000円, retained 1,000,000円")
    _has(tour, "2026-08-03  lapse              → lapsed (失効)")
    _has(tour, "the same sweep again: enqueued 0, sent 0")


def test_a_council_closure_moves_a_session_and_says_why(tour: list[str]) -> None:
    # plan date 2026-02-16, every 6 months: #1 2026-08-16 is a Sunday; #3 2027-08-16 (Mon) is closed
    _has(tour, "calendar closure 2027-08-16 for council 27 (夏季休業): 1 session(s) moved")
    _has(tour, "session 1 due 2026-08-17 (nominal 2026-08-16, closed 2026-08-16 日曜日)")
    _has(tour, "session 3 due 2027-08-17 (nominal 2027-08-16, closed 2027-08-16 協議会の休業日（夏季休業）)")


def test_the_fee_statement_totals(tour: list[str]) -> None:
    # plan 3,300,000 (subsidy 2,000,000) + monitoring 150,000 (subsidy 100,000, holdback released)
    _has(tour, "| 費用合計（決定済み） | 3,450,000円 |")
    _has(tour, "| 補助額合計 | 2,100,000円 |")
    _has(tour, "| 留保中 | 0円 |")
    _has(tour, "| 事業者負担合計 | 1,350,000円 |")  # 1,300,000 + 50,000
    _has(tour, "— 一致")


def test_the_audit_and_the_caseload(tour: list[str]) -> None:
    # 27-2025-0001 sessions 2–6 never held: five overdue sessions as of 2030-01-15; session 2 was due
    # 2027-02-16: 365 + 366 (to 2029-02-16, over 2028-02-29) + 333 = 1064 days
    _has(tour, "(casetrack audit stalled): 5 finding(s), most urgent first:")
    _has(tour, "27-2025-0001  monitoring_overdue 1064 days, waiting on support_org")
    _has(tour, "monitoring   open 1, overdue monitoring 1, stalled 0")


def test_the_export_round_trip(tour: list[str]) -> None:
    _has(tour, "export cases --format csv: 3 row(s) → cases-13.csv")
    _has(tour, "export cases --format xlsx: 3 row(s) → cases-13.xlsx")
    _has(
        tour,
        "import cases cases-13.xlsx --dry-run ✗ exit 2: 3 problem(s), nothing imported; "
        "first: row 2: 案件番号 13-2025-0001 already exists",
    )
    _has(tour, "import cases ledger-13.csv --dry-run would import 3 case(s)")


def test_the_first_sweep_catches_up(tour: list[str]) -> None:
    # Osaka's 405 case, session 2 due Tue 2027-02-16, first swept 2027-03-20 (32 days over): to the adviser
    # upcoming_30 (01-17 Sun → Fri 01-15), upcoming_7 (02-09) and due (02-16) are superseded by overdue_7
    # (02-23 天皇誕生日 → Wed 02-24); the coordinator's escalation_30 (Thu 03-18) goes too.
    _has(tour, "remind run --dry-run: 2 to send, 3 to skip")
    _has(tour, "enqueued 2, sent 2, skipped 3, dead 0")
    _has(tour, "2027-01-15  #2 upcoming_30   skipped → support_org (superseded by overdue_7)")
    _has(tour, "2027-02-24  #2 overdue_7     sent    → support_org")
    _has(tour, "2027-03-18  #2 escalation_30 sent    → coordinator 【casetrack】伴走支援の期限超過（32日）")


def test_a_refusal_says_where_its_rule_comes_from(tour: list[str]) -> None:
    # the schedule chart above 450,000 yen is a councils' rule, not the pamphlet's (issue 15)
    _has(tour, "450,000円 を超えるため工程表が必要です（協議会の運用）")
    # a lender's financial support at agree: pamphlet line 169
    _has(
        tour,
        "東都信用金庫 の金融支援の内容（リスケ・新規融資・その他）が記録されていません（出典：パンフレット 169行）",
    )
    # the main bank's pre-consultation letter: pamphlet lines 94–95
    _has(tour, "メイン行（さくら銀行）の事前相談書がありません（出典：パンフレット 94–95行）")

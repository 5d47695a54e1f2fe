"""Effective dates are never after today (DOMAIN.md §11): every command that records one refuses a
later date as bad input (exit 2) and writes nothing; a date before the case entered its state stays a
refusal (exit 1); ``--today`` outside 2000–2100 is bad input. A case that already carries an absurd
date (written before the check existed: here straight into the database) can still be shown, judged
and audited, and a supervisor repairs it with ``case correct --on``, chained like every correction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from casetrack.domain.case_rows import NewHistory
from casetrack.store.db import get_engine, set_council_scope, transaction
from casetrack.store.repo import Repo
from casetrack.store.scope import Scope
from casetrack.store.tables import Case
from tests.cli.helpers import R405_DATES, adv, doc, drive_405, history, open_early, show
from tests.conftest import ADMIN, Cli, World

TODAY = "2026-11-25"
FAR = dt.date(9999, 12, 31)


def _snapshot(cli: Cli, case_id: str) -> tuple[Any, Any]:
    return show(cli, case_id), history(cli, case_id)


def _accept_on_far_future(cli: Cli, case_id: str) -> None:
    """What `case advance CASE accept --on 9999-12-31` wrote before effective dates were checked: the
    history row (appended and chained as the application appends it) and the case's dates."""
    cases = Case.__table__
    with transaction(get_engine(cli.db_url), write=True) as conn:
        set_council_scope(conn, None)
        repo = Repo(conn, scope=Scope.EVERY)
        case = repo.case(case_id)
        assert case is not None and case.state == "applied"
        repo.insert_history(
            NewHistory(
                case_id=case_id,
                event="accept",
                from_state="applied",
                to_state="drafting",
                effective_on=FAR,
                recorded_at=dt.datetime.now(dt.UTC),
                user="tester",
                rule_set=case.rule_set,
            )
        )
        conn.execute(
            cases.update()
            .where(cases.c.id == case_id)
            .values(state="drafting", state_since=FAR, accepted_on=FAR, version=case.version + 1)
        )


@pytest.mark.parametrize(
    "args",
    [
        ("case", "advance", "{case}", "withdraw", "--reason", "取下げ", "--on", "2062-01-01"),
        ("case", "advance", "{case}", "withdraw", "--reason", "取下げ", "--on", "2026-11-26"),
        ("doc", "add", "{case}", "plan", "--on", "2026-11-26"),
        ("doc", "add", "{case}", "pre_consultation_letter", "--on", "9999-12-31"),
    ],
)
def test_an_effective_date_after_today_is_bad_input_and_writes_nothing(
    cli: Cli, world: World, args: tuple[str, ...]
) -> None:
    case_id = open_early(cli, world)
    before = _snapshot(cli, case_id)
    result = cli(*(a.format(case=case_id) for a in args), today=TODAY)
    assert result.code == 2, result.err
    day = args[-1]
    assert result.err.strip() == (
        f"error: --on {day} is after today ({TODAY}): an effective date cannot be in the future"
    )
    assert _snapshot(cli, case_id) == before


def test_case_open_fee_claim_and_decision_after_today_are_bad_input(cli: Cli, world: World) -> None:
    before = cli.ok("case", "list")
    opened = cli(
        "case",
        "open",
        "--program",
        "early",
        "--council",
        "13",
        "--company",
        str(world.company),
        "--support-org",
        str(world.tax),
        "--on",
        "2026-12-01",
        today=TODAY,
    )
    assert opened.code == 2 and "--on 2026-12-01 is after today (2026-11-25)" in opened.err
    assert cli.ok("case", "list") == before

    case_id = drive_405(cli, world, "agreed")
    claim = cli("fee", "claim", case_id, "plan", "--fee", "3300000", "--on", "2026-11-26", today=TODAY)
    assert claim.code == 2 and "--on 2026-11-26 is after today" in claim.err
    assert cli.ok("fee", "list", case_id, today=TODAY) == []
    cli.ok("fee", "claim", case_id, "plan", "--fee", "3300000", "--on", "2026-11-25", today=TODAY)
    before = _snapshot(cli, case_id)
    decided = cli("case", "advance", case_id, "claim_payment", "--on", "2027-01-01", today=TODAY)
    assert decided.code == 2
    assert _snapshot(cli, case_id) == before


def test_a_date_before_the_state_began_is_still_a_refusal(cli: Cli, world: World) -> None:
    case_id = open_early(cli, world, on="2026-04-01")
    before = _snapshot(cli, case_id)
    result = cli(
        "case", "advance", case_id, "withdraw", "--reason", "取下げ", "--on", "2026-03-31", today=TODAY
    )
    assert (
        result.code == 1
        and "効力発生日 2026-03-31 が現在の状態に入った日 2026-04-01 より前です" in result.err
    )
    assert _snapshot(cli, case_id) == before


@pytest.mark.parametrize("today", ["1999-12-31", "2101-01-01", "9999-12-31", "0001-01-01"])
def test_today_outside_the_century_is_bad_input(cli: Cli, today: str) -> None:
    for args in (("audit", "stalled"), ("case", "list")):
        result = cli(*args, today=today)
        assert result.code == 2, result.err
        assert f"{today} is outside 2000–2100" in result.err and "Traceback" not in result.err


def test_today_at_the_edges_of_the_century_is_accepted(cli: Cli) -> None:
    assert cli("audit", "stalled", today="2000-01-01").code == 0
    assert cli("audit", "stalled", today="2100-12-31").code == 0


def test_a_case_carrying_a_far_future_date_can_be_read_and_repaired(cli: Cli, world: World) -> None:
    case_id = drive_405(cli, world, "applied")
    _accept_on_far_future(cli, case_id)

    shown = show(cli, case_id, today=TODAY)
    assert (shown["state"], shown["accepted_on"]) == ("drafting", "9999-12-31")
    events = {e["event"]: e for e in cli.ok("case", "events", case_id, today=TODAY)}
    assert events["withdraw"]["allowed"] is False
    assert any("9999-12-31 より前です" in r for r in events["withdraw"]["reasons"])
    assert cli("case", "events", case_id, today=TODAY).code == 0
    assert cli("audit", "stalled", today=TODAY).code == 0
    assert cli("caseload", today=TODAY).code == 0
    assert cli("remind", "run", "--dry-run", today=TODAY, user=ADMIN).code == 0

    # the repair: a supervisor's, not after today, not before the row before it; chained
    accept_seq = history(cli, case_id)[-1]["seq"]
    cli.ok("user", "add", "kato", "--council", "13", user=ADMIN)
    coordinator = cli(
        "case",
        "correct",
        case_id,
        str(accept_seq),
        "--on",
        "2026-04-20",
        "--note",
        "入力誤り",
        today=TODAY,
        user="kato",
    )
    assert coordinator.code == 5
    later = cli(
        "case", "correct", case_id, str(accept_seq), "--on", "2026-11-26", "--note", "入力誤り", today=TODAY
    )
    assert later.code == 2
    earlier = cli(
        "case", "correct", case_id, str(accept_seq), "--on", "2026-04-09", "--note", "入力誤り", today=TODAY
    )
    assert earlier.code == 1 and "before row" in earlier.err  # apply was effective 2026-04-10
    assert history(cli, case_id)[-1]["seq"] == accept_seq

    row = cli.ok(
        "case",
        "correct",
        case_id,
        str(accept_seq),
        "--on",
        "2026-04-20",
        "--note",
        "9999-12-31 は入力誤り",
        today=TODAY,
    )
    assert (row["event"], row["corrects"], row["effective_on"]) == ("correct", accept_seq, "2026-04-20")
    shown = show(cli, case_id, today=TODAY)
    assert (shown["state"], shown["accepted_on"]) == ("drafting", "2026-04-20")
    events = {e["event"]: e for e in cli.ok("case", "events", case_id, today=TODAY)}
    assert events["withdraw"]["allowed"] is True
    adv(cli, case_id, "withdraw", TODAY, "--reason", "事業者の都合")
    assert show(cli, case_id, today=TODAY)["state"] == "withdrawn"
    verified = cli.ok("audit", "verify", user=ADMIN, today=TODAY)
    assert verified["ok"] is True


def test_repaired_acceptance_date_brings_the_validity_back_into_the_audit(cli: Cli, world: World) -> None:
    """A 405 case accepted on 2024-04-20 (validity to 2026-04-20, by hand: + 24 months; the warning from
    + 18 months, 2025-10-20) is overdue on 2026-11-25; written as accepted on 9999-12-31 the audit
    cannot see it; corrected it does again."""
    dates = {**R405_DATES, "open": "2024-04-01", "apply": "2024-04-10", "accept": "2024-04-20"}
    case_id = drive_405(cli, world, "applied", dates)
    _accept_on_far_future(cli, case_id)
    codes = {f["code"] for f in cli.ok("audit", "stalled", today=TODAY) if f["case"] == case_id}
    assert "validity" not in codes
    seq = history(cli, case_id)[-1]["seq"]
    cli.ok(
        "case",
        "correct",
        case_id,
        str(seq),
        "--on",
        "2024-04-20",
        "--note",
        "利用決定日の入力誤り",
        today=TODAY,
    )
    found = [
        f for f in cli.ok("audit", "stalled", today=TODAY) if f["case"] == case_id and f["code"] == "validity"
    ]
    assert found and found[0]["since"] == "2025-10-20"


def test_a_correction_without_on_keeps_the_dates(cli: Cli, world: World) -> None:
    case_id = open_early(cli, world, on="2026-04-01")
    doc(cli, case_id, "pre_consultation_letter", "2026-04-02")
    row = cli.ok("case", "correct", case_id, "1", "--note", "担当者名の誤り", today=TODAY)
    assert row["effective_on"] == TODAY
    assert show(cli, case_id, today=TODAY)["opened_on"] == "2026-04-01"


def test_an_imported_row_dated_after_today_is_refused_and_nothing_imported(
    cli: Cli, world: World, tmp_path: Any
) -> None:
    import csv

    header = [
        "案件番号",
        "事業",
        "枠",
        "協議会",
        "事業者",
        "法人番号",
        "決算月",
        "状態コード",
        "状態の開始日",
        "担当",
        "代表認定支援機関",
        "金融機関",
        "メイン行",
        "受付日",
        "利用決定日",
        "計画日",
    ]
    good = [
        "",
        "early",
        "standard",
        "13",
        "良い株式会社",
        "",
        "3",
        "drafting",
        "2026-05-10",
        "",
        "みなと税理士法人",
        "さくら銀行",
        "さくら銀行",
        "2026-04-01",
        "2026-05-10",
        "",
    ]
    future = [
        *good[:4],
        "先の株式会社",
        *good[5:8],
        "2062-05-10",
        *good[9:13],
        "2026-04-01",
        "2062-05-10",
        "",
    ]
    path = tmp_path / "ledger.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, good, future])
    before = cli.ok("case", "list")
    result = cli("import", "cases", str(path), "--format", "json", today=TODAY)
    assert result.code == 2
    row3 = [d for d in result.json["details"] if d.startswith("row 3:")]
    assert any("状態の開始日 2062-05-10 is after today (2026-11-25)" in d for d in row3), row3
    assert any("利用決定日 2062-05-10 is after today (2026-11-25)" in d for d in row3), row3
    assert not any(d.startswith("row 2:") for d in result.json["details"])
    assert cli.ok("case", "list") == before

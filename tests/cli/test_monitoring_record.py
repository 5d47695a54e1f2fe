"""`monitoring record` (DOMAIN.md §8: a session is held on a date, with its report on file): the held
date is neither after --today nor before the plan date (bad input: exit 2, nothing written), and
--report PATH records the 伴走支援報告書 as a monitoring_report document in the same step.

Hand-worked: the early case of tests/cli/helpers.py (plan date 2026-08-31, 決算月 March) with the
interim session: #1 2026-08-31 + 6 months = 2027-02-28 (Sun) → due 2027-03-01; #2 the first
fiscal-year end on or after 2027-08-31 is 2028-03-31 → due end of May 2028 = 2028-05-31.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from tests.cli.helpers import assert_json_error, assert_one_error_line, drive_early, show
from tests.conftest import Cli, World

TODAY = "2026-11-25"


def _refused_as_bad_input(cli: Cli, *args: str, today: str = TODAY) -> dict[str, Any]:
    result = cli("monitoring", "record", *args, "--format", "json", today=today)
    assert result.code == 2, (result.code, result.out, result.err)
    assert_one_error_line(result)
    body = assert_json_error(result)
    assert body["code"] == "bad_input"
    return body


def _state(cli: Cli, cid: str) -> tuple[Any, ...]:
    case = show(cli, cid)
    return case["version"], case["monitoring"], case["documents"]


def test_the_sessions_of_the_case(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "monitoring", interim=True)
    assert [
        (s["seq"], s["kind"], s["nominal_due_on"], s["due_on"], s["status"])
        for s in show(cli, cid)["monitoring"]
    ] == [
        (1, "interim", "2027-02-28", "2027-03-01", "scheduled"),
        (2, "fye", "2028-05-31", "2028-05-31", "scheduled"),
    ]


def test_a_held_date_after_today_is_bad_input_and_writes_nothing(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "monitoring", interim=True)
    before = _state(cli, cid)
    for held in ("2026-11-26", "2031-01-01"):  # one day after --today, and years after
        body = _refused_as_bad_input(cli, cid, "1", "--held-on", held)
        assert held in body["error"] and TODAY in body["error"]
    # the brief's case: --today 2026-11-26, held 2031-01-01
    body = _refused_as_bad_input(cli, cid, "1", "--held-on", "2031-01-01", today="2026-11-26")
    assert "2031-01-01" in body["error"] and "2026-11-26" in body["error"]
    assert _state(cli, cid) == before


def test_a_held_date_before_the_plan_date_is_bad_input(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "monitoring", interim=True)
    before = _state(cli, cid)
    body = _refused_as_bad_input(cli, cid, "1", "--held-on", "2026-08-30")
    assert "2026-08-30" in body["error"] and "2026-08-31" in body["error"]
    assert _state(cli, cid) == before


def test_the_plan_date_and_today_themselves_are_accepted(cli: Cli, world: World) -> None:
    cid = drive_early(cli, world, "monitoring", interim=True)
    first = cli.ok("monitoring", "record", cid, "1", "--held-on", "2026-08-31", today=TODAY)
    second = cli.ok("monitoring", "record", cid, "2", "--held-on", TODAY, today=TODAY)
    assert (first["status"], first["held_on"], first["report"]) == ("held", "2026-08-31", None)
    assert (second["status"], second["held_on"]) == ("held", TODAY)


def test_report_records_the_monitoring_report_with_the_session(
    cli: Cli, world: World, tmp_path: Path
) -> None:
    cid = drive_early(cli, world, "monitoring", interim=True)
    report = tmp_path / "伴走支援報告書_第1回.pdf"
    report.write_bytes(b"%PDF-1.7\n% interim monitoring report\n")
    docs_before = len(show(cli, cid)["documents"])
    out = cli.ok(
        "monitoring", "record", cid, "1", "--held-on", "2026-11-20", "--report", str(report), today=TODAY
    )
    assert (out["status"], out["held_on"]) == ("held", "2026-11-20")
    assert (out["report"]["kind"], out["report"]["on"], out["report"]["label"]) == (
        "monitoring_report",
        "2026-11-20",
        "伴走支援報告書",
    )
    assert out["report"]["sha256"] == hashlib.sha256(report.read_bytes()).hexdigest()
    assert out["report"]["file"] == str(report.resolve())
    documents = show(cli, cid)["documents"]
    assert len(documents) == docs_before + 1
    assert [(d["kind"], d["on"], d["file"]) for d in documents if d["kind"] == "monitoring_report"] == [
        ("monitoring_report", "2026-11-20", str(report.resolve()))
    ]


def test_an_unreadable_report_or_a_bad_date_records_neither_session_nor_report(
    cli: Cli, world: World, tmp_path: Path
) -> None:
    cid = drive_early(cli, world, "monitoring", interim=True)
    before = _state(cli, cid)
    missing = tmp_path / "no-such-report.pdf"
    body = _refused_as_bad_input(cli, cid, "1", "--held-on", "2026-11-20", "--report", str(missing))
    assert str(missing) in body["error"]
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.7\n")
    _refused_as_bad_input(cli, cid, "1", "--held-on", "2026-12-01", "--report", str(report))
    _refused_as_bad_input(cli, cid, "1", "--held-on", "2026-08-01", "--report", str(report))
    assert _state(cli, cid) == before

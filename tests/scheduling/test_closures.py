"""Council closures (``casetrack calendar closure add|remove|list``): adding one re-plans the open
monitoring sessions due that day (to the next business day) and lists them; removing it moves them
back; held or waived sessions never move (DOMAIN.md §8, 行政機関の休日 plus council closures).

Hand-worked 405 cases (interval 6 months, plan date + k·6 months):
  C1 council 13, plan 2026-10-15 → #1 2027-04-15 (Thu), #2 2027-10-15 (Fri), …
  C2 council 27, plan 2026-10-15 → same dates
  C3 council 13, plan 2026-10-18 → #1 nominal 2027-04-18 (Sun) → due 2027-04-19 (Mon), #2 2027-10-18 (Mon)
  C4 council 13, plan 2026-10-15, in monitoring: #1 held on 2027-04-10, #2 waived
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN, Cli, World

from .helpers import (
    OTHER_COUNCIL,
    add_company,
    early_case,
    eml_files,
    outbox,
    r405_case,
    sessions,
    write_config,
)

PLAN_15 = {
    "open": "2026-04-01",
    "apply": "2026-04-10",
    "accept": "2026-04-20",
    "start_negotiation": "2026-09-01",
    "agree": "2026-10-15",
    "claim_payment": "2026-11-02",
    "decide_payment": "2026-11-20",
}
PLAN_18 = {**PLAN_15, "agree": "2026-10-18"}

S_15 = [
    (1, "2027-04-15", "2027-04-15", "scheduled"),
    (2, "2027-10-15", "2027-10-15", "scheduled"),
    (3, "2028-04-15", "2028-04-17", "scheduled"),
    (4, "2028-10-15", "2028-10-16", "scheduled"),
    (5, "2029-04-15", "2029-04-16", "scheduled"),
    (6, "2029-10-15", "2029-10-15", "scheduled"),
]
S_18 = [
    (1, "2027-04-18", "2027-04-19", "scheduled"),
    (2, "2027-10-18", "2027-10-18", "scheduled"),
    (3, "2028-04-18", "2028-04-18", "scheduled"),
    (4, "2028-10-18", "2028-10-18", "scheduled"),
    (5, "2029-04-18", "2029-04-18", "scheduled"),
    (6, "2029-10-18", "2029-10-18", "scheduled"),
]


@dataclass
class Cases:
    c1: str
    c2: str
    c3: str
    c4: str

    def all(self) -> list[str]:
        return [self.c1, self.c2, self.c3, self.c4]


@pytest.fixture
def cases(cli: Cli, world: World) -> Cases:
    return cli.once(f"cases@{__name__}", lambda: _build_cases(cli, world))


def _build_cases(cli: Cli, world: World) -> Cases:
    c1 = r405_case(cli, world, company=add_company(cli, "一号商事", 3), dates=PLAN_15, target="agreed")
    c2 = r405_case(
        cli,
        world,
        company=add_company(cli, "二号商事", 3),
        dates=PLAN_15,
        target="agreed",
        council=OTHER_COUNCIL,
    )
    c3 = r405_case(cli, world, company=add_company(cli, "三号商事", 3), dates=PLAN_18, target="agreed")
    c4 = r405_case(cli, world, company=add_company(cli, "四号商事", 3), dates=PLAN_15, target="monitoring")
    cli.ok("monitoring", "record", c4, "1", "--held-on", "2027-04-10", today="2027-04-10")
    cli.ok("monitoring", "waive", c4, "2", "--reason", "事業再編のため金融機関と合意", today="2027-04-10")
    for c in (c1, c2):
        assert sessions(cli, c) == S_15
    assert sessions(cli, c3) == S_18
    assert sessions(cli, c4) == [
        (1, "2027-04-15", "2027-04-15", "held"),
        (2, "2027-10-15", "2027-10-15", "waived"),
        *S_15[2:],
    ]
    return Cases(c1, c2, c3, c4)


def _replace(rows: list[tuple[int, str, str, str]], seq: int, due: str) -> list[tuple[int, str, str, str]]:
    return [(s, n, due if s == seq else d, st) for s, n, d, st in rows]


def _snapshot(cli: Cli, cs: Cases) -> dict[str, Any]:
    return {c: sessions(cli, c) for c in cs.all()}


def _moved(result: dict[str, Any]) -> list[tuple[str, int, str, str, str]]:
    return sorted((m["case"], m["seq"], m["nominal_due_on"], m["from"], m["to"]) for m in result["moved"])


def test_a_council_closure_moves_that_councils_open_sessions_due_that_day_and_back(
    cli: Cli, cases: Cases
) -> None:
    before = _snapshot(cli, cases)
    added = cli.ok("calendar", "closure", "add", "2027-04-15", "--council", "13", "--reason", "創立記念日")
    assert (added["day"], added["council"], added["reason"], added["removed"]) == (
        "2027-04-15",
        "13",
        "創立記念日",
        False,
    )
    # only C1 #1: C2 is another council's, C3 is due another day, C4 #1 is held
    assert _moved(added) == [(cases.c1, 1, "2027-04-15", "2027-04-15", "2027-04-16")]
    after = _snapshot(cli, cases)
    assert after == {**before, cases.c1: _replace(S_15, 1, "2027-04-16")}

    removed = cli.ok("calendar", "closure", "remove", "2027-04-15", "--council", "13")
    assert (removed["day"], removed["council"], removed["removed"]) == ("2027-04-15", "13", True)
    assert _moved(removed) == [(cases.c1, 1, "2027-04-15", "2027-04-16", "2027-04-15")]
    assert _snapshot(cli, cases) == before


def test_a_closure_on_a_day_a_weekend_session_was_moved_to_moves_it_on(cli: Cli, cases: Cases) -> None:
    added = cli.ok("calendar", "closure", "add", "2027-04-19", "--council", "13")
    # C3 #1: nominal Sunday 04-18, due Monday 04-19 → Tuesday 04-20
    assert _moved(added) == [(cases.c3, 1, "2027-04-18", "2027-04-19", "2027-04-20")]
    assert sessions(cli, cases.c3) == _replace(S_18, 1, "2027-04-20")
    removed = cli.ok("calendar", "closure", "remove", "2027-04-19", "--council", "13")
    assert _moved(removed) == [(cases.c3, 1, "2027-04-18", "2027-04-20", "2027-04-19")]
    assert sessions(cli, cases.c3) == S_18


@pytest.mark.parametrize("closed", ["2027-04-18", "2027-04-17", "2027-04-16"], ids=["Sun", "Sat", "Fri"])
def test_a_closure_before_a_due_monday_moves_nothing(cli: Cli, cases: Cases, closed: str) -> None:
    before = _snapshot(cli, cases)
    added = cli.ok("calendar", "closure", "add", closed, "--council", "13")
    assert added["moved"] == []
    assert _snapshot(cli, cases) == before


def test_a_closure_for_all_councils_moves_every_councils_sessions_but_not_held_or_waived_ones(
    cli: Cli, cases: Cases
) -> None:
    before = _snapshot(cli, cases)
    added = cli.ok("calendar", "closure", "add", "2027-10-15", "--reason", "システム更新", user=ADMIN)
    assert added["council"] == "all"
    # #2 of C1 and C2 (Fri 10-15) → Mon 10-18; C4 #2 is waived; C3 #2 is due 10-18 already
    assert _moved(added) == sorted(
        [
            (cases.c1, 2, "2027-10-15", "2027-10-15", "2027-10-18"),
            (cases.c2, 2, "2027-10-15", "2027-10-15", "2027-10-18"),
        ]
    )
    assert sessions(cli, cases.c4) == before[cases.c4]
    held = cli.ok("calendar", "closure", "add", "2027-04-15", user=ADMIN)
    assert _moved(held) == sorted(
        [
            (cases.c1, 1, "2027-04-15", "2027-04-15", "2027-04-16"),
            (cases.c2, 1, "2027-04-15", "2027-04-15", "2027-04-16"),
        ]
    )
    assert sessions(cli, cases.c4) == before[cases.c4]  # the held #1 keeps its due date
    cli.ok("calendar", "closure", "remove", "2027-10-15", user=ADMIN)
    cli.ok("calendar", "closure", "remove", "2027-04-15", user=ADMIN)
    assert _snapshot(cli, cases) == before


def test_a_council_closure_on_top_of_an_all_council_one_changes_nothing_and_removing_one_keeps_the_other(
    cli: Cli, cases: Cases
) -> None:
    cli.ok("calendar", "closure", "add", "2027-04-15", user=ADMIN)
    both = cli.ok("calendar", "closure", "add", "2027-04-15", "--council", "13")
    assert both["moved"] == []
    still = cli.ok("calendar", "closure", "remove", "2027-04-15", "--council", "13")
    assert still["moved"] == []  # the closure for all councils still holds
    assert sessions(cli, cases.c1) == _replace(S_15, 1, "2027-04-16")


def test_closure_list_shows_database_and_settings_closures(cli: Cli, tmp_path: Path) -> None:
    config = write_config(tmp_path, closures=["2027-08-13", "2027-08-14"])
    cli.ok(
        "--config",
        str(config),
        "calendar",
        "closure",
        "add",
        "2027-04-15",
        "--council",
        "13",
        "--reason",
        "創立記念日",
    )
    cli.ok(
        "--config",
        str(config),
        "calendar",
        "closure",
        "add",
        "2027-05-06",
        "--reason",
        "連休の谷間",
        user=ADMIN,
    )
    listed = cli.ok("--config", str(config), "calendar", "closure", "list", user=ADMIN)
    assert [(r["day"], r["council"], r["reason"], r["source"]) for r in listed] == [
        ("2027-04-15", "13", "創立記念日", "database"),
        ("2027-05-06", "all", "連休の谷間", "database"),
        ("2027-08-13", "all", None, "settings"),
        ("2027-08-14", "all", None, "settings"),
    ]
    without = cli.ok("calendar", "closure", "list", user=ADMIN)
    assert [(r["day"], r["source"]) for r in without] == [
        ("2027-04-15", "database"),
        ("2027-05-06", "database"),
    ]


def test_a_settings_closure_moves_a_session_planned_onto_it(cli: Cli, world: World, tmp_path: Path) -> None:
    config = write_config(tmp_path, closures=["2027-04-15"])
    company = add_company(cli, "五号商事", 3)
    cid = r405_case(cli, world, company=company, dates=PLAN_15, target="negotiating")
    for lender in (world.bank_main, world.bank_second, world.bank_third):
        cli.ok(
            "doc",
            "add",
            cid,
            "consent_letter",
            "--lender",
            str(lender),
            "--on",
            "2026-10-15",
            today="2026-10-15",
        )
    cli.ok(
        "--config",
        str(config),
        "case",
        "advance",
        cid,
        "agree",
        "--on",
        "2026-10-15",
        "--agreement",
        "*=reschedule",
        today="2026-10-15",
    )
    assert sessions(cli, cid) == _replace(S_15, 1, "2027-04-16")


def test_a_council_closure_recorded_before_the_plan_date_moves_the_planned_session(
    cli: Cli, world: World
) -> None:
    cli.ok("calendar", "closure", "add", "2027-04-15", "--council", "13", "--reason", "創立記念日")
    cid = r405_case(cli, world, company=add_company(cli, "六号商事", 3), dates=PLAN_15, target="agreed")
    assert sessions(cli, cid) == _replace(S_15, 1, "2027-04-16")


def test_reminder_rungs_follow_a_session_moved_by_a_council_closure(
    cli: Cli, world: World, tmp_path: Path
) -> None:
    """DOMAIN.md §9: rungs count from the due date after any closed-day move, and a rung on a closed day
    (council closures included) goes out the previous business day (on/before the due date) or the next."""
    dates = {
        "open": "2026-04-01",
        "apply": "2026-04-10",
        "accept": "2026-04-20",
        "submit_plan": "2026-08-31",
        "claim_payment": "2026-10-01",
        "decide_payment": "2026-10-20",
    }
    # early, 決算月 March, interim: 2026-08-31 + 6 months = 2027-02-28 (Sun) → due Mon 2027-03-01
    cid = early_case(
        cli, world, company=add_company(cli, "株式会社あさひ製作所", 3), dates=dates, interim=True
    )
    assert sessions(cli, cid)[0] == (1, "2027-02-28", "2027-03-01", "scheduled")
    moved = cli.ok("calendar", "closure", "add", "2027-03-01", "--council", "13")
    assert _moved(moved) == [(cid, 1, "2027-02-28", "2027-03-01", "2027-03-02")]
    assert cli.ok("calendar", "closure", "add", "2027-03-09", "--council", "13")["moved"] == []
    mail = tmp_path / "mail"
    config = write_config(tmp_path, mail_dir=mail)
    done = cli.ok("--config", str(config), "remind", "run", today="2027-04-15")
    # catch-up (DOMAIN.md §11): the adviser's overdue_7 and the coordinator's escalation_30 go, the
    # adviser's three earlier rungs are skipped — each row keeps its rung's day
    assert (done["enqueued"], done["sent"], done["skipped"]) == (2, 2, 3)
    assert {r["rung"]: r["send_on"] for r in outbox(cli, config)} == {
        "upcoming_30": "2027-01-29",  # 03-02 − 30 = 01-31 (Sun) → Fri 01-29
        "upcoming_7": "2027-02-22",  # 02-23 (天皇誕生日) → Mon 02-22
        "due": "2027-03-02",
        "overdue_7": "2027-03-10",  # 03-09 is the council's closure, after the due date → next day
        "escalation_30": "2027-04-01",
    }
    assert len(eml_files(mail)) == 2


def _error(result: Any) -> dict[str, Any]:
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.err
    body: dict[str, Any] = result.json
    assert body["ok"] is False
    return body


def test_an_unknown_council_is_not_found_and_nothing_is_written(cli: Cli, cases: Cases) -> None:
    before = _snapshot(cli, cases)
    result = cli("calendar", "closure", "add", "2027-04-15", "--council", "99", "--format", "json")
    assert result.code == 4, (result.code, result.err)
    assert _error(result)["code"] == "not_found"
    assert "99" in result.err
    assert cli.ok("calendar", "closure", "list") == []
    assert _snapshot(cli, cases) == before


def test_a_duplicate_closure_is_bad_input_and_moves_nothing(cli: Cli, cases: Cases) -> None:
    cli.ok("calendar", "closure", "add", "2027-04-15", "--council", "13")
    after_first = _snapshot(cli, cases)
    result = cli("calendar", "closure", "add", "2027-04-15", "--council", "13", "--format", "json")
    assert result.code == 2, (result.code, result.err)
    assert _error(result)["code"] == "bad_input"
    assert "2027-04-15" in result.err
    assert len(cli.ok("calendar", "closure", "list")) == 1
    assert _snapshot(cli, cases) == after_first


def test_removing_a_closure_that_does_not_exist_is_not_found(cli: Cli) -> None:
    result = cli("calendar", "closure", "remove", "2027-04-15", "--council", "13", "--format", "json")
    assert result.code == 4, (result.code, result.err)
    assert _error(result)["code"] == "not_found"


def test_a_malformed_day_is_bad_input(cli: Cli) -> None:
    result = cli("calendar", "closure", "add", "2027-02-30", "--council", "13")
    assert result.code == 2
    assert cli.ok("calendar", "closure", "list") == []

"""`caseload` (CLI.md) against a hand-built fleet; counts done by hand. As of T = 2026-06-30 (fiscal 2026,
April 2026 – March 2027):

open cases
  E1  early  13  sato    consultation  opened 2026-06-20: 10 days ≤ 30               not stalled
  E2  early  13  sato    drafting      accepted 2026-02-02: 26 (→02-28) + 31 + 30 + 31 + 30 = 148 > 90  STALLED
  R1  405    13  tanaka  drafting      accepted 2026-02-02: 148 ≤ 180                 not stalled
  R2  405    27  suzuki  monitoring    plan date 2025-06-16, sessions due 2025-12-16 (held),
                                       2026-06-16 (Tue, scheduled): overdue 14 days    OVERDUE MONITORING
  R3  405    27  —       applied       applied 2026-05-20: 11 + 30 = 41 > 30           STALLED
  E3  early  27  suzuki  payment_claimed  claimed 2026-05-20: 41 ≤ 45                  not stalled
ended / not open
  W1  early  13  sato    withdrawn 2026-03-31  → fiscal 2025
  W2  405    13  tanaka  withdrawn 2026-04-01  → fiscal 2026
  L1  early  27  suzuki  lapsed 2026-04-21 (accepted 2025-04-20, deadline 2026-04-20)  → fiscal 2026
  C0  405    27  —       closed (terminate_early) 2026-03-20  → fiscal 2025
  C1  405    13  sato    closed (terminate_early) 2026-05-10  → fiscal 2026
  X   early  13  sato    rejected 2026-05-01 (neither open nor closed/withdrawn/lapsed)
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.audits.util import new_company, users
from tests.cli.helpers import adv, drive_405, drive_early
from tests.conftest import Cli, World

T = "2026-06-30"

MONITORING_2025 = {
    "open": "2025-04-01",
    "apply": "2025-04-10",
    "accept": "2025-04-20",
    "start_negotiation": "2025-06-02",
    "agree": "2025-06-16",
    "claim_payment": "2025-07-01",
    "decide_payment": "2025-07-15",
}
DRAFTING_2026 = {"open": "2026-01-05", "apply": "2026-01-15", "accept": "2026-02-02"}


@pytest.fixture
def fleet(cli: Cli, world: World) -> dict[str, str]:
    return cli.once(f"fleet@{__name__}", lambda: _build_fleet(cli, world))


def _build_fleet(cli: Cli, world: World) -> dict[str, str]:
    users(cli)
    ids: dict[str, str] = {}

    def co(name: str) -> int:
        return new_company(cli, name)

    ids["E1"] = drive_early(
        cli, world, "consultation", coordinator="sato", company=co("E1"), dates={"open": "2026-06-20"}
    )
    ids["E2"] = drive_early(cli, world, "drafting", coordinator="sato", company=co("E2"), dates=DRAFTING_2026)
    ids["R1"] = drive_405(cli, world, "drafting", coordinator="tanaka", company=co("R1"), dates=DRAFTING_2026)
    ids["R2"] = drive_405(
        cli, world, "monitoring", council="27", coordinator="suzuki", company=co("R2"), dates=MONITORING_2025
    )
    cli.ok("monitoring", "record", ids["R2"], "1", "--held-on", "2025-12-16", today="2025-12-16")
    ids["R3"] = drive_405(
        cli,
        world,
        "applied",
        council="27",
        company=co("R3"),
        dates={"open": "2026-05-01", "apply": "2026-05-20"},
    )
    ids["E3"] = drive_early(
        cli,
        world,
        "payment_claimed",
        council="27",
        coordinator="suzuki",
        company=co("E3"),
        dates={**DRAFTING_2026, "submit_plan": "2026-04-30", "claim_payment": "2026-05-20"},
    )

    ids["W1"] = drive_early(
        cli, world, "consultation", coordinator="sato", company=co("W1"), dates={"open": "2026-03-01"}
    )
    adv(cli, ids["W1"], "withdraw", "2026-03-31", "--reason", "事業者の意向")
    ids["W2"] = drive_405(
        cli, world, "consultation", coordinator="tanaka", company=co("W2"), dates={"open": "2026-03-01"}
    )
    adv(cli, ids["W2"], "withdraw", "2026-04-01", "--reason", "事業者の意向")
    ids["L1"] = drive_early(
        cli,
        world,
        "drafting",
        council="27",
        coordinator="suzuki",
        company=co("L1"),
        dates={"open": "2025-04-01", "apply": "2025-04-10", "accept": "2025-04-20"},
    )
    adv(cli, ids["L1"], "lapse", "2026-04-21")
    ids["C0"] = drive_405(cli, world, "monitoring", council="27", company=co("C0"), dates=MONITORING_2025)
    adv(cli, ids["C0"], "terminate_early", "2026-03-20", "--reason", "業績が計画を大きく上回ったため")
    ids["C1"] = drive_405(
        cli, world, "monitoring", coordinator="sato", company=co("C1"), dates=MONITORING_2025
    )
    adv(cli, ids["C1"], "terminate_early", "2026-05-10", "--reason", "業績が計画を大きく上回ったため")
    ids["X"] = drive_early(
        cli,
        world,
        "applied",
        coordinator="sato",
        company=co("X"),
        dates={"open": "2026-04-01", "apply": "2026-04-10"},
    )
    adv(cli, ids["X"], "reject", "2026-05-01", "--reason", "要件を満たさない")

    states = {k: cli.ok("case", "show", v, today=T)["state"] for k, v in ids.items()}
    assert states == {
        "E1": "consultation",
        "E2": "drafting",
        "R1": "drafting",
        "R2": "monitoring",
        "R3": "applied",
        "E3": "payment_claimed",
        "W1": "withdrawn",
        "W2": "withdrawn",
        "L1": "lapsed",
        "C0": "closed",
        "C1": "closed",
        "X": "rejected",
    }
    return ids


def caseload(cli: Cli, today: str, *args: str) -> dict[str, dict[str, Any]]:
    rows = cli.ok("caseload", *args, today=today)
    assert isinstance(rows, list)
    out = {}
    for r in rows:
        assert {"key", "open", "by_state", "overdue_monitoring", "stalled"} <= set(r), r
        assert r["key"] not in out, rows
        assert r["open"] == sum(r["by_state"].values()), r
        out[r["key"]] = r
    return out


def counts(row: dict[str, Any]) -> tuple[int, dict[str, int], int, int]:
    return (
        row["open"],
        {k: v for k, v in row["by_state"].items() if v},
        row["overdue_monitoring"],
        row["stalled"],
    )


def ended(row: dict[str, Any]) -> dict[str, int]:
    e = row["ended_this_fiscal_year"]
    return {s: e.get(s, 0) for s in ("closed", "withdrawn", "lapsed")}


def ended_total(rows: dict[str, dict[str, Any]]) -> dict[str, int]:
    total = {"closed": 0, "withdrawn": 0, "lapsed": 0}
    for r in rows.values():
        for s, n in ended(r).items():
            total[s] += n
    return total


def test_by_state(cli: Cli, fleet: dict[str, str]) -> None:
    rows = caseload(cli, T, "--by", "state")
    open_rows = {k: counts(r) for k, r in rows.items() if r["open"]}
    assert open_rows == {
        "consultation": (1, {"consultation": 1}, 0, 0),  # E1
        "drafting": (2, {"drafting": 2}, 0, 1),  # E2 (stalled), R1
        "applied": (1, {"applied": 1}, 0, 1),  # R3 (stalled)
        "monitoring": (1, {"monitoring": 1}, 1, 0),  # R2 (overdue session 2)
        "payment_claimed": (1, {"payment_claimed": 1}, 0, 0),  # E3
    }
    for r in rows.values():  # any other row only carries what ended this fiscal year
        if not r["open"]:
            assert (r["by_state"], r["overdue_monitoring"], r["stalled"]) == ({}, 0, 0), r
    # fiscal 2026: C1 closed 05-10, W2 withdrawn 04-01, L1 lapsed 04-21 (W1, C0 are fiscal 2025; X rejected)
    assert ended_total(rows) == {"closed": 1, "withdrawn": 1, "lapsed": 1}


def test_by_council(cli: Cli, fleet: dict[str, str]) -> None:
    rows = caseload(cli, T, "--by", "council")
    assert {k: counts(r) for k, r in rows.items()} == {
        "13": (3, {"consultation": 1, "drafting": 2}, 0, 1),  # E1, E2*, R1
        "27": (3, {"monitoring": 1, "applied": 1, "payment_claimed": 1}, 1, 1),  # R2 (overdue), R3*, E3
    }
    assert ended(rows["13"]) == {"closed": 1, "withdrawn": 1, "lapsed": 0}  # C1, W2 (not W1: fiscal 2025)
    assert ended(rows["27"]) == {"closed": 0, "withdrawn": 0, "lapsed": 1}  # L1 (not C0: fiscal 2025)


def test_by_coordinator(cli: Cli, fleet: dict[str, str]) -> None:
    rows = caseload(cli, T, "--by", "coordinator")
    named = {k: counts(r) for k, r in rows.items() if k in ("sato", "tanaka", "suzuki")}
    assert named == {
        "sato": (2, {"consultation": 1, "drafting": 1}, 0, 1),  # E1, E2*
        "tanaka": (1, {"drafting": 1}, 0, 0),  # R1
        "suzuki": (2, {"monitoring": 1, "payment_claimed": 1}, 1, 0),  # R2 (overdue), E3
    }
    others = [r for k, r in rows.items() if k not in named]
    assert len(others) == 1, rows  # the cases without a coordinator, in one row
    assert counts(others[0]) == (1, {"applied": 1}, 0, 1)  # R3*
    assert ended(rows["sato"]) == {"closed": 1, "withdrawn": 0, "lapsed": 0}  # C1 (W1 is fiscal 2025)
    assert ended(rows["tanaka"]) == {"closed": 0, "withdrawn": 1, "lapsed": 0}  # W2
    assert ended(rows["suzuki"]) == {"closed": 0, "withdrawn": 0, "lapsed": 1}  # L1
    assert ended(others[0]) == {"closed": 0, "withdrawn": 0, "lapsed": 0}  # C0 is fiscal 2025


def test_by_program(cli: Cli, fleet: dict[str, str]) -> None:
    rows = caseload(cli, T, "--by", "program")
    assert {k: counts(r) for k, r in rows.items()} == {
        "early": (3, {"consultation": 1, "drafting": 1, "payment_claimed": 1}, 0, 1),  # E1, E2*, E3
        "405": (3, {"drafting": 1, "monitoring": 1, "applied": 1}, 1, 1),  # R1, R2 (overdue), R3*
    }
    assert ended(rows["early"]) == {"closed": 0, "withdrawn": 0, "lapsed": 1}  # L1 (W1 fiscal 2025)
    assert ended(rows["405"]) == {"closed": 1, "withdrawn": 1, "lapsed": 0}  # C1, W2 (C0 fiscal 2025)


def test_default_grouping_is_by_state(cli: Cli, fleet: dict[str, str]) -> None:
    assert caseload(cli, T) == caseload(cli, T, "--by", "state")


def test_council_filter(cli: Cli, fleet: dict[str, str]) -> None:
    rows = caseload(cli, T, "--council", "27", "--by", "coordinator")
    assert counts(rows["suzuki"]) == (2, {"monitoring": 1, "payment_claimed": 1}, 1, 0)
    assert ended(rows["suzuki"]) == {"closed": 0, "withdrawn": 0, "lapsed": 1}
    others = [r for k, r in rows.items() if k != "suzuki"]
    assert [counts(r) for r in others] == [(1, {"applied": 1}, 0, 1)]  # R3 only: sato/tanaka work in 13

    rows = caseload(cli, T, "--council", "13", "--by", "state")
    assert {k: counts(r) for k, r in rows.items() if r["open"]} == {
        "consultation": (1, {"consultation": 1}, 0, 0),
        "drafting": (2, {"drafting": 2}, 0, 1),
    }
    assert ended_total(rows) == {"closed": 1, "withdrawn": 1, "lapsed": 0}

    rows = caseload(cli, T, "--council", "01", "--by", "council")
    assert rows == {}


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # fiscal 2025 (2025-04-01 … 2026-03-31): W1 withdrawn 2026-03-31, C0 closed 2026-03-20
        ("2026-03-31", {"closed": 1, "withdrawn": 1, "lapsed": 0}),
        # fiscal 2026 (2026-04-01 … 2027-03-31): W2 withdrawn 2026-04-01, L1 lapsed 04-21, C1 closed 05-10
        ("2027-03-31", {"closed": 1, "withdrawn": 1, "lapsed": 1}),
        # fiscal 2027: nothing ended
        ("2027-04-01", {"closed": 0, "withdrawn": 0, "lapsed": 0}),
    ],
)
def test_ended_counts_follow_the_fiscal_year_of_today(
    cli: Cli, fleet: dict[str, str], today: str, expected: dict[str, int]
) -> None:
    rows = caseload(cli, today, "--by", "council")
    assert ended_total(rows) == expected


def test_withdrawals_either_side_of_the_fiscal_year_boundary(cli: Cli, fleet: dict[str, str]) -> None:
    """Council 13 only has W1 (2026-03-31, fiscal 2025) and W2 (2026-04-01, fiscal 2026) withdrawn."""
    assert ended(caseload(cli, "2026-03-31", "--by", "council")["13"])["withdrawn"] == 1
    rows = caseload(cli, "2026-04-01", "--by", "coordinator")
    assert ended(rows["tanaka"])["withdrawn"] == 1  # W2
    assert ended(rows["sato"])["withdrawn"] == 0  # W1 belongs to fiscal 2025
    rows = caseload(cli, "2026-03-31", "--by", "coordinator")
    assert ended(rows["sato"])["withdrawn"] == 1  # W1
    assert ended(rows.get("tanaka", {"ended_this_fiscal_year": {}}))["withdrawn"] == 0


def test_table_output(cli: Cli, fleet: dict[str, str]) -> None:
    r = cli("caseload", "--by", "coordinator", today=T)
    assert r.code == 0 and "Traceback" not in r.out + r.err
    for key in ("sato", "tanaka", "suzuki"):
        assert any(line.startswith(key) for line in r.out.splitlines()), r.out

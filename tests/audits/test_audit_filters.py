"""`audit stalled`: filters, sort order, exit codes and the table output (CLI.md).

The fleet, as of T = 2026-12-31 (every number by hand):

A  early, council 13, sato, drafting (accepted 2026-04-20)
     stalled since 2026-04-20: 10 (→04-30) + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 31 = 255 days  [warning]
     claim warning only from 2027-01-20: none yet
B  405, council 13, tanaka, negotiating since 2026-09-01
     stalled: 29 (→09-30) + 31 + 30 + 31 = 121 days (> 120)                                    [warning]
     validity warning only from 2027-10-20: none yet
C  405, council 27, suzuki, monitoring: accept 2025-04-20, agree (plan date) 2025-06-16,
   decide_payment 2025-07-15; sessions every 6 months due 2025-12-16 (Tue), 2026-06-16 (Tue),
   2026-12-16 (Wed), none moved
     session 1: 365 (→2026-12-16) + 15 = 380 days                                              [overdue]
     session 2: 30 + 31 + 31 + 30 + 31 + 30 = 183 (→2026-12-16) + 15 = 198 days               [overdue]
     session 3: 15 days                                                                        [overdue]
     holdback since 2025-07-15 + 15 months = 2026-10-15: 16 + 30 + 31 = 77 days                [warning]
D  early, council 13, no coordinator, drafting (accepted 2025-11-10)
     stalled since 2025-11-10: 365 (→2026-11-10) + 20 + 31 = 416 days                          [warning]
     claim: warning from 2026-08-10, deadline 2026-11-10 passed → overdue,
            21 (→08-31) + 30 + 31 + 30 + 31 = 143 days                                         [overdue]
W  early, council 13, sato, withdrawn 2026-05-01 from drafting: no findings at all

Sorted (overdue first, then more days first):
  C mo 380, C mo 198, D claim 143, C mo 15 | D stalled 416, A stalled 255, B stalled 121, C holdback 77
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.audits.util import audit, brief, new_company, of, users
from tests.cli.helpers import adv, drive_405, drive_early
from tests.conftest import Cli, World

T = "2026-12-31"


@dataclass
class Fleet:
    a: str
    b: str
    c: str
    d: str
    w: str


@pytest.fixture
def fleet(cli: Cli, world: World) -> Fleet:
    return cli.once(f"fleet@{__name__}", lambda: _build_fleet(cli, world))


def _build_fleet(cli: Cli, world: World) -> Fleet:
    users(cli)
    a = drive_early(cli, world, "drafting", coordinator="sato", company=new_company(cli, "A工業"))
    b = drive_405(cli, world, "negotiating", coordinator="tanaka", company=new_company(cli, "B商事"))
    c = drive_405(
        cli,
        world,
        "monitoring",
        council="27",
        coordinator="suzuki",
        company=new_company(cli, "C製作所"),
        dates={
            "open": "2025-04-01",
            "apply": "2025-04-10",
            "accept": "2025-04-20",
            "start_negotiation": "2025-06-02",
            "agree": "2025-06-16",
            "claim_payment": "2025-07-01",
            "decide_payment": "2025-07-15",
        },
    )
    d = drive_early(
        cli,
        world,
        "drafting",
        company=new_company(cli, "D食品"),
        dates={"open": "2025-10-01", "apply": "2025-10-15", "accept": "2025-11-10"},
    )
    w = drive_early(cli, world, "drafting", coordinator="sato", company=new_company(cli, "W屋"))
    adv(cli, w, "withdraw", "2026-05-01", "--reason", "事業者の意向")
    return Fleet(a, b, c, d, w)


def _expected(f: Fleet) -> list[tuple[str, str, int]]:
    return [
        (f.c, "monitoring_overdue", 380),
        (f.c, "monitoring_overdue", 198),
        (f.d, "claim_deadline", 143),
        (f.c, "monitoring_overdue", 15),
        (f.d, "stalled", 416),
        (f.a, "stalled", 255),
        (f.b, "stalled", 121),
        (f.c, "holdback_open", 77),
    ]


def test_everything_sorted_by_urgency(cli: Cli, fleet: Fleet) -> None:
    found = audit(cli, T)
    assert brief(found) == _expected(fleet)
    assert [f["level"] for f in found] == ["overdue"] * 4 + ["warning"] * 4
    assert of(found, fleet.w) == []
    councils = {f["case"]: f["council"] for f in found}
    assert councils == {fleet.a: "13", fleet.b: "13", fleet.c: "27", fleet.d: "13"}
    waiting = {(f["case"], f["code"]): f["waiting_on"] for f in found}
    assert waiting == {
        (fleet.a, "stalled"): "support_org",
        (fleet.b, "stalled"): "lenders",
        (fleet.c, "monitoring_overdue"): "support_org",
        (fleet.c, "holdback_open"): "support_org",
        (fleet.d, "stalled"): "support_org",
        (fleet.d, "claim_deadline"): "support_org",
    }


@pytest.mark.parametrize(
    ("args", "keep"),
    [
        (("--council", "27"), lambda f, case, code: case == f.c),
        (("--council", "13"), lambda f, case, code: case in (f.a, f.b, f.d)),
        (("--program", "early"), lambda f, case, code: case in (f.a, f.d)),
        (("--program", "405"), lambda f, case, code: case in (f.b, f.c)),
        (("--coordinator", "sato"), lambda f, case, code: case == f.a),
        (("--coordinator", "tanaka"), lambda f, case, code: case == f.b),
        (("--coordinator", "suzuki"), lambda f, case, code: case == f.c),
        (("--code", "monitoring_overdue"), lambda f, case, code: code == "monitoring_overdue"),
        (("--code", "claim_deadline"), lambda f, case, code: code == "claim_deadline"),
        (
            ("--code", "stalled", "--code", "holdback_open"),
            lambda f, case, code: code in ("stalled", "holdback_open"),
        ),
        (("--council", "13", "--program", "405"), lambda f, case, code: case == f.b),
        (
            ("--council", "27", "--code", "holdback_open"),
            lambda f, case, code: case == f.c and code == "holdback_open",
        ),
    ],
    ids=[
        "council27",
        "council13",
        "early",
        "405",
        "sato",
        "tanaka",
        "suzuki",
        "code-monitoring",
        "code-claim",
        "code-stalled+holdback",
        "council13+405",
        "council27+holdback",
    ],
)
def test_filters(
    cli: Cli, fleet: Fleet, args: tuple[str, ...], keep: Callable[[Fleet, str, str], bool]
) -> None:
    expected = [row for row in _expected(fleet) if keep(fleet, row[0], row[1])]
    assert expected  # each filter keeps something …
    assert len(expected) < len(_expected(fleet))  # … and drops something
    assert brief(audit(cli, T, *args)) == expected


# (a coordinator who has no case; a name that is no user at all is exit 2: tests/cli/test_filters.py)
@pytest.mark.parametrize("args", [("--code", "validity"), ("--council", "01"), ("--coordinator", "tester")])
def test_filters_with_no_match(cli: Cli, fleet: Fleet, args: tuple[str, ...]) -> None:
    assert audit(cli, T, *args) == []


def test_exit_codes(cli: Cli, fleet: Fleet) -> None:
    # with findings: 0, or 1 with --fail-on-findings (the findings still printed)
    assert cli("audit", "stalled", "--format", "json", today=T).code == 0
    r = cli("audit", "stalled", "--fail-on-findings", "--format", "json", today=T)
    assert r.code == 1
    assert brief(r.json) == _expected(fleet)
    r = cli("audit", "stalled", "--fail-on-findings", "--council", "27", "--format", "json", today=T)
    assert r.code == 1
    # without findings: 0 either way
    for extra in ((), ("--fail-on-findings",)):
        r = cli("audit", "stalled", "--code", "validity", *extra, "--format", "json", today=T)
        assert (r.code, r.json) == (0, [])
    # as of 2025-04-01, the day C was opened (in consultation, 0 days), council 27 has nothing to report
    r = cli(
        "audit", "stalled", "--fail-on-findings", "--council", "27", "--format", "json", today="2025-04-01"
    )
    assert (r.code, r.json) == (0, [])
    # table format too
    assert cli("audit", "stalled", "--fail-on-findings", today=T).code == 1
    assert cli("audit", "stalled", "--fail-on-findings", "--code", "validity", today=T).code == 0


def test_exit_0_on_an_empty_database(cli: Cli) -> None:
    for extra in ((), ("--fail-on-findings",)):
        r = cli("audit", "stalled", *extra, "--format", "json", today=T)
        assert (r.code, r.json) == (0, [])
        assert cli("audit", "stalled", *extra, today=T).code == 0


def test_bad_filter_values_are_bad_input(cli: Cli, fleet: Fleet) -> None:
    assert cli("audit", "stalled", "--code", "late", today=T).code == 2
    assert cli("audit", "stalled", "--program", "406", today=T).code == 2


def test_table_is_readable(cli: Cli, fleet: Fleet) -> None:
    found = audit(cli, T)
    r = cli("audit", "stalled", "--wide", today=T)  # the message column is --wide's (default: 120 columns)
    assert r.code == 0
    assert "Traceback" not in r.out + r.err
    lines = r.out.splitlines()
    for f in found:
        # the Japanese message verbatim, on the line of its case
        line = next((ln for ln in lines if f["message"] in ln), None)
        assert line is not None, f"message {f['message']!r} not in table:\n{r.out}"
        assert f["case"] in line and f["code_label"] in line and f["since"] in line and f["code"] not in line
    # one line per finding, plus the header (and at most a rule under it)
    assert len(found) + 1 <= len(lines) <= len(found) + 2

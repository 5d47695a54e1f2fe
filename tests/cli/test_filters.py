"""A misspelt filter value in any listing is bad input (exit 2) naming the valid values, never an empty
list with exit 0 that reads as "no cases"."""

from __future__ import annotations

import pytest

from tests.cli import helpers as h
from tests.conftest import ADMIN, Cli, World

# (command, the misspelt filter, a valid value that must appear in the error's list)
MISSPELT = [
    (["case", "list", "--state", "monitorin"], "monitoring"),
    (["case", "list", "--coordinator", "satou"], "sato"),
    (["case", "list", "--council", "99"], "47"),
    (["case", "list", "--program", "erly"], "early"),
    (["audit", "stalled", "--council", "99"], "13"),
    (["audit", "stalled", "--coordinator", "satou"], "sato"),
    (["monitoring", "list", "--council", "99"], "13"),
    (["monitoring", "list", "--status", "schedueld"], "scheduled"),
    (["caseload", "--council", "99"], "13"),
    (["export", "cases", "--council", "99"], "13"),
    (["export", "monitoring", "--council", "99"], "13"),
    (["export", "findings", "--council", "99"], "13"),
    (["outbox", "list", "--status", "pendng"], "pending"),
]


@pytest.mark.parametrize(("argv", "valid"), MISSPELT, ids=[" ".join(a) for a, _ in MISSPELT])
def test_a_misspelt_filter_is_exit_2_listing_the_valid_values(
    cli: Cli, world: World, argv: list[str], valid: str
) -> None:
    h.drive_early(cli, world, "drafting", coordinator="sato")
    user = ADMIN if argv[0] == "outbox" else "tester"
    result = cli(*argv, user=user)
    assert result.code == 2, (argv, result.code, result.out, result.err)
    assert result.out == "" and len(result.err.splitlines()) == 1
    assert result.err.startswith("error: ") and repr(argv[-1]) in result.err and valid in result.err


def test_the_right_spelling_still_lists(cli: Cli, world: World) -> None:
    cid = h.drive_early(cli, world, "drafting", coordinator="sato")
    assert [
        r["id"]
        for r in cli.ok("case", "list", "--state", "drafting", "--coordinator", "sato", "--council", "13")
    ] == [cid]
    assert cli.ok("case", "list", "--state", "monitoring") == []  # a real state with no case: empty, exit 0
    assert "did you mean monitoring?" in cli("case", "list", "--state", "monitorin").err


def test_coordinators_of_other_councils_are_not_listed(cli: Cli, world: World) -> None:
    cli.ok("user", "add", "osaka1", "--council", "27", user=ADMIN)
    cli.ok("user", "add", "tokyo1", "--council", "13", "--role", "supervisor", user=ADMIN)
    result = cli("case", "list", "--coordinator", "nobody", user="tokyo1")
    assert result.code == 2 and "sato" in result.err and "osaka1" not in result.err

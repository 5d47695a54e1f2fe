"""`user list` per the policy: a coordinator or supervisor sees the staff of their own councils (and
those acting for one of them), hq and admin every user; the JSON keys stay as CLI.md has them."""

from __future__ import annotations

from tests.conftest import ADMIN, TESTER, Cli, World

KEYS = {"name", "display_name", "council", "more_councils", "email", "role", "active"}


def _staff(cli: Cli) -> None:
    cli.ok("user", "add", "coord13", "--council", "13", user=ADMIN)
    cli.ok("user", "add", "sup27", "--council", "27", "--role", "supervisor", user=ADMIN)
    cli.ok("user", "add", "yoko14", "--council", "14", user=ADMIN)
    cli.ok("user", "add", "multi", "--council", "13", "--council", "14", user=ADMIN)  # 13, and 14 besides
    cli.ok("user", "add", "honbu", "--council", "00", "--role", "hq", user=ADMIN)


def _names(cli: Cli, user: str) -> set[str]:
    rows = cli.ok("user", "list", user=user)
    assert all(set(r) == KEYS for r in rows)
    return {r["name"] for r in rows}


def test_user_list_per_role_and_council(cli: Cli, world: World) -> None:
    _staff(cli)
    # by hand: council 13 has sato (the world's supervisor), coord13, multi, and the suite's tester
    # (13, 27, 01); council 27 has sup27 and tester; council 14 has yoko14 and multi
    assert _names(cli, "coord13") == {"coord13", "multi", "sato", TESTER}
    assert _names(cli, "sup27") == {"sup27", TESTER}
    assert _names(cli, "yoko14") == {"yoko14", "multi"}
    assert _names(cli, "multi") == {"coord13", "multi", "sato", TESTER, "yoko14"}
    everyone = {ADMIN, TESTER, "sato", "coord13", "sup27", "yoko14", "multi", "honbu"}
    assert _names(cli, "honbu") == everyone and _names(cli, ADMIN) == everyone


def test_user_list_as_csv_keeps_its_columns(cli: Cli, world: World) -> None:
    _staff(cli)
    result = cli("user", "list", "--format", "csv", user="sup27")
    assert result.code == 0
    header, *rows = result.out.strip().splitlines()
    assert len(rows) == 2 and not any("coord13" in r or "honbu" in r for r in rows)
    assert header.split(",")[0] == "name"

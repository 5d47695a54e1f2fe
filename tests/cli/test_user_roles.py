"""`user edit NAME --role ROLE --council CODE…` (CLI.md second wave, issue 14): an admin's alone; an
unknown role or council is exit 2 listing the valid values; the last active admin is never demoted;
each changed field is a hash-chained change row (`user history`) that `audit verify` checks and whose
tampering it catches; and the user's very next command acts with the new role and councils."""

from __future__ import annotations

import sqlalchemy as sa

from casetrack.store.db import get_engine
from tests.cli import helpers as h
from tests.conftest import ADMIN, TESTER, Cli, World


def _user(cli: Cli, name: str) -> dict[str, object]:
    return next(u for u in cli.ok("user", "list", user=ADMIN) if u["name"] == name)


def test_an_admin_changes_role_and_councils_with_a_chained_trail(cli: Cli, world: World) -> None:
    cli.today = "2026-12-01"
    out = cli.ok(
        "user",
        "edit",
        "sato",
        "--role",
        "coordinator",
        "--council",
        "14",
        "--council",
        "13",
        "--note",
        "4月の異動",
        user=ADMIN,
    )
    assert (out["role"], out["council"], out["more_councils"]) == ("coordinator", "14", ["13"])
    assert [(c["field"], c["field_label"], c["before"], c["after"]) for c in out["changes"]] == [
        ("role", "役割", "supervisor", "coordinator"),
        ("councils", "協議会", "13", "14,13"),
    ]
    assert (
        _user(cli, "sato")["role"],
        _user(cli, "sato")["council"],
        _user(cli, "sato")["more_councils"],
    ) == ("coordinator", "14", ["13"])
    # display name and e-mail edits are chained rows too, after the admin's
    cli.ok("user", "edit", "sato", "--display-name", "佐藤 花子", user="sato")
    history = cli.ok("user", "history", "sato", user=ADMIN)
    assert [
        (r["seq"], r["field"], r["before"], r["after"], r["user"], r["effective_on"], r["note"])
        for r in history
    ] == [
        (1, "role", "supervisor", "coordinator", ADMIN, "2026-12-01", "4月の異動"),
        (2, "councils", "13", "14,13", ADMIN, "2026-12-01", "4月の異動"),
        (3, "display_name", None, "佐藤 花子", "sato", "2026-12-01", None),
    ]
    assert cli.ok("user", "history", "sato", user="sato") == history  # their own, too
    assert cli("user", "history", "sato", user=TESTER).code == 5  # someone else's: an admin's
    assert cli("user", "history", "nobody", user=ADMIN).code == 4
    table = cli("user", "edit", "sato", "--council", "13", user=ADMIN)
    assert table.code == 0 and "sato: 協議会 14,13 → 13" in table.out
    assert cli.ok("audit", "verify", user=ADMIN) == {"ok": True, "checked": 4, "broken": []}


def test_only_an_admin_changes_roles_and_councils(cli: Cli, world: World) -> None:
    before = _user(cli, "sato")
    for user in ("sato", TESTER):  # not even their own: a supervisor may not make themself hq
        for args in (["--role", "hq"], ["--council", "27"], ["--display-name", "x", "--role", "admin"]):
            result = cli("user", "edit", "sato", *args, user=user)
            assert result.code == 5, (user, args, result.err)
            assert len(result.err.splitlines()) == 1
    assert _user(cli, "sato") == before
    assert cli.ok("user", "history", "sato", user=ADMIN) == []


def test_unknown_role_or_council_lists_the_valid_values_and_changes_nothing(cli: Cli, world: World) -> None:
    before = _user(cli, "sato")
    result = cli("user", "edit", "sato", "--role", "boss", user=ADMIN)
    assert result.code == 2 and "coordinator, supervisor, hq, admin" in result.err
    result = cli("user", "edit", "sato", "--council", "13", "--council", "99", user=ADMIN)
    assert result.code == 2 and "99" in result.err and "00, 01, 02" in result.err and "47" in result.err
    # a valid role with an unknown council: nothing of it is written either
    assert cli("user", "edit", "sato", "--role", "hq", "--council", "48", user=ADMIN).code == 2
    same = cli.ok("user", "edit", "sato", "--role", "supervisor", "--council", "13", user=ADMIN)
    assert same["changes"] == []  # every value as it is: no row
    assert cli("user", "edit", "nobody", "--role", "hq", user=ADMIN).code == 4
    assert _user(cli, "sato") == before
    assert cli.ok("user", "history", "sato", user=ADMIN) == []


def test_the_last_active_admin_is_never_demoted(cli: Cli, world: World) -> None:
    result = cli("user", "edit", ADMIN, "--role", "supervisor", "--council", "13", user=ADMIN)
    assert result.code == 1 and "last active admin" in result.err
    assert _user(cli, ADMIN)["role"] == "admin" and cli.ok("user", "history", ADMIN, user=ADMIN) == []
    cli.ok("user", "add", "kanri2", "--council", "00", "--role", "admin", user=ADMIN)
    assert cli.ok("user", "edit", ADMIN, "--role", "hq", user=ADMIN)["role"] == "hq"
    # now kanri2 is the last one; ROOT (hq) can no longer manage users at all
    assert cli("user", "edit", "kanri2", "--role", "hq", user="kanri2").code == 1
    assert cli("user", "edit", "kanri2", "--role", "hq", user=ADMIN).code == 5


def test_the_next_command_acts_with_the_new_role_and_councils(cli: Cli, world: World) -> None:
    case_id = h.open_early(cli, world, coordinator="sato", user="sato")
    reassign = ("case", "reassign", "--from", "sato", "--to", TESTER, "--dry-run")  # a supervisor's action
    assert cli.ok(*reassign, user="sato")["moved"] == 1
    cli.ok("user", "edit", "sato", "--role", "coordinator", user=ADMIN)
    assert cli(*reassign, user="sato").code == 5  # at once
    moved = cli.ok("user", "edit", "sato", "--council", "27", user=ADMIN)
    assert moved["open_cases_elsewhere"] == [case_id]  # still theirs, in a council they no longer act for
    assert cli("case", "show", case_id, user="sato").code == 4  # council 13's case: out of their sight now
    assert cli("case", "list", user="sato").code == 0 and case_id not in cli("case", "list", user="sato").out
    cli.ok("user", "edit", "sato", "--council", "13", user=ADMIN)
    assert cli.ok("user", "edit", "sato", "--role", "hq", user=ADMIN)["open_cases_elsewhere"] == [case_id]


def test_audit_verify_catches_an_edited_user_change_row(cli: Cli, world: World) -> None:
    cli.ok("user", "edit", "sato", "--role", "hq", user=ADMIN)
    engine = get_engine(cli.db_url)
    with engine.begin() as conn:  # behind the application's back, past the append-only trigger
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER master_change_no_update")
        else:
            conn.exec_driver_sql("DROP TRIGGER master_change_append_only ON master_change")
        conn.execute(sa.text("UPDATE master_change SET after = 'admin' WHERE entity = 'user'"))
    report = cli("audit", "verify", "--format", "json", user=ADMIN)
    assert report.code == 1
    (broken,) = report.json["broken"]
    assert (
        broken["record"] == "user sato"
        and broken["table"] == "master_change"
        and "edited" in broken["reason"]
    )

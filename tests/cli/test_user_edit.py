"""`user add … --display-name`, `user edit NAME --display-name … --email …` (CLI.md second wave): anyone
their own display name and e-mail, an admin anyone's; bad input changes nothing."""

from __future__ import annotations

from tests.conftest import ADMIN, TESTER, Cli, World


def _user(cli: Cli, name: str) -> dict[str, object]:
    return next(u for u in cli.ok("user", "list", user=ADMIN) if u["name"] == name)


def test_display_names_and_who_may_edit_them(cli: Cli, world: World) -> None:
    added = cli.ok("user", "add", "suzuki", "--council", "13", "--display-name", "  鈴木　一郎 ", user=ADMIN)
    assert added["display_name"] == "鈴木 一郎"  # NFKC (the ideographic space) and trimmed
    assert _user(cli, "suzuki")["display_name"] == "鈴木 一郎"

    own = cli.ok(
        "user",
        "edit",
        "sato",
        "--display-name",
        "佐藤 花子",
        "--email",
        "hanako@council.example.jp",
        user="sato",
    )
    assert (own["display_name"], own["email"]) == ("佐藤 花子", "hanako@council.example.jp")
    assert (
        cli("user", "edit", TESTER, "--display-name", "誰か", user="sato").code == 5
    )  # not theirs, not admin
    assert cli.ok("user", "edit", "suzuki", "--email", "", user=ADMIN)["email"] is None  # "" clears

    before = _user(cli, "sato")
    for args, code in ((["--email", "not an address"], 2), ([], 2), (["--display-name", "a\x07b"], 2)):
        result = cli("user", "edit", "sato", *args, user="sato")
        assert result.code == code and result.err.startswith("error:") and len(result.err.splitlines()) == 1
    assert cli("user", "edit", "nobody", "--display-name", "x", user=ADMIN).code == 4
    assert _user(cli, "sato") == before

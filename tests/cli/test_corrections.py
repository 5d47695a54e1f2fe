"""A correction is a new history row naming the row it corrects; nothing is edited, the chain stays
intact, and correcting a council decision needs the right to make it."""

from __future__ import annotations

from tests.cli.helpers import adv, doc, history, open_early
from tests.conftest import ADMIN, Cli, World


def _accepted(cli: Cli, world: World) -> str:
    cid = open_early(cli, world, on="2026-04-01")
    doc(cli, cid, "pre_consultation_letter", "2026-04-02")
    adv(cli, cid, "apply", "2026-04-03")
    adv(cli, cid, "accept", "2026-04-20")
    return cid


def test_a_correction_appends_and_names_the_row(cli: Cli, world: World) -> None:
    cid = _accepted(cli, world)
    before = history(cli, cid)
    accept = next(h for h in before if h["event"] == "accept")
    row = cli.ok("case", "correct", cid, str(accept["seq"]), "--note", "受理日は 2026-04-21")
    after = history(cli, cid)
    assert after[:-1] == before  # nothing before it changed
    assert after[-1] == row
    assert (row["event"], row["corrects"], row["note"], row["user"]) == (
        "correct",
        accept["seq"],
        "受理日は 2026-04-21",
        "tester",
    )
    assert row["from"] == row["to"] == "drafting" and row["seq"] == before[-1]["seq"] + 1
    assert cli.ok("case", "show", cid)["state"] == "drafting"
    assert cli.ok("audit", "verify")["ok"] is True


def test_correcting_a_decision_is_a_supervisors(cli: Cli, world: World) -> None:
    cid = _accepted(cli, world)
    cli.ok("user", "add", "kobayashi", "--council", "13", user=ADMIN)  # a coordinator
    rows = history(cli, cid)
    accept = next(h for h in rows if h["event"] == "accept")
    apply_ = next(h for h in rows if h["event"] == "apply")
    refused = cli("case", "correct", cid, str(accept["seq"]), "--note", "x", user="kobayashi")
    assert refused.code == 5 and "kobayashi" in refused.err
    assert history(cli, cid) == rows
    assert (
        cli.ok("case", "correct", cid, str(apply_["seq"]), "--note", "申請日は 2026-04-04", user="kobayashi")[
            "corrects"
        ]
        == apply_["seq"]
    )


def test_bad_corrections_change_nothing(cli: Cli, world: World) -> None:
    cid = _accepted(cli, world)
    rows = history(cli, cid)
    assert cli("case", "correct", cid, "99", "--note", "x").code == 4
    assert cli("case", "correct", cid, "1", "--note", "  ").code == 2
    assert cli("case", "correct", "13-2026-9999", "1", "--note", "x").code == 4
    assert cli("case", "correct", "27-2026-0001", "1", "--note", "x", user="sato").code == 4
    assert history(cli, cid) == rows

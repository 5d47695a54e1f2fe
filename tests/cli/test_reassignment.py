"""Staff rotation: `case assign` (one case) and `case reassign` (every open case of a departing
coordinator, in one transaction). Each move is a history row `audit verify` checks; pending reminders to
the coordinator go to the new one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from casetrack import services
from casetrack.services.reminders import enqueue_due
from casetrack.settings import load_settings
from tests.cli import helpers as h
from tests.conftest import ADMIN, Cli, World
from tests.notify.helpers import case_in_monitoring

ESCALATION_DAY = "2027-06-07"  # session 1's coordinator rung of the monitoring case (tests/notify/helpers.py)


def _staff(cli: Cli) -> None:
    cli.ok("user", "add", "tanaka", "--council", "13", "--email", "tanaka@council.example.jp", user=ADMIN)
    cli.ok("user", "add", "kimura", "--council", "27", "--email", "kimura@council.example.jp", user=ADMIN)


def _pending_to_coordinator(cli: Cli, case_id: str) -> list[dict[str, object]]:
    rows = cli.ok("outbox", "list", "--status", "pending", user=ADMIN, today=ESCALATION_DAY)
    return [r for r in rows if r["case_id"] == case_id and r["recipient_role"] == "coordinator"]


def test_reassign_moves_every_open_case_and_its_pending_mail(cli: Cli, world: World, tmp_path: Path) -> None:
    _staff(cli)
    monitored = case_in_monitoring(cli, world)  # sato's, in monitoring
    early = h.drive_early(cli, world, "drafting", coordinator="sato", company=world.company_dec)
    gone = h.drive_early(cli, world, "consultation", coordinator="sato", company=world.company_dec)
    h.adv(cli, gone, "withdraw", "2026-05-01", "--reason", "事業者の辞退")  # final: stays with sato
    ctx = services.Context(db_url=cli.db_url, today=dt.date.fromisoformat(ESCALATION_DAY), user=ADMIN)
    assert enqueue_due(ctx, ctx.today) > 0
    [before] = _pending_to_coordinator(cli, monitored)
    assert before["to_addr"] == "sato@council.example.jp"

    dry = cli.ok(
        "case",
        "reassign",
        "--from",
        "sato",
        "--to",
        "tanaka",
        "--council",
        "13",
        "--dry-run",
        today=ESCALATION_DAY,
    )
    assert dry["moved"] == 2 and sorted(c["case"] for c in dry["cases"]) == sorted([monitored, early])
    assert h.show(cli, early, today=ESCALATION_DAY)["coordinator"] == "sato"  # a dry run changes nothing

    done = cli.ok(
        "case",
        "reassign",
        "--from",
        "sato",
        "--to",
        "tanaka",
        "--council",
        "13",
        "--note",
        "4月の異動",
        today=ESCALATION_DAY,
    )
    assert done["moved"] == 2 and {c["to"] for c in done["cases"]} == {"tanaka"}
    for cid in (monitored, early):
        assert h.show(cli, cid, today=ESCALATION_DAY)["coordinator"] == "tanaka"
        last = h.history(cli, cid)[-1]
        assert (last["event"], last["note"], last["effective_on"]) == ("assign", "4月の異動", ESCALATION_DAY)
        assert "sato" in last["reason"] and "tanaka" in last["reason"]
    assert h.show(cli, gone, today=ESCALATION_DAY)["coordinator"] == "sato"
    [after] = _pending_to_coordinator(cli, monitored)
    assert (after["id"], after["to_addr"]) == (before["id"], "tanaka@council.example.jp")
    assert cli.ok("case", "list", "--coordinator", "sato", today=ESCALATION_DAY)[0]["id"] == gone
    assert cli.ok("audit", "verify", user=ADMIN)["ok"] is True

    again = cli.ok("case", "reassign", "--from", "sato", "--to", "tanaka", today=ESCALATION_DAY)
    assert again == {**again, "moved": 0, "cases": []}

    # the weekly digest follows: the next Monday's is tanaka's, listing the moved cases; sato (no open case) gets none
    config = tmp_path / "casetrack.toml"
    config.write_text(
        f'[mail]\ntransport = "file"\ndir = "{(tmp_path / "mail").as_posix()}"\n\n'
        '[digest]\nweekday = "monday"\n',
        encoding="utf-8",
    )
    monday = dt.date(2027, 6, 14)
    enqueue_due(
        services.Context(db_url=cli.db_url, today=monday, user=ADMIN, settings=load_settings(str(config))),
        monday,
    )
    digests = [r for r in cli.ok("outbox", "list", user=ADMIN, today="2027-06-14") if r["item"] == "digest"]
    assert [(r["item_ref"], r["to_addr"]) for r in digests] == [("tanaka", "tanaka@council.example.jp")]


def test_reassign_is_all_or_nothing_and_a_supervisors(cli: Cli, world: World) -> None:
    _staff(cli)
    cid = h.drive_early(cli, world, "drafting", coordinator="sato")
    snapshot = h.history(cli, cid)
    # kimura acts for council 27 only: refused, naming the case, nothing moved
    bad = cli("case", "reassign", "--from", "sato", "--to", "kimura", "--format", "json")
    assert bad.code == 2 and cid in bad.err and "27" in bad.err
    assert cli("case", "reassign", "--from", "sato", "--to", "nobody").code == 4
    assert cli("case", "reassign", "--from", "sato", "--to", "sato").code == 2
    assert (
        cli("case", "reassign", "--from", "sato", "--to", "tanaka", user="tanaka").code == 5
    )  # a coordinator
    assert h.history(cli, cid) == snapshot and h.show(cli, cid)["coordinator"] == "sato"


def test_assign_by_supervisor_or_own_coordinator(cli: Cli, world: World) -> None:
    _staff(cli)
    cid = h.drive_early(cli, world, "applied", coordinator="sato")
    # tanaka is not the case's coordinator (a coordinator may hand over their own cases only)
    assert cli("case", "assign", cid, "--coordinator", "tanaka", user="tanaka").code == 5
    moved = cli.ok("case", "assign", cid, "--coordinator", "tanaka", "--on", "2026-11-20", "--note", "引継ぎ")
    assert (moved["from"], moved["to"], moved["on"]) == ("sato", "tanaka", "2026-11-20")
    back = cli.ok("case", "assign", cid, "--coordinator", "sato", user="tanaka")  # now tanaka's own case
    assert (back["from"], back["to"]) == ("tanaka", "sato")
    rows = [r for r in h.history(cli, cid) if r["event"] == "assign"]
    assert [(r["user"], r["effective_on"]) for r in rows] == [
        ("tester", "2026-11-20"),
        ("tanaka", "2026-11-25"),
    ]
    for args, code in (
        (["--coordinator", "kimura"], 2),  # acts for council 27 only
        (["--coordinator", "ghost"], 4),
        (["--coordinator", "sato"], 2),  # already theirs
        (["--coordinator", "tanaka", "--on", "2026-11-26"], 2),
    ):  # after today
        result = cli("case", "assign", cid, *args, "--format", "json")
        assert result.code == code, (args, result.err)
        assert len(result.err.splitlines()) == 1 and result.json["ok"] is False
    assert len([r for r in h.history(cli, cid) if r["event"] == "assign"]) == 2
    assert cli.ok("audit", "verify", user=ADMIN)["ok"] is True

"""`case events CASE --format json`: every event of the current state, allowed or not, with every reason
(CLI.md); reading it writes nothing."""

from __future__ import annotations

from typing import Any

from tests.cli.helpers import (
    adv,
    doc,
    drive_405,
    history,
    match_reasons,
    open_405,
    open_early,
    show,
)
from tests.conftest import Cli, World


def _events(cli: Cli, case_id: str, today: str) -> dict[str, dict[str, Any]]:
    rows = cli.ok("case", "events", case_id, today=today)
    assert isinstance(rows, list)
    by_event = {r["event"]: r for r in rows}
    assert len(by_event) == len(rows), "an event is listed twice"
    for r in rows:
        assert isinstance(r["allowed"], bool) and isinstance(r["reasons"], list)
        assert r["allowed"] == (not r["reasons"]), r
    return by_event


def test_early_consultation(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    version = show(cli, cid)["version"]
    ev = _events(cli, cid, "2026-04-10")
    assert set(ev) == {"apply", "withdraw"}  # DOMAIN.md §3: from consultation, and from any open state
    assert ev["withdraw"]["allowed"] is True  # judged as if a reason were given
    assert ev["apply"]["allowed"] is False
    match_reasons(ev["apply"]["reasons"], [["pre_consultation_letter", "さくら銀行"]])

    assert show(cli, cid)["version"] == version  # reading events changes nothing
    doc(cli, cid, "pre_consultation_letter", "2026-04-08")
    ev = _events(cli, cid, "2026-04-10")
    assert ev["apply"] == {**ev["apply"], "allowed": True, "reasons": []}
    assert show(cli, cid)["state"] == "consultation"


def test_early_consultation_several_reasons(cli: Cli, world: World) -> None:
    cid = open_early(cli, world, support=[world.uncertified, world.bank_second])
    ev = _events(cli, cid, "2026-04-10")
    match_reasons(
        ev["apply"]["reasons"],
        [
            ["未認定コンサル"],
            ["東都信用金庫", "借入先"],
            ["東都信用金庫", "認定経営革新等支援機関ではありません"],
            ["pre_consultation_letter"],
        ],
    )


def test_405_consultation(cli: Cli, world: World) -> None:
    cid = open_405(cli, world)
    ev = _events(cli, cid, "2026-04-10")
    assert set(ev) == {"approve_reuse", "apply", "withdraw"}
    assert ev["apply"]["allowed"] is False
    match_reasons(ev["apply"]["reasons"], [["schedule_chart"]])  # plan estimate 3,300,000 > 450,000
    assert ev["approve_reuse"]["allowed"] is False  # no re-use reason recorded
    assert ev["withdraw"]["allowed"] is True
    doc(cli, cid, "schedule_chart", "2026-04-05")
    ev = _events(cli, cid, "2026-04-10")
    assert ev["apply"]["allowed"] is True and ev["apply"]["reasons"] == []


def test_405_negotiating(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "negotiating")
    rows_before = history(cli, cid)
    ev = _events(cli, cid, "2026-11-03")
    assert set(ev) == {"agree", "extend", "withdraw", "lapse"}
    assert ev["extend"]["allowed"] is True and ev["withdraw"]["allowed"] is True
    assert ev["lapse"]["allowed"] is False
    match_reasons(ev["lapse"]["reasons"], [["2028-04-20"]])  # accepted 2026-04-20 + 24 months
    assert ev["agree"]["allowed"] is False
    match_reasons(
        ev["agree"]["reasons"],
        [
            ["consent_letter", "さくら銀行"],
            ["consent_letter", "東都信用金庫"],
            ["consent_letter", "日本政策金融公庫"],
        ],
    )

    doc(cli, cid, "consent_letter", "2026-10-30", lender=world.bank_main)
    doc(cli, cid, "consent_letter", "2026-10-30", lender=world.bank_second)
    ev = _events(cli, cid, "2026-11-03")
    match_reasons(ev["agree"]["reasons"], [["consent_letter", "日本政策金融公庫"]])
    doc(cli, cid, "consent_letter", "2026-11-03", lender=world.bank_third)
    ev = _events(cli, cid, "2026-11-03")
    assert ev["agree"]["allowed"] is True and ev["agree"]["reasons"] == []

    # as of a later day the validity has ended: lapse flips to allowed
    ev = _events(cli, cid, "2028-04-21")
    assert ev["lapse"]["allowed"] is True
    assert history(cli, cid) == rows_before
    assert show(cli, cid)["state"] == "negotiating"
    # and the verdict matches what advance does
    assert adv(cli, cid, "agree", "2026-11-03")["state"] == "agreed"


def test_final_state_lists_no_event(cli: Cli, world: World) -> None:
    cid = open_early(cli, world)
    adv(cli, cid, "withdraw", "2026-04-05", "--reason", "取下げ")
    assert cli.ok("case", "events", cid) == []

"""`audit stalled`, codes `monitoring_overdue` and `holdback_open` (DOMAIN.md §5, §8, §9).

405 timeline (tests/cli/helpers.py): agree (plan date) 2026-11-03, decide_payment 2026-12-20, interval 6.
  session 1: nominal 2026-11-03 + 6 months = 2027-05-03 (Mon, 憲法記念日); 05-04 みどりの日, 05-05
             こどもの日 → due 2027-05-06 (Thu)
  session 2: nominal 2027-11-03 (Wed, 文化の日) → due 2027-11-04 (Thu)
A session is overdue when still scheduled AFTER its due date (after the closed-day move).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.audits.util import audit, none_of, of, only
from tests.cli.helpers import drive_405, drive_early
from tests.conftest import Cli, World


def _session_findings(found: list[dict], cid: str) -> dict[int, dict]:
    """monitoring_overdue findings of the case by the session number named in the message."""
    out = {}
    for f in of(found, cid, "monitoring_overdue"):
        m = re.search(r"第\s*(\d+)\s*回|#\s*(\d+)|session\s+(\d+)", f["message"])
        assert m, f"message does not name the session: {f['message']}"
        seq = int(next(g for g in m.groups() if g))
        assert seq not in out, found
        out[seq] = f
    return out


def test_session_overdue_from_the_day_after_its_due_date(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "monitoring", coordinator="sato")
    # after the nominal date but not after the moved due date: nothing
    none_of(audit(cli, "2027-05-04"), cid, "monitoring_overdue")
    # on the due date: nothing
    none_of(audit(cli, "2027-05-06"), cid, "monitoring_overdue")
    # the day after: days 1, since the (moved) due date
    found = _session_findings(audit(cli, "2027-05-07"), cid)
    assert list(found) == [1]
    f = found[1]
    assert (f["level"], f["since"], f["days"], f["waiting_on"], f["state"], f["council"]) == (
        "overdue",
        "2027-05-06",
        1,
        "support_org",
        "monitoring",
        "13",
    )

    # 2027-11-05: session 1 is 25 (→05-31) + 30 + 31 + 31 + 30 + 31 + 5 = 183 days late, session 2 one day
    found = _session_findings(audit(cli, "2027-11-05"), cid)
    assert {seq: (f["since"], f["days"]) for seq, f in found.items()} == {
        1: ("2027-05-06", 183),
        2: ("2027-11-04", 1),
    }


def test_held_or_waived_sessions_are_not_overdue(cli: Cli, world: World) -> None:
    cid = drive_405(cli, world, "monitoring")
    assert list(_session_findings(audit(cli, "2027-05-10"), cid)) == [1]  # 4 days late
    cli.ok("monitoring", "record", cid, "1", "--held-on", "2027-05-10", today="2027-05-10")
    cli.ok("doc", "add", cid, "monitoring_report", "--session", "1", "--on", "2027-05-10", today="2027-05-10")
    none_of(audit(cli, "2027-05-10"), cid, "monitoring_overdue")
    none_of(audit(cli, "2027-05-11"), cid, "monitoring_overdue")

    cli.ok("monitoring", "waive", cid, "2", "--reason", "金融機関と合意のうえ省略", today="2027-11-01")
    none_of(audit(cli, "2027-11-05"), cid, "monitoring_overdue")
    # session 3: nominal 2028-05-03 (Wed, 憲法記念日), 05-04, 05-05 holidays, 05-06/07 weekend → due 2028-05-08
    assert list(_session_findings(audit(cli, "2028-05-09"), cid)) == [3]
    none_of(audit(cli, "2028-05-08"), cid, "monitoring_overdue")


def test_early_interim_session_overdue(cli: Cli, world: World) -> None:
    """early with interim monitoring, plan date 2026-08-31: interim nominal 2026-08-31 + 6 months =
    2027-02-28 (Sun) → due 2027-03-01 (Mon). The fiscal-year-end session (FYE March: 2026-08-31 + 12 months
    = 2027-08-31 → FYE 2028-03-31 → due 2028-05-31) comes later, so the interim one is session 1."""
    cid = drive_early(cli, world, "monitoring", interim=True)
    none_of(audit(cli, "2027-03-01"), cid, "monitoring_overdue")
    found = _session_findings(audit(cli, "2027-03-02"), cid)
    assert list(found) == [1]
    assert (found[1]["since"], found[1]["days"], found[1]["level"]) == ("2027-03-01", 1, "overdue")


# -- holdback -------------------------------------------------------------------------------------


def test_holdback_open_until_the_first_monitoring_claim_is_decided(cli: Cli, world: World) -> None:
    """405/regular, plan fee 3,300,000 (estimate 3,300,000): subsidy floor(2,200,000) → cap 2,000,000,
    retained 1,000,000 when decide_payment is fired on 2026-12-20. Finding from 2026-12-20 + 15 months =
    2028-03-20."""
    cid = drive_405(cli, world, "monitoring")
    assert cli.ok("case", "show", cid)["money"]["retained_total"] == 1_000_000

    none_of(audit(cli, "2028-03-19"), cid, "holdback_open")
    f = only(audit(cli, "2028-03-20"), cid, "holdback_open")
    assert (f["since"], f["days"], f["waiting_on"], f["state"], f["level"]) == (
        "2028-03-20",
        0,
        "support_org",
        "monitoring",
        "warning",
    )
    # 2028-03-25: 5 days
    assert only(audit(cli, "2028-03-25"), cid, "holdback_open")["days"] == 5

    # a monitoring claim that is only claimed does not release anything
    cli.ok("monitoring", "record", cid, "1", "--held-on", "2027-05-06", today="2027-05-06")
    cli.ok("doc", "add", cid, "monitoring_report", "--session", "1", "--on", "2027-05-06", today="2027-05-06")
    claim = cli.ok(
        "fee",
        "claim",
        cid,
        "monitoring",
        "--fee",
        "150000",
        "--session",
        "1",
        "--on",
        "2028-03-25",
        today="2028-03-25",
    )
    assert only(audit(cli, "2028-03-25"), cid, "holdback_open")["days"] == 5

    decided = cli.ok("fee", "decide", cid, str(claim["id"]), "--on", "2028-03-26", today="2028-03-26")
    assert decided["released"] == 1_000_000
    for today in ("2028-03-26", "2028-04-30", "2029-12-01"):
        none_of(audit(cli, today), cid, "holdback_open")


def test_no_holdback_finding_when_released_early(cli: Cli, world: World) -> None:
    """The first monitoring claim decided on 2027-05-20 (before decision + 15 months) releases the
    holdback: nothing on 2028-03-20."""
    cid = drive_405(cli, world, "monitoring")
    cli.ok("monitoring", "record", cid, "1", "--held-on", "2027-05-06", today="2027-05-06")
    cli.ok("doc", "add", cid, "monitoring_report", "--session", "1", "--on", "2027-05-06", today="2027-05-06")
    claim = cli.ok(
        "fee",
        "claim",
        cid,
        "monitoring",
        "--fee",
        "150000",
        "--session",
        "1",
        "--on",
        "2027-05-10",
        today="2027-05-10",
    )
    cli.ok("fee", "decide", cid, str(claim["id"]), "--on", "2027-05-20", today="2027-05-20")
    none_of(audit(cli, "2028-03-20"), cid, "holdback_open")


def test_early_cases_have_no_holdback(cli: Cli, world: World) -> None:
    """early decide_payment 2026-10-20: decision + 15 months = 2028-01-20; early has no holdback."""
    cid = drive_early(cli, world, "monitoring")
    for today in ("2028-01-20", "2028-06-01"):
        none_of(audit(cli, today), cid, "holdback_open")


def test_the_coordinator_is_asked_too_from_30_days_late(cli: Cli, world: World) -> None:
    """DOMAIN.md §9: overdue sessions wait on the support org; "the coordinator too from 30 days".
    Session 1 is due 2027-05-06: 2027-06-04 is 25 (→05-31) + 4 = 29 days late, 2027-06-05 is 30."""
    cid = drive_405(cli, world, "monitoring", coordinator="sato")
    f = _session_findings(audit(cli, "2027-06-04"), cid)[1]
    assert f["days"] == 29 and "コーディネーター" not in f["message"]
    f = _session_findings(audit(cli, "2027-06-05"), cid)[1]
    assert f["days"] == 30 and "30日以上" in f["message"] and "コーディネーター" in f["message"]
    assert f["waiting_on"] == "support_org"


def test_the_escalation_threshold_is_workflow_data(
    cli: Cli, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A council that sets monitoring_escalation_days: 10 in its 405 rule set: session 1 (due 2027-05-06)
    is escalated from 2027-05-16 (10 days late), not on 2027-05-15 (9)."""
    shipped = Path(__file__).resolve().parents[2] / "workflows"
    folder = tmp_path / "workflows"
    folder.mkdir()
    (folder / "early.yaml").write_text((shipped / "early.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    text = (shipped / "405.yaml").read_text(encoding="utf-8")
    assert "monitoring_escalation_days: 30" in text
    (folder / "405.yaml").write_text(
        text.replace("monitoring_escalation_days: 30", "monitoring_escalation_days: 10"), encoding="utf-8"
    )
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    cid = drive_405(cli, world, "monitoring")
    assert "コーディネーター" not in _session_findings(audit(cli, "2027-05-15"), cid)[1]["message"]
    assert "10日以上" in _session_findings(audit(cli, "2027-05-16"), cid)[1]["message"]

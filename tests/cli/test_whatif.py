"""`casetrack whatif` against the change made for real: for each kind of change (a stall threshold, a
lowered cap, a changed monitoring lag, an added closure) the same change is applied to a copy of the
database — the changed workflow folder switched on (CASETRACK_WORKFLOWS_DIR), or the closure added with
`calendar closure add`, or the plan submitted under the changed rules — and what the real commands then
say (audit stalled, fee list, the sessions) is compared with what whatif said on the original. The
differences must be identical, and whatif writes nothing (every table hashed before and after).

The databases come from bench/generate.py (the project's own generator) at a few hundred cases."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from casetrack import services
from casetrack.store import schema
from casetrack.store.bulk import load
from casetrack.store.db import get_engine
from tests.cli.helpers import adv, doc, drive_405, drive_early
from tests.conftest import Cli, Templates, World, _dispose

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 25)
TODAY = "2026-11-25"
ENDED = {"closed", "rejected", "withdrawn", "lapsed"}
USER = "bench"  # the generator's supervisor of every council


def _generate(url: str, cases: int, seed: int = 7) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate import Generator
    finally:
        sys.path.remove(str(ROOT / "bench"))
    services.init_db(services.Context(db_url=url, today=AS_OF, user="generator"))
    gen = Generator(seed, AS_OF)
    engine = get_engine(url)
    load(engine, [gen.registry(advisers=50, banks=20, users_per_council=1)])
    for batch in gen.cases(cases, 5000):
        load(engine, [batch])
    _dispose(url)


def _copy(url: str, templates: Templates, tmp_path: Path, dropped: list[str]) -> str:
    """A copy of the database at ``url``: the file, or a PostgreSQL database made from it as a template."""
    _dispose(url)
    if url.startswith("sqlite"):
        target = tmp_path / f"copy-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    name = "ct_c_" + uuid.uuid4().hex[:12]
    dropped.append(name)
    return templates.pg.create(name, sa.engine.make_url(url).database or "")


@pytest.fixture
def copies(templates: Templates) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for name in made:
        templates.pg.drop_later(name)


@pytest.fixture
def generated(db_url: str) -> str:
    _generate(db_url, 400)
    return db_url


def snapshot(url: str) -> str:
    """A hash of every row of every table."""
    digest = hashlib.sha256()
    engine = get_engine(url)
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            rows = sorted(repr(tuple(r)) for r in conn.execute(sa.select(table)))
            digest.update(f"{table.name}:{len(rows)}\n".encode())
            for r in rows:
                digest.update(r.encode())
    _dispose(url)
    return digest.hexdigest()


def changed_folder(tmp_path: Path, program: str, old: str, new: str) -> Path:
    """A copy of the shipped workflows with one line of ``program``'s file changed."""
    folder = tmp_path / f"wf-{uuid.uuid4().hex[:6]}"
    shutil.copytree(ROOT / "workflows", folder)
    path = folder / f"{program}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def whatif(url: str, capsys: pytest.CaptureFixture[str], *args: str, user: str = USER) -> dict[str, Any]:
    before = snapshot(url)
    result = Cli(url, capsys)("whatif", *args, "--format", "json", today=TODAY, user=user)
    assert result.code == 0, result.err
    assert snapshot(url) == before  # nothing written
    out: dict[str, Any] = result.json
    return out


def audit(url: str, capsys: pytest.CaptureFixture[str]) -> set[tuple[str, str, str, str]]:
    rows = Cli(url, capsys).ok("audit", "stalled", today=TODAY, user=USER)
    return {(r["case"], r["code"], r["since"], r["level"]) for r in rows if r["state"] not in ENDED}


def finding_diff(changes: list[dict[str, Any]]) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """(gone, new) findings as (case, code, since, level), from whatif's finding changes."""
    gone, new = set(), set()
    for c in changes:
        if c["what"] != "finding":
            continue
        code = c["ref"].split(":")[0]
        if c["before"] is not None:
            gone.add((c["case"], code, c["before"], c["before_level"]))
        if c["after"] is not None:
            new.add((c["case"], code, c["after"], c["after_level"]))
    return gone, new


def test_stall_threshold_lowered_matches_the_audit_run_with_it(
    generated: str,
    copies: list[str],
    templates: Templates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = changed_folder(
        tmp_path, "early", "waiting_on: company, stall_days: 30}", "waiting_on: company, stall_days: 365}"
    )
    said = whatif(generated, capsys, "--workflow", str(folder / "early.yaml"))
    assert said["cases_checked"] > 100
    before = audit(generated, capsys)
    real = _copy(generated, templates, tmp_path, copies)
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    after = audit(real, capsys)
    gone, new = finding_diff(said["changes"])
    assert gone, "a higher threshold: consultations no longer stalled"
    assert (gone, new) == (before - after, after - before)
    assert {c["what"] for c in said["changes"]} == {"finding"}  # a threshold changes nothing else
    for c in said["changes"]:  # early consultations 31–365 days old on 2026-11-25 (DOMAIN.md §9: "more than")
        assert c["ref"] == "stalled" and c["program"] == "early" and c["after"] is None
        days = (AS_OF - dt.date.fromisoformat(c["before"])).days
        assert 30 < days <= 365, c


def test_cap_lowered_matches_fee_list_under_the_new_cap(
    generated: str,
    copies: list[str],
    templates: Templates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = changed_folder(tmp_path, "early", "standard: {plan: 150000,", "standard: {plan: 100000,")
    said = whatif(generated, capsys, "--workflow", str(folder / "early.yaml"))
    claims = {c["ref"]: c for c in said["changes"] if c["ref"].startswith("claim:")}
    caps = [c for c in said["changes"] if c["ref"] == "cap:plan"]
    # the cap of every open early case on the standard track, 150,000 → 100,000
    engine = get_engine(generated)
    with engine.connect() as conn:
        open_standard = {
            r[0]
            for r in conn.execute(
                sa.text(
                    "SELECT id FROM cases WHERE program = 'early' AND track = 'standard' "
                    "AND state NOT IN ('closed', 'rejected', 'withdrawn', 'lapsed')"
                )
            )
        }
        claimed = sorted(
            {
                r[0]
                for r in conn.execute(
                    sa.text("SELECT case_id FROM fee_claim WHERE status = 'claimed' AND component = 'plan'")
                )
            }
        )
    _dispose(generated)
    assert {c["case"] for c in caps} == open_standard
    assert all((c["before"], c["after"]) == (150_000, 100_000) for c in caps)
    # each open claim's subsidy: what `fee list` says before, and on a copy with the new cap
    real = _copy(generated, templates, tmp_path, copies)
    listed_before = {
        cid: Cli(generated, capsys).ok("fee", "list", cid, today=TODAY, user=USER) for cid in claimed
    }
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    listed_after = {cid: Cli(real, capsys).ok("fee", "list", cid, today=TODAY, user=USER) for cid in claimed}
    real_diff = {}
    for cid in claimed:
        for b, a in zip(listed_before[cid], listed_after[cid], strict=True):
            if b["status"] == "claimed" and b["subsidy"] != a["subsidy"]:
                real_diff[f"claim:{b['id']}"] = (b["subsidy"], a["subsidy"])
    assert real_diff, "some open plan claim is above 100,000 yen of subsidy"
    assert {ref: (c["before"], c["after"]) for ref, c in claims.items()} == real_diff
    # by hand (DOMAIN.md §5): a 200,000 yen fee × 2/3 = 133,333 yen, capped at 100,000
    assert all(after == 100_000 for _b, after in real_diff.values())
    assert {c["what"] for c in said["changes"]} == {"amount"}


def test_added_closure_matches_closure_add(
    generated: str,
    copies: list[str],
    templates: Templates,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = get_engine(generated)
    with engine.connect() as conn:  # the weekday most scheduled sessions fall due on, from 2026-09 on
        day, _n = conn.execute(
            sa.text(
                "SELECT due_on, COUNT(*) AS n FROM monitoring_session WHERE status = 'scheduled' "
                "AND due_on >= '2026-09-01' GROUP BY due_on ORDER BY n DESC, due_on LIMIT 1"
            )
        ).one()
    _dispose(generated)
    day = str(day)
    said = whatif(generated, capsys, "--closure", day)
    real = _copy(generated, templates, tmp_path, copies)
    sessions_before = sessions(real)
    findings_before = audit(real, capsys)
    Cli(real, capsys).ok(
        "calendar", "closure", "add", day, "--reason", "試行", today=TODAY, user="bench-admin"
    )
    sessions_after = sessions(real)
    moved = {
        f"{case}#{seq}": (str(due), str(sessions_after[(case, seq)]))
        for (case, seq), due in sessions_before.items()
        if sessions_after[(case, seq)] != due
    }
    assert moved, f"sessions due on {day} move"
    assert {
        f"{c['case']}#{c['ref'].split(':')[1]}": (c["before"], c["after"])
        for c in said["changes"]
        if c["what"] == "due_on"
    } == moved
    assert all(
        dt.date.fromisoformat(after) > dt.date.fromisoformat(before) for before, after in moved.values()
    )
    findings_after = audit(real, capsys)
    assert finding_diff(said["changes"]) == (
        findings_before - findings_after,
        findings_after - findings_before,
    )
    assert {c["what"] for c in said["changes"]} <= {"due_on", "finding"}


def sessions(url: str) -> dict[tuple[str, int], dt.date]:
    """(case, seq) → due date of the scheduled sessions of the open cases."""
    engine = get_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT s.case_id, s.seq, s.due_on FROM monitoring_session s JOIN cases c ON c.id = s.case_id "
                "WHERE s.status = 'scheduled' AND c.state NOT IN ('closed', 'rejected', 'withdrawn', 'lapsed')"
            )
        ).all()
    _dispose(url)
    return {(r[0], int(r[1])): dt.date.fromisoformat(str(r[2])) for r in rows}


def test_monitoring_lag_changed_matches_plans_submitted_under_it(
    cli: Cli,
    world: World,
    copies: list[str],
    templates: Templates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    march = drive_early(cli, world, "drafting")  # fiscal year ends in March
    december = drive_early(cli, world, "drafting", company=world.company_dec, interim=True)
    real = _copy(cli.db_url, templates, tmp_path, copies)
    folder = changed_folder(tmp_path, "early", "fye_report_lag_months: 2", "fye_report_lag_months: 3")

    def submit(target: Cli) -> None:
        for cid in (march, december):
            doc(target, cid, "plan", "2026-08-31")
            doc(target, cid, "bank_receipt", "2026-08-31", lender=world.bank_main)
            adv(target, cid, "submit_plan", "2026-08-31")

    submit(cli)
    before = sessions(cli.db_url)
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    submit(Cli(real, cli.capsys))
    after = sessions(real)
    monkeypatch.delenv("CASETRACK_WORKFLOWS_DIR")
    # by hand (DOMAIN.md §8): plan 2026-08-31; March year end at least 12 months on = 2028-03-31, the
    # report due at the end of May (lag 2: 2028-05-31, a Wednesday) or of June (lag 3: 2028-06-30, a Friday);
    # December: 2027-12-31 → 2028-02-29 (Tuesday) or 2028-03-31 (Friday); its interim session (6 months,
    # 2027-02-28 a Sunday → 2027-03-01) does not move.
    assert before[(march, 1)] == dt.date(2028, 5, 31) and after[(march, 1)] == dt.date(2028, 6, 30)
    assert before[(december, 2)] == dt.date(2028, 2, 29) and after[(december, 2)] == dt.date(2028, 3, 31)
    assert before[(december, 1)] == after[(december, 1)] == dt.date(2027, 3, 1)
    said = whatif(cli.db_url, cli.capsys, "--workflow", str(folder / "early.yaml"), user="tester")
    real_diff = {
        f"{case}#{seq}": (str(due), str(after[(case, seq)]))
        for (case, seq), due in before.items()
        if after[(case, seq)] != due
    }
    assert {
        f"{c['case']}#{c['ref'].split(':')[1]}": (c["before"], c["after"])
        for c in said["changes"]
        if c["what"] == "due_on"
    } == real_diff
    assert said["cases_checked"] == 2


def test_claim_deadline_shortened_matches_case_events_and_the_audit(
    generated: str,
    copies: list[str],
    templates: Templates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = changed_folder(
        tmp_path,
        "early",
        "claim_deadline_months: 12\n    claim_deadline_warn_months: 9",
        "claim_deadline_months: 9\n    claim_deadline_warn_months: 6",
    )
    said = whatif(generated, capsys, "--workflow", str(folder / "early.yaml"))
    engine = get_engine(generated)
    with engine.connect() as conn:
        waiting = {
            r[0]: dt.date.fromisoformat(str(r[1]))
            for r in conn.execute(
                sa.text(
                    "SELECT id, accepted_on FROM cases WHERE program = 'early' AND state IN ('drafting', 'plan_submitted')"
                )
            )
        }
    _dispose(generated)
    # deadlines by hand (DOMAIN.md §3): acceptance + 12 months → acceptance + 9 months, for every early case
    # still to claim (drafting, plan_submitted)
    deadlines = {c["case"]: (c["before"], c["after"]) for c in said["changes"] if c["what"] == "deadline"}
    assert set(deadlines) == set(waiting)
    for case_id, accepted in waiting.items():
        before, after = deadlines[case_id]
        assert (dt.date.fromisoformat(before).month - accepted.month) % 12 == 0
        assert (dt.date.fromisoformat(after).month - accepted.month) % 12 == 9
        assert dt.date.fromisoformat(before) > dt.date.fromisoformat(after)
    # guards: what `case events` says of each such case, with the shipped rules and on a copy with the new ones
    real = _copy(generated, templates, tmp_path, copies)
    verdicts_before = {
        cid: Cli(generated, capsys).ok("case", "events", cid, today=TODAY, user=USER) for cid in waiting
    }
    findings_before = audit(generated, capsys)
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    verdicts_after = {
        cid: Cli(real, capsys).ok("case", "events", cid, today=TODAY, user=USER) for cid in waiting
    }
    findings_after = audit(real, capsys)
    flips = {}
    for cid in waiting:
        for b, a in zip(verdicts_before[cid], verdicts_after[cid], strict=True):
            if b["allowed"] != a["allowed"]:
                flips[(cid, b["event"])] = (
                    "pass" if b["allowed"] else "refuse",
                    "pass" if a["allowed"] else "refuse",
                )
    assert flips, "some case's claim deadline passes between 9 and 12 months after acceptance"
    assert {
        (c["case"], c["ref"]): (c["before"], c["after"]) for c in said["changes"] if c["what"] == "guard"
    } == flips
    assert {event for _cid, event in flips} <= {"claim_payment", "lapse"}
    assert finding_diff(said["changes"]) == (
        findings_before - findings_after,
        findings_after - findings_before,
    )


def test_scope_errors_and_formats(generated: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = changed_folder(tmp_path, "early", "standard: {plan: 150000,", "standard: {plan: 100000,")
    changed = str(folder / "early.yaml")
    everything = whatif(generated, capsys, "--workflow", changed)
    by_council = {c["council"] for c in everything["changes"]}
    assert {"13", "27"} <= by_council
    # a coordinator of council 13 sees council 13's cases only; --council narrows a supervisor's
    mine = whatif(generated, capsys, "--workflow", changed, user="coord13_1")
    assert {c["council"] for c in mine["changes"]} == {"13"}
    assert mine["changes"] == [c for c in everything["changes"] if c["council"] == "13"]
    assert whatif(generated, capsys, "--workflow", changed, "--council", "13")["changes"] == mine["changes"]
    cli = Cli(generated, capsys)
    refused = cli("whatif", "--workflow", changed, "--council", "27", today=TODAY, user="coord13_1")
    assert refused.code == 5 and refused.out == ""
    # a changed file that does not validate: exit 2 naming file:line; nothing else printed
    broken = tmp_path / "broken.yaml"
    text = (ROOT / "workflows" / "early.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("stall_days: 30}", "stall_days: thirty}", 1), encoding="utf-8")
    line = next(n for n, t in enumerate(broken.read_text(encoding="utf-8").splitlines(), 1) if "thirty" in t)
    bad = cli("whatif", "--workflow", str(broken), today=TODAY, user=USER)
    assert bad.code == 2 and f"{broken}:{line}:" in bad.err and bad.out == ""
    for args in (["--closure", "2027-02-30"], ["--closure", "2027-05-06:99"], []):
        result = cli("whatif", *args, today=TODAY, user=USER)
        assert result.code in (2, 4) and result.out == "", (args, result)
    assert cli("whatif", "--closure", "2027-05-06:99", today=TODAY, user=USER).code == 4  # no council 99
    # the table: Japanese headers and labels within 120 columns; csv: codes first, labels beside
    table = cli("whatif", "--workflow", changed, "--council", "13", today=TODAY, user=USER)
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0].startswith("対象の案件") and "案件番号" in lines[1] and "変更前" in lines[1]
    assert "上限：計画策定支援費用" in table.out and "150,000円" in table.out and "cap:plan" not in table.out
    from casetrack.cli.output import width

    assert max(width(x) for x in lines) <= 120
    csv = cli("whatif", "--workflow", changed, "--council", "13", "--format", "csv", today=TODAY, user=USER)
    header, first = csv.out.splitlines()[:2]
    assert header.startswith("case,council,company,program,what,ref,before,after,")
    assert ",amount,cap:plan,150000,100000," in first


def test_405_interval_changed_replans_only_the_planners_schedules(
    cli: Cli,
    world: World,
    copies: list[str],
    templates: Templates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agreed_explicit = drive_405(cli, world, "agreed")
    cli.ok(
        "monitoring",
        "schedule",
        agreed_explicit,
        "2027-02-01",
        "2027-08-02",
        "2028-02-01",
        today="2026-11-03",
    )
    negotiating = drive_405(cli, world, "negotiating", company=world.company_dec)
    real = _copy(cli.db_url, templates, tmp_path, copies)
    folder = changed_folder(tmp_path, "405", "default_interval_months: 6", "default_interval_months: 4")

    def agree(target: Cli) -> None:
        for lender in target.ok("case", "show", negotiating)["lenders"]:
            doc(target, negotiating, "consent_letter", "2026-11-03", lender=lender["id"])
        adv(target, negotiating, "agree", "2026-11-03")

    agree(cli)
    before = sessions(cli.db_url)
    monkeypatch.setenv("CASETRACK_WORKFLOWS_DIR", str(folder))
    agree(Cli(real, cli.capsys))
    after = sessions(real)
    monkeypatch.delenv("CASETRACK_WORKFLOWS_DIR")
    # by hand (DOMAIN.md §8): plan 2026-11-03 + k·6 months within 36 → 6 sessions; + k·4 → 9
    assert len([k for k in before if k[0] == negotiating]) == 6
    assert len([k for k in after if k[0] == negotiating]) == 9
    assert after[(negotiating, 1)] == dt.date(2027, 3, 3)  # a Wednesday
    said = whatif(cli.db_url, cli.capsys, "--workflow", str(folder / "405.yaml"), user="tester")
    real_diff = {
        f"{case}#{seq}": (
            str(before[(case, seq)]) if (case, seq) in before else None,
            str(after[(case, seq)]) if (case, seq) in after else None,
        )
        for case, seq in before.keys() | after.keys()
        if before.get((case, seq)) != after.get((case, seq))
    }
    assert {
        f"{c['case']}#{c['ref'].split(':')[1]}": (c["before"], c["after"])
        for c in said["changes"]
        if c["what"] == "due_on"
    } == real_diff
    assert agreed_explicit not in {c["case"] for c in said["changes"]}  # the agreed schedule keeps its dates

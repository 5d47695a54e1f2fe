"""The workflow loader: the shipped files load and say what DOMAIN.md says; every problem of a bad
file is reported at once, each with ``file:line`` (STYLE.md habit 2).

The fixtures in tests/fixtures/workflows/ are ``minimal.yaml`` with one change each; the line of
each problem below was counted by hand in the fixture.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from casetrack.cli.main import run
from casetrack.domain.guards import GUARDS
from casetrack.errors import WorkflowInvalid
from casetrack.workflow.loader import load_file
from casetrack.workflow.spec import WorkflowSpec

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "workflows"
FIXTURES = ROOT / "tests" / "fixtures" / "workflows"
D = dt.date


def problems_of(name: str) -> tuple[Path, WorkflowInvalid]:
    path = FIXTURES / name
    with pytest.raises(WorkflowInvalid) as info:
        load_file(path)
    return path, info.value


# --- the shipped workflows ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def early() -> WorkflowSpec:
    return load_file(SHIPPED / "early.yaml")


@pytest.fixture(scope="module")
def p405() -> WorkflowSpec:
    return load_file(SHIPPED / "405.yaml")


def transitions_of(spec: WorkflowSpec) -> set[tuple[str, str, str]]:
    return {(source, e.id, e.target_from(source)) for e in spec.events.values() for source in e.sources}


def test_shipped_workflows_load(early: WorkflowSpec, p405: WorkflowSpec) -> None:
    assert (early.program, p405.program) == ("early", "405")
    assert early.initial == p405.initial == "consultation"
    assert (early.plan_date_event, p405.plan_date_event) == ("submit_plan", "agree")
    assert list(early.tracks) == ["standard", "bank"]  # the first is the default
    assert list(p405.tracks) == ["regular", "gl"]


def test_shipped_files_validate_on_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["workflow", "validate", str(SHIPPED / "early.yaml"), str(SHIPPED / "405.yaml")])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""
    assert "early.yaml" in captured.out and "405.yaml" in captured.out


def test_early_transitions_are_the_domain_table(early: WorkflowSpec) -> None:
    open_states = ["consultation", "applied", "drafting", "plan_submitted", "payment_claimed", "monitoring"]
    expected = {
        ("consultation", "apply", "applied"),
        ("applied", "accept", "drafting"),
        ("applied", "reject", "rejected"),
        ("drafting", "submit_plan", "plan_submitted"),
        ("plan_submitted", "claim_payment", "payment_claimed"),
        ("payment_claimed", "decide_payment", "monitoring"),
        ("monitoring", "close", "closed"),
        ("drafting", "lapse", "lapsed"),
        ("plan_submitted", "lapse", "lapsed"),
    } | {(s, "withdraw", "withdrawn") for s in open_states}
    assert transitions_of(early) == expected
    assert {s for s, spec in early.states.items() if spec.final} == {
        "closed",
        "rejected",
        "withdrawn",
        "lapsed",
    }


def test_405_transitions_are_the_domain_table(p405: WorkflowSpec) -> None:
    open_states = [
        "consultation",
        "applied",
        "drafting",
        "negotiating",
        "agreed",
        "payment_claimed",
        "monitoring",
    ]
    expected = {
        ("consultation", "approve_reuse", "consultation"),  # §6: the council approves a re-use reason
        ("consultation", "apply", "applied"),
        ("applied", "accept", "drafting"),
        ("applied", "reject", "rejected"),
        ("drafting", "start_negotiation", "negotiating"),
        ("negotiating", "agree", "agreed"),
        ("agreed", "claim_payment", "payment_claimed"),
        ("payment_claimed", "decide_payment", "monitoring"),
        ("monitoring", "close", "closed"),
        ("monitoring", "terminate_early", "closed"),
        ("drafting", "extend", "drafting"),
        ("negotiating", "extend", "negotiating"),
        ("drafting", "lapse", "lapsed"),
        ("negotiating", "lapse", "lapsed"),
        ("agreed", "lapse", "lapsed"),
    } | {(s, "withdraw", "withdrawn") for s in open_states}
    assert transitions_of(p405) == expected


def test_guards_and_documents_follow_the_domain_table(early: WorkflowSpec, p405: WorkflowSpec) -> None:
    def docs(spec: WorkflowSpec, event: str) -> set[tuple[str, str | None]]:
        return {(r.kind, r.source) for r in spec.events[event].documents}

    e, f = early.events, p405.events
    assert {"support_orgs_certified", "no_fee_receiving_lender", "prior_use"} <= set(e["apply"].guards)
    assert docs(early, "apply") == {("application", None), ("pre_consultation_letter", "main_bank")}
    assert docs(p405, "apply") == {("application", None)}
    assert docs(early, "submit_plan") == {("plan", None), ("bank_receipt", "main_bank")}
    assert {"plan_claim_exists", "within_claim_deadline"} <= set(e["claim_payment"].guards)
    assert ("share_transfer", None) in docs(early, "claim_payment")
    assert "fye_session_held" in e["close"].guards
    assert "claim_deadline_passed" in e["lapse"].guards
    assert "track_available" in e["accept"].guards
    assert e["accept"].sets == "accepted_on" and e["submit_plan"].sets == "plan_date"
    assert e["reject"].reason_required and e["withdraw"].reason_required

    assert {
        "support_orgs_certified",
        "no_fee_receiving_lender",
        "not_single_unguaranteed_lender",
        "fee_estimates_recorded",
        "monitoring_estimate_within_half",
        "schedule_chart_for_large_plan",
        "prior_use",
    } <= set(f["apply"].guards)
    assert docs(p405, "start_negotiation") == {("plan", None)}
    assert docs(p405, "agree") == {("consent_letter", "every_lender")}
    assert {"plan_claim_exists", "within_validity"} <= set(f["claim_payment"].guards)
    assert {"monitoring_window_ended", "sessions_all_done"} <= set(f["close"].guards)
    assert "validity_ended" in f["lapse"].guards
    assert f["extend"].reason_required and f["extend"].until_required
    assert f["terminate_early"].reason_required
    assert f["accept"].sets == "accepted_on" and f["agree"].sets == "plan_date"


def test_shipped_rule_sets_hold_the_domain_defaults(early: WorkflowSpec, p405: WorkflowSpec) -> None:
    e = early.rule_set_on(D(2022, 4, 1))
    assert e.rate == Fraction(2, 3)
    assert "tax_included" not in e.values  # fees are entered as invoiced, tax included (DOMAIN.md §10)
    assert e.values["claim_deadline_months"] == 12
    assert e.values["claim_deadline_warn_months"] == 9
    assert e.values["fye_report_lag_months"] == 2
    assert e.values["interim_months"] == 6
    assert dict(e.caps("standard")) == {
        "plan": 150_000,
        "monitoring_interim": 50_000,
        "monitoring_fye": 50_000,
        "guarantee_release": 100_000,
    }
    assert dict(e.caps("bank")) == {
        "plan": 150_000,
        "monitoring_interim": 0,
        "monitoring_fye": 0,
        "guarantee_release": 0,
    }
    assert not any(e.values["holdback"].values())
    bank = early.tracks["bank"]
    assert (bank.available_from, bank.available_until) == (D(2024, 2, 1), D(2028, 1, 31))

    p = p405.rule_set_on(D(2022, 4, 1))
    assert p.rate == Fraction(2, 3)
    assert p.values["validity_months"] == 24
    assert p.values["validity_warn_months"] == 18
    assert p.values["window_months"] == 36
    assert p.values["default_interval_months"] == 6
    assert p.values["schedule_chart_above"] == 450_000
    assert Fraction(str(p.values["monitoring_estimate_max_share"])) == Fraction(1, 2)
    assert p.values["holdback_open_warn_months"] == 15
    # DOMAIN.md §9: an overdue session needs "the coordinator too from 30 days"
    assert p.values["monitoring_escalation_days"] == 30
    assert e.values["monitoring_escalation_days"] == 30
    assert dict(p.caps("regular")) == {
        "plan": 2_000_000,
        "monitoring": 1_000_000,
        "guarantee_release": 100_000,
    }
    assert dict(p.caps("gl")) == {
        "plan": 3_000_000,
        "monitoring": 1_000_000,
        "guarantee_release": 100_000,
        "dd": 3_000_000,
    }
    assert p.values["holdback"] == {"regular": True, "gl": True}
    assert p405.tracks["gl"].available_from == D(2022, 4, 15)
    assert p.values["reuse_needs_council_approval"] is False


def test_405_rule_set_2024_04_adds_reuse_approval_and_keeps_the_rest(p405: WorkflowSpec) -> None:
    assert p405.rule_set_on(D(2024, 3, 31)).id == "2022-04-01"
    later = p405.rule_set_on(D(2024, 4, 1))
    assert later.id == "2024-04-01"
    assert later.values["reuse_needs_council_approval"] is True
    assert dict(later.caps("regular"))["plan"] == 2_000_000  # carried over
    assert later.values["validity_months"] == 24
    with pytest.raises(LookupError):
        p405.rule_set_on(D(2022, 3, 31))


# --- the fixtures -------------------------------------------------------------------------------


def test_minimal_fixture_is_valid() -> None:
    spec = load_file(FIXTURES / "minimal.yaml")
    assert list(spec.states) == ["consultation", "submitted", "closed"]
    assert list(spec.events) == ["submit", "close"]
    assert spec.states["consultation"].line == 16
    assert spec.events["close"].line == 31


# (fixture, line, fragments the message must contain)
SINGLE_PROBLEMS = [
    ("unknown_guard.yaml", 26, ["event 'submit'", "unknown guard", "'lead_is_happy'"]),
    ("unknown_state_from.yaml", 34, ["event 'close'", "unknown state", "'reviewing'", "from"]),
    ("unknown_state_to.yaml", 40, ["event 'withdraw'", "unknown state", "'withdrawn'", "to"]),
    ("unreachable_state.yaml", 19, ["state 'archived'", "unreachable", "'consultation'"]),
    ("duplicate_event.yaml", 36, ["duplicate key 'submit'", "first at line 21"]),
    ("duplicate_state.yaml", 18, ["duplicate key 'submitted'", "first at line 17"]),
    ("missing_label_ja.yaml", 17, ["state 'submitted'", "missing label 'ja'"]),
    # an event written as a block: its body starts on the line after "close:" (line 31)
    ("missing_label_en.yaml", 32, ["event 'close'", "missing label 'en'"]),
    ("missing_program_label.yaml", 3, ["program label", "missing label 'en'"]),
    ("bad_date_rule_set.yaml", 38, ["effective_from", "bad date", "'2022-13-01'", "YYYY-MM-DD"]),
    ("bad_date_track.yaml", 9, ["track 'bank'", "bad date", "'2024-02-30'"]),
    ("unknown_document_kind.yaml", 28, ["event 'submit'", "unknown document kind", "'business_plan'"]),
    ("unknown_top_key.yaml", 6, ["unknown key", "'colour'"]),
    ("rule_sets_out_of_order.yaml", 42, ["2021-04-01", "must follow", "2022-04-01"]),
    ("rule_sets_same_date.yaml", 42, ["2022-04-01", "must follow"]),
    ("dead_end_state.yaml", 18, ["state 'parked'", "not final", "no event leaves it"]),
    ("missing_rule_key.yaml", 38, ["missing 'claim_deadline_months'"]),
    (
        "bad_escalation_days.yaml",
        40,
        ["rule set 2022-04-01", "monitoring_escalation_days", "whole number ≥ 1"],
    ),
    ("broken_yaml.yaml", 25, ["not valid YAML"]),
    ("unread_rule_key.yaml", 40, ["rule set 2022-04-01", "'tax_included' is not a rule casetrack reads"]),
]


@pytest.mark.parametrize(("name", "line", "fragments"), SINGLE_PROBLEMS, ids=[p[0] for p in SINGLE_PROBLEMS])
def test_one_problem_per_fixture_with_its_line(name: str, line: int, fragments: list[str]) -> None:
    path, exc = problems_of(name)
    assert len(exc.problems) == 1, [str(p) for p in exc.problems]
    (problem,) = exc.problems
    assert (problem.path, problem.line) == (str(path), line)
    for fragment in fragments:
        assert fragment in problem.message
    assert str(problem).startswith(f"{path}:{line}: ")
    assert f"{path}:{line}" in exc.message
    assert exc.exit_code == 2


def test_the_guard_the_fixture_names_really_is_unknown() -> None:
    # keeps unknown_guard.yaml meaningful if guards are ever added
    assert "lead_is_happy" not in GUARDS
    assert (
        "within_claim_deadline" in GUARDS and "claim_deadline_months" in GUARDS["within_claim_deadline"].needs
    )


SEVERAL = [
    (6, ["unknown key", "'colour'"]),
    (10, ["track 'bank'", "bad date", "'2028-02-30'"]),
    (20, ["state 'archived'", "unreachable"]),
    (28, ["unknown guard", "'lead_is_happy'"]),
    (30, ["unknown document kind", "'business_plan'"]),
    (36, ["unknown state", "'reviewing'"]),
    (44, ["2021-04-01", "must follow"]),
]


def test_several_problems_are_all_reported_in_one_error() -> None:
    path, exc = problems_of("several_problems.yaml")
    assert [p.line for p in exc.problems] == [line for line, _ in SEVERAL]
    for problem, (_line, fragments) in zip(exc.problems, SEVERAL, strict=True):
        assert problem.path == str(path)
        for fragment in fragments:
            assert fragment in problem.message
    assert "7 problems" in exc.message
    assert exc.details == [str(p) for p in exc.problems]
    for line, _ in SEVERAL:
        assert f"{path}:{line}:" in exc.message


# --- the real CLI on bad files ------------------------------------------------------------------


def test_cli_validate_reports_every_problem_on_one_stderr_line() -> None:
    beside = Path(sys.executable).with_name("casetrack")  # the environment running the tests
    exe = str(beside) if beside.exists() else shutil.which("casetrack")
    assert exe, "the casetrack console script is not installed (pip install -e .)"
    rel = FIXTURES.relative_to(ROOT) / "several_problems.yaml"
    proc = subprocess.run(
        [exe, "workflow", "validate", str(rel)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error:")
    for line, _ in SEVERAL:
        assert f"{rel}:{line}:" in lines[0]
    assert "Traceback" not in proc.stderr


def test_cli_validate_two_bad_files_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    several = FIXTURES / "several_problems.yaml"
    guard = FIXTURES / "unknown_guard.yaml"
    code = run(["workflow", "validate", str(several), str(guard)])
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    for line, _ in SEVERAL:
        assert f"{several}:{line}:" in lines[0]
    assert f"{guard}:26:" in lines[0]


def test_cli_validate_json_lists_each_problem(capsys: pytest.CaptureFixture[str]) -> None:
    several = FIXTURES / "several_problems.yaml"
    code = run(["workflow", "validate", str(several), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    doc = json.loads(captured.out)
    assert doc["ok"] is False
    assert doc["code"] == "workflow_invalid"
    assert [d.split(": ", 1)[0] for d in doc["details"]] == [f"{several}:{line}" for line, _ in SEVERAL]
    assert captured.err.startswith("error:")


# CLI.md: an error is one readable line on stderr, even for a YAML syntax error (PyYAML's own
# message spans several lines with a snippet and a caret).
def test_cli_validate_broken_yaml_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "broken_yaml.yaml"
    code = run(["workflow", "validate", str(path)])
    captured = capsys.readouterr()
    assert code == 2
    assert f"{path}:25:" in captured.err
    assert len(captured.err.splitlines()) == 1, captured.err


# A file without the `label` key: one problem, at a real line (not also 'ja'/'en' at line 0).
def test_missing_label_key_is_reported_once_at_a_real_line() -> None:
    _path, exc = problems_of("missing_label_key.yaml")
    assert all(p.line >= 1 for p in exc.problems), [str(p) for p in exc.problems]
    assert len(exc.problems) == 1, [str(p) for p in exc.problems]


# An ISO week date (`effective_from: 2022-W13-5`, 10 characters) is a bad date, not 2022-04-01.
def test_week_date_is_a_bad_date() -> None:
    path, exc = problems_of("bad_date_week.yaml")
    assert [(p.line, "bad date" in p.message) for p in exc.problems] == [(38, True)]


def test_every_rule_key_the_loader_accepts_has_a_reader(early: WorkflowSpec, p405: WorkflowSpec) -> None:
    """`workflow validate` refuses a rule-set key nothing reads; and each key it accepts is read by some
    module other than the loader (a guard's needs, a service, a view)."""
    from casetrack.workflow.loader import READ_RULES

    src = Path(__file__).resolve().parents[2] / "src" / "casetrack"
    text = "\n".join(p.read_text(encoding="utf-8") for p in src.rglob("*.py") if p.name != "loader.py")
    needed = {need for g in GUARDS.values() for need in g.needs}
    unread = sorted(k for k in READ_RULES if k not in needed and f'"{k}"' not in text)
    assert unread == []
    shipped = {k for spec in (early, p405) for rs in spec.rule_sets for k in rs.values}
    assert shipped <= READ_RULES

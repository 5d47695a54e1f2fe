"""An internal error (a bug, an unexpected failure) exits 70 — never 1, the code of a refusal and of
`audit stalled --fail-on-findings` finding something — with one line on stderr, the JSON error object
with code "internal" under --format json, and the traceback only with --debug (CLI.md "Second wave").

The failure is injected into a real function on each command's path (the repository read every case
command makes, the audit's bounds, the sweep's planning step)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from casetrack.services import audits as views_service
from casetrack.store.repo import Repo
from tests.cli.helpers import drive_405, open_early
from tests.conftest import ADMIN, Cli, World


class Injected(Exception):
    pass


def _boom(*_args: Any, **_kwargs: Any) -> Any:
    raise Injected("injected failure\nsecond line")


def _assert_internal(result: Any, *, json_out: bool = False) -> None:
    assert result.code == 70, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0] == (
        "error: internal error: Injected: injected failure second line (run with --debug for the traceback)"
    )
    if json_out:
        body = json.loads(result.out)
        assert (body["ok"], body["code"]) == (False, "internal")


@pytest.mark.parametrize(
    "args",
    [
        ("case", "show", "{case}"),
        ("case", "events", "{case}"),
        ("case", "history", "{case}"),
        ("case", "advance", "{case}", "withdraw", "--reason", "x"),
        ("doc", "add", "{case}", "plan"),
        ("fee", "list", "{case}"),
        ("case", "correct", "{case}", "1", "--note", "x"),
    ],
)
def test_a_failure_on_a_case_command_path_exits_70(
    cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    case_id = open_early(cli, world, on="2026-04-01")
    before = cli.ok("case", "history", case_id)
    monkeypatch.setattr(Repo, "case", _boom)
    argv = [a.format(case=case_id) for a in args]
    _assert_internal(cli(*argv))
    _assert_internal(cli(*argv, "--format", "json"), json_out=True)
    monkeypatch.undo()
    assert cli.ok("case", "history", case_id) == before


def test_debug_prints_the_traceback(cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = open_early(cli, world, on="2026-04-01")
    monkeypatch.setattr(Repo, "case", _boom)
    result = cli("--debug", "case", "show", case_id)
    assert result.code == 70
    assert "Traceback (most recent call last)" in result.err and "Injected: injected failure" in result.err


def test_audit_findings_exit_1_and_a_crash_in_the_audit_exits_70(
    cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    drive_405(cli, world, "applied")  # applied since 2026-04-10: stalled after 30 days (DOMAIN.md §9)
    found = cli("audit", "stalled", "--fail-on-findings", today="2026-11-25")
    assert found.code == 1 and found.out.strip()
    monkeypatch.setattr(views_service, "finding_bounds", _boom)
    _assert_internal(cli("audit", "stalled", "--fail-on-findings", today="2026-11-25"))
    _assert_internal(
        cli("audit", "stalled", "--fail-on-findings", "--format", "json", today="2026-11-25"), json_out=True
    )


def test_a_crash_in_a_sweep_exits_70(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from casetrack.services import reminders

    monkeypatch.setattr(reminders, "sweep_plan", _boom)  # the step every sweep and dry run makes first
    _assert_internal(cli("remind", "run", user=ADMIN))
    _assert_internal(cli("remind", "run", "--dry-run", user=ADMIN))


def test_today_far_in_the_future_is_bad_input_not_a_crash(cli: Cli) -> None:
    result = cli("audit", "stalled", today="9999-12-31")
    assert result.code == 2 and "outside 2000–2100" in result.err

"""Sorting beyond memory: `sorted_spilling` gives exactly `sorted`, however small its limit, and the
audit's order does not depend on whether its findings were spilled to temporary files."""

from __future__ import annotations

import random
import tempfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casetrack.services import audits as audit_views
from casetrack.services import spill
from tests.cli.helpers import drive_405, drive_early, fresh_company
from tests.conftest import Cli, World


@given(
    items=st.lists(st.tuples(st.integers(-5, 5), st.text(max_size=3)), max_size=300), limit=st.integers(1, 50)
)
def test_same_as_sorted(items: list[tuple[int, str]], limit: int) -> None:
    assert list(spill.sorted_spilling(iter(items), limit=limit)) == sorted(items)


def test_runs_go_to_files_and_are_merged_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    opened = []
    real = tempfile.TemporaryFile

    def counting() -> object:
        run = real()
        opened.append(run)
        return run

    monkeypatch.setattr(spill.tempfile, "TemporaryFile", counting)
    monkeypatch.setattr(spill, "RUN_CHUNK", 7)
    items = [(random.Random(n).random(), n) for n in range(10_000)]
    merged = spill.sorted_spilling(iter(items), limit=1_000)
    assert len(opened) == 10  # 10 full runs spilled, none held (the last one filled the limit exactly)
    assert list(merged) == sorted(items)
    assert all(run.closed for run in opened)  # each run file is closed (and so deleted) once read


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        spill.sorted_spilling(iter([]), limit=0)


def test_audit_order_does_not_depend_on_spilling(
    cli: Cli, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one company per case: a second case of a company would be a re-use (DOMAIN.md §11)
    for n, state in enumerate(("applied", "drafting", "plan_submitted")):
        drive_early(cli, world, state, company=fresh_company(cli, n))
    for n, state in enumerate(("drafting", "negotiating", "agreed", "monitoring")):
        drive_405(cli, world, state, company=fresh_company(cli, 10 + n))
    in_memory = cli.ok("audit", "stalled", today="2028-06-01")
    assert len(in_memory) >= 10
    monkeypatch.setattr(audit_views, "SORT_IN_MEMORY", 3)
    assert cli.ok("audit", "stalled", today="2028-06-01") == in_memory

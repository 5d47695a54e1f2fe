"""`casetrack workflow diagram`: mermaid text and an SVG (graphviz) with the Japanese labels."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from casetrack.cli.main import run
from casetrack.workflow.catalog import workflow
from tests.conftest import requires_tool


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("program", ["early", "405"])
def test_mermaid_has_every_state_and_transition(program: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "workflow", "diagram", program, "--format", "mermaid")
    assert code == 0
    assert out.startswith("stateDiagram-v2")
    spec = workflow(program)
    for state in spec.states.values():
        assert f'state "{state.ja} ({state.id})" as {state.id}' in out
    edges = set(re.findall(r"^\s+(\w+) --> (\w+) : .*\((\w+)\)$", out, re.M))
    expected = {(s, e.target_from(s), e.id) for e in spec.events.values() for s in e.sources}
    assert edges == expected


@requires_tool("dot", "graphviz fonts-ipafont-gothic")
@pytest.mark.parametrize("program", ["early", "405"])
def test_svg_renders_japanese_labels(program: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "workflow", "diagram", program, "--format", "svg")
    assert code == 0, err
    root = ET.fromstring(out)
    assert root.tag.endswith("svg")
    texts = {t.text for t in root.iter() if t.tag.endswith("text") and t.text}
    spec = workflow(program)
    for state in spec.states.values():
        assert state.ja in texts, f"{state.ja} missing from the SVG"
    assert "伴走支援中" in texts


def test_unknown_program_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "workflow", "diagram", "999", "--format", "mermaid")
    assert code == 2
    assert err.startswith("error:") and "999" in err

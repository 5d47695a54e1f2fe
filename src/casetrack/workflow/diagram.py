"""State diagrams from a workflow spec: mermaid text, or SVG through graphviz ``dot``."""

from __future__ import annotations

import shutil
import subprocess

from ..errors import BadInput
from .spec import WorkflowSpec


def mermaid(spec: WorkflowSpec, highlight: str | None = None) -> str:
    lines = ["stateDiagram-v2", f"    %% {spec.program}: {spec.ja}"]
    for state in spec.states.values():
        lines.append(f'    state "{state.ja} ({state.id})" as {state.id}')
    lines.append(f"    [*] --> {spec.initial}")
    for event in spec.events.values():
        for source in event.sources:
            lines.append(f"    {source} --> {event.target_from(source)} : {event.ja} ({event.id})")
    for state in spec.states.values():
        if state.final:
            lines.append(f"    {state.id} --> [*]")
    if highlight:
        lines.append("    classDef current fill:#ffe08a,stroke:#b58900,stroke-width:2px")
        lines.append(f"    class {highlight} current")
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot(spec: WorkflowSpec, highlight: str | None = None, *, people: bool = False) -> str:
    """The graphviz source. ``people``: for a page people read — labels only, no ids (the nodes are named
    by their labels, so the drawing's tooltips are labels too; each state's SVG ``id`` keeps its id)."""
    font = "IPAGothic, Noto Sans CJK JP, sans-serif"
    name = {s.id: (s.ja if people else s.id) for s in spec.states.values()}
    lines = [
        f"digraph {_q(spec.ja if people else spec.program)} {{",
        f"  graph [rankdir=TB, fontname={_q(font)}, label={_q(spec.ja if people else f'{spec.ja} ({spec.program})')}, "
        "labelloc=t];",
        f"  node [shape=box, style=rounded, fontname={_q(font)}];",
        f"  edge [fontname={_q(font)}, fontsize=10];",
        f'  {_q("開始" if people else "__start")} [shape=point, label=""];',
        f"  {_q('開始' if people else '__start')} -> {_q(name[spec.initial])};",
    ]
    open_states = set(spec.open_states)
    for state in spec.states.values():
        attrs = [
            f"label={_q(state.ja if people else state.ja + chr(10) + state.id)}",
            f"id={_q('state-' + state.id)}",
            f"class={_q('state final' if state.final else 'state')}",
        ]  # SVG hooks for a stylesheet
        if state.final:
            attrs.append("peripheries=2")
        if state.id == highlight:
            attrs.append('style="rounded,filled", fillcolor="#ffe08a"')
        lines.append(f"  {_q(name[state.id])} [{', '.join(attrs)}];")
    for event in spec.events.values():
        # an event from every open state is drawn once per state, dashed, to keep the picture readable
        wide = set(event.sources) == open_states and len(open_states) > 2
        for source in event.sources:
            style = ", style=dashed, color=gray40" if wide else ""
            label = event.ja if people else f"{event.ja} ({event.id})"
            lines.append(
                f"  {_q(name[source])} -> {_q(name[event.target_from(source)])} [label={_q(label)}{style}];"
            )
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_program() -> str | None:
    """Where graphviz's ``dot`` is installed, if it is."""
    return shutil.which("dot")


def svg(spec: WorkflowSpec, highlight: str | None = None, *, people: bool = False) -> str:
    exe = dot_program()
    if exe is None:
        raise BadInput(
            "SVG needs graphviz's dot program (Debian: apt-get install graphviz); "
            "--format mermaid works without it",
            ja=[
                "SVG には graphviz の dot が必要です（Debian: apt-get install graphviz）。--format mermaid なら不要です。"
            ],
        )
    done = subprocess.run(
        [exe, "-Tsvg"],
        input=dot(spec, highlight, people=people).encode("utf-8"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        raise BadInput(
            f"graphviz failed: {done.stderr.decode('utf-8', 'replace').strip()}",
            ja=[f"graphviz が失敗しました：{done.stderr.decode('utf-8', 'replace').strip()}"],
        )
    return done.stdout.decode("utf-8")

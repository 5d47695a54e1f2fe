"""Each program's state diagram for the dashboard: drawn by graphviz once per process (the drawing of
`casetrack workflow diagram PROGRAM --format svg`, with labels only: no ids), so a page only marks it
and never starts ``dot``."""

from __future__ import annotations

import logging
import re
from functools import cache

from ..errors import BadInput
from ..resources import workflows_dir
from ..workflow import diagram
from ..workflow.catalog import workflow

log = logging.getLogger("casetrack.web")
_NODE = re.compile(r'<g id="state&#45;(\w+)" class="node state')  # graphviz escapes the hyphen of the ids
_SIZE = re.compile(r'\b(width|height)="([\d.]+)pt"')
SCALE = 0.8  # of graphviz's natural size (its viewBox is kept): the whole workflow at a glance on a page


def node_hook(state: str) -> str:
    """The start of a state's node in a drawing: a page adds classes right after it."""
    return f'<g id="state-{state}" class="node state'


def state_drawing(program: str) -> str | None:
    """The program's SVG (no XML prolog, class ``state-diagram``, each state's node starting with
    ``node_hook(state)``), or None where graphviz is not installed or draws something unexpected."""
    return _drawing(str(workflows_dir().resolve()), program)


def program_states(program: str) -> list[tuple[str, str]]:
    """The program's states in workflow order: (id, Japanese label)."""
    return [(s.id, s.ja) for s in workflow(program).states.values()]


def forget_drawings() -> None:
    """Draw again on the next request (after graphviz was installed; tests)."""
    _drawing.cache_clear()


@cache
def _drawing(folder: str, program: str) -> str | None:
    """``folder`` (the workflows folder) is part of the key: other workflows, other drawings."""
    spec = workflow(program)
    try:
        text = diagram.svg(spec, people=True)
    except BadInput as exc:
        log.warning("the state diagram of %s is shown as a list: %s", program, exc.message)
        return None
    text = _NODE.sub(lambda m: node_hook(m.group(1)), text[text.index("<svg") :])
    text = _SIZE.sub(lambda m: f'{m.group(1)}="{float(m.group(2)) * SCALE:.0f}pt"', text, count=2)
    if "xlink:" not in text.replace("xmlns:xlink", ""):  # inline in HTML: no namespace it does not use
        text = text.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "", 1)
    label = spec.ja.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    text = text.replace(
        "<svg ", f'<svg class="state-diagram" role="img" aria-label="{label}の状態遷移図" ', 1
    )
    missing = [s for s in spec.states if node_hook(s) not in text]
    if missing:  # output of a graphviz we do not know: better a list than a picture marked wrongly
        log.warning(
            "the state diagram of %s has no node for %s; shown as a list", program, ", ".join(missing)
        )
        return None
    return text

"""The case page's state diagram: the program's drawing (``services.diagrams``, drawn once per
process) with the case's state marked ``current`` and the states its history passed through
``visited`` — classes the stylesheet colours; inline SVG, no script, no style attribute. Without
graphviz: the program's states as an ordered list, the current one marked."""

from __future__ import annotations

from collections.abc import Iterable

from markupsafe import Markup

from ..services.diagrams import node_hook, program_states, state_drawing


def state_diagram(program: str, current: str, visited: Iterable[str] = ()) -> Markup:
    states = program_states(program)
    passed = {s for s in visited if s != current}
    drawing = state_drawing(program)
    if drawing is None:
        return _state_list(states, current, passed)
    for state, _label in states:
        if state in passed:
            drawing = drawing.replace(node_hook(state), node_hook(state) + " visited", 1)
    return Markup(drawing.replace(node_hook(current), node_hook(current) + " current", 1))


def _state_list(states: list[tuple[str, str]], current: str, passed: set[str]) -> Markup:
    items = []
    for state, label in states:
        if state == current:
            items.append(
                Markup('<li class="current" aria-current="step"><strong>{}</strong>（現在）</li>').format(
                    label
                )
            )
        elif state in passed:
            items.append(Markup('<li class="visited">{}（経過）</li>').format(label))
        else:
            items.append(Markup("<li>{}</li>").format(label))
    return Markup('<ol class="state-list">') + Markup("").join(items) + Markup("</ol>")

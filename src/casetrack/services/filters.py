"""Filters that cannot silently match nothing: a misspelt council, program, state, coordinator, status or
finding code in any listing (case list, monitoring list, audit stalled, caseload, exports, outbox list)
is bad input (exit 2) that lists the valid values, instead of an empty list a coordinator would read as
"no cases". Coordinators are checked against the staff the actor can see, so the list names no one of
another council."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from ..errors import BadInput
from ..store.repo import Repo
from ..workflow.catalog import all_workflows

SESSION_STATUSES = ("scheduled", "held", "waived")
OUTBOX_STATUSES = ("pending", "sent", "dead", "dropped", "skipped")


def _unknown(what: str, value: str, valid: Iterable[str], ja: str) -> BadInput:
    choices = sorted(set(valid))
    close = difflib.get_close_matches(value, choices, n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    shown = ", ".join(choices) if len(choices) <= 60 else ", ".join(choices[:60]) + ", …"
    return BadInput(
        f"unknown {what} {value!r}{hint} (one of {shown})",
        ja=[f"{ja}「{value}」はありません（" + "、".join(choices[:60]) + "）。"],
    )


def by_label(program: str | None, state: str | None) -> tuple[str | None, str | None]:
    """The program and state filters as ids: each may be typed as its Japanese label (NFKC)."""
    from .parsing import resolve_label

    specs = all_workflows()
    if program is not None:
        program = resolve_label(program, {p: spec.ja for p, spec in specs.items()}, "program")
    if state is not None:
        labels = {
            s.id: s.ja for p, spec in specs.items() if program in (None, p) for s in spec.states.values()
        }
        state = resolve_label(state, labels, "state")
    return program, state


def check(
    repo: Repo,
    *,
    council: str | None = None,
    program: str | None = None,
    state: str | None = None,
    coordinator: str | None = None,
) -> None:
    """Each given filter names something that exists, or BadInput listing what does."""
    specs = all_workflows()
    if council is not None and repo.council(council) is None:
        raise _unknown("council", council, (c.code for c in repo.list_councils()), "協議会")
    if program is not None and program not in specs:
        raise _unknown("program", program, specs, "事業")
    if state is not None:
        states = {s for p, spec in specs.items() if program in (None, p) for s in spec.states}
        if state not in states:
            raise _unknown("state" + (f" of program {program}" if program else ""), state, states, "状態")
    if coordinator is not None:
        names = [u.name for u in repo.list_users()]
        if coordinator not in names:
            raise _unknown("coordinator", coordinator, names, "担当")


def check_choice(what: str, value: str | None, valid: Iterable[str], ja: str) -> None:
    if value is not None and value not in set(valid):
        raise _unknown(what, value, valid, ja)

"""Named crash points: places in the reminder sweep where a crash must leave the outbox consistent
(DOMAIN.md §9) — ``after_enqueue`` (the sweep's rows committed), ``after_send`` (the server said 250,
nothing committed yet), ``after_commit`` (the outcome committed) and ``in_claim`` (multi-node claims
made, not yet committed).

In production reaching one does nothing. The crash tests install a handler that kills or freezes the
process there (the test-support entry point in the ``testing`` package); casetrack never installs one."""

from __future__ import annotations

from collections.abc import Callable

POINTS = ("after_enqueue", "after_send", "after_commit", "in_claim")

_handler: Callable[[str], None] | None = None


def reach(point: str) -> None:
    """Mark that the running sweep has reached ``point`` (one of ``POINTS``)."""
    if _handler is not None:
        _handler(point)


def install(handler: Callable[[str], None] | None) -> None:
    """Call ``handler(point)`` at every crash point reached from now on (None: nothing again)."""
    global _handler
    _handler = handler

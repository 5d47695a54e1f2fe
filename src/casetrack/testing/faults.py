"""Fault injection for crash tests: run casetrack with a crash installed at one of its named crash
points (``casetrack.crash_points``).

    CASETRACK_FAULT_INJECT=<point>[:<n>][:stop] python -m casetrack.testing.faults <casetrack arguments>

kills the process (SIGKILL) the n-th time (default 1st) it reaches ``point``, or with ``stop`` freezes
it there (SIGSTOP) as an overloaded or paused machine would. Plain ``python -m casetrack`` never reads
the variable: only this entry point installs the crash."""

from __future__ import annotations

import os
import runpy
import signal
import sys
from collections.abc import Callable

from .. import crash_points

FAULT_ENV = "CASETRACK_FAULT_INJECT"


def handler(spec: str) -> Callable[[str], None]:
    """The crash point handler ``spec`` (``<point>[:<n>][:stop]``) describes."""
    name, _, rest = spec.partition(":")
    if name not in crash_points.POINTS:
        raise ValueError(f"{FAULT_ENV}: no crash point {name!r} (known: {', '.join(crash_points.POINTS)})")
    nth_text, _, how = rest.partition(":")
    nth = int(nth_text or 1)
    hits = 0

    def crash(point: str) -> None:
        nonlocal hits
        if point != name:
            return
        hits += 1
        if hits == nth:
            os.kill(os.getpid(), signal.SIGSTOP if how == "stop" else signal.SIGKILL)

    return crash


def install_from_env() -> None:
    """Install the crash ``CASETRACK_FAULT_INJECT`` names (nothing when it is unset)."""
    spec = os.environ.get(FAULT_ENV)
    crash_points.install(handler(spec) if spec else None)


def command() -> list[str]:
    """The command line that runs casetrack through this entry point (append its arguments)."""
    return [sys.executable, "-m", "casetrack.testing.faults"]


def main() -> None:
    """``python -m casetrack`` with the crash installed: the same entry point, run as ``__main__``."""
    install_from_env()
    runpy.run_module("casetrack", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()

"""Run the casetrack CLI in a child process that announces when it reaches its first write transaction:
``python -m tests.barrier FLAG_FILE casetrack-args…`` touches FLAG_FILE just before the unit of work
that writes begins (after every read the use case makes first). A test holding the database's write
lock waits for the flags of all its children instead of sleeping and hoping they got that far."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def main(argv: list[str]) -> int:
    flag, args = Path(argv[0]), argv[1:]
    from casetrack.cli.main import run
    from casetrack.services import context

    original = context.transaction

    @contextmanager
    def announcing(engine: Any, *, write: bool) -> Iterator[Any]:
        if write:
            flag.touch()
        with original(engine, write=write) as conn:
            yield conn

    context.transaction = announcing  # type: ignore[assignment]
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Sorting more items than should be held in memory: sorted runs in temporary files, merged."""

from __future__ import annotations

import heapq
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

RUN_CHUNK = 1_000  # items per pickle in a run file (the merge reads a run a chunk at a time)


def sorted_spilling(items: Iterable[tuple[Any, ...]], *, limit: int) -> Iterator[tuple[Any, ...]]:
    """``items`` in ascending order. Reads every item now; holds at most ``limit`` of them in memory:
    each time that many have come, they are sorted and written to a temporary file, and the files are
    merged lazily as the result is read. The items are tuples compared as tuples: make them unique
    before their last element if that element does not order (e.g. a counter before an object)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    held: list[tuple[Any, ...]] = []
    runs: list[IO[bytes]] = []
    for item in items:
        held.append(item)
        if len(held) >= limit:
            runs.append(_write_run(held))
            held = []
    held.sort()
    if not runs:
        return iter(held)
    return heapq.merge(*(_read_run(run) for run in runs), held)


def _write_run(items: list[tuple[Any, ...]]) -> IO[bytes]:
    items.sort()
    run = tempfile.TemporaryFile()  # noqa: SIM115  (open until merged; gone when closed or at exit)
    for start in range(0, len(items), RUN_CHUNK):
        pickle.dump(items[start : start + RUN_CHUNK], run, protocol=pickle.HIGHEST_PROTOCOL)
    run.seek(0)
    return run


def _read_run(run: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    with run:
        while True:
            try:
                chunk = pickle.load(run)
            except EOFError:
                return
            yield from chunk

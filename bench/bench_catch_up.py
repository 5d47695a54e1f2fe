"""Catch-up benchmark (DOMAIN.md §11): one sweep over 10,000 items whose six rungs have all come, so each
item sends its latest rung and records five superseded ones as skipped — the first sweep after an import
of a ledger already months into monitoring.

    python bench/bench_catch_up.py [--items 10000] [--pg URL]

The cases are seeded in bulk as bench_reminders.py seeds them (405 cases in monitoring, six sessions
each, session 1 due 2026-07-15, swept on 2026-08-24); the 405 workflow is the shipped one with its
session rungs replaced by six to the support org (−60, −30, −14, −7, 0, +7 days), all due by then.
Reports the rows written (messages + skipped) and the sweep's seconds (enqueueing only; best of 3
fresh databases), with the CPU time of this process in that sweep (on a loaded machine the wall time
mostly measures the others; on SQLite the CPU time is nearly all of a quiet run's) and the load
average. Goal: ≤ 2 s on SQLite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

SESSION_RUNGS = """  session:  # bench: six rungs to the support org, all due on the sweep's day
    rungs:
      - {id: upcoming_60, days: -60, to: [support_org], template: session_upcoming}
      - {id: upcoming_30, days: -30, to: [support_org], template: session_upcoming}
      - {id: upcoming_14, days: -14, to: [support_org], template: session_upcoming}
      - {id: upcoming_7, days: -7, to: [support_org], template: session_upcoming}
      - {id: due, days: 0, to: [support_org], template: session_due}
      - {id: overdue_7, days: 7, to: [support_org], template: session_overdue}
"""


def bench_workflows() -> str:
    """A copy of the shipped workflows whose 405 sessions have six support-org rungs."""
    from casetrack.resources import workflows_dir

    folder = Path(tempfile.mkdtemp(prefix="catch-up-workflows-"))
    for path in Path(workflows_dir()).glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    text = (folder / "405.yaml").read_text(encoding="utf-8")
    start = text.index("  session:")
    end = text.index("  validity:")
    (folder / "405.yaml").write_text(text[:start] + SESSION_RUNGS + text[end:], encoding="utf-8")
    return str(folder)


def run(server: str | None, label: str, items: int) -> None:
    from bench_reminders import seed
    from scratch import scratch_database

    from casetrack import services
    from casetrack.services.reminders import sweep_plan
    from casetrack.settings import MailSettings, Settings
    from casetrack.store.db import get_engine
    from casetrack.store.reminders import ReminderRepo
    from casetrack.store.scope import Scope

    best = None
    for _ in range(3):
        with scratch_database(server, prefix="catchup") as url:
            seed(url, items)
            settings = Settings(mail=MailSettings(transport="file", dir=tempfile.mkdtemp()))
            ctx = services.Context(db_url=url, today=dt.date(2026, 8, 24), user="bench", settings=settings)
            start, cpu = time.perf_counter(), time.process_time()
            done = sweep_plan(ctx, ctx.today)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            with get_engine(url).connect() as conn:
                counts = ReminderRepo(conn, scope=Scope.EVERY).status_counts()
            if best is None or seconds < best[0]:
                best = (seconds, cpu, done.enqueued, done.skipped, counts)
    assert best is not None
    seconds, cpu, enqueued, skipped, counts = best
    print(
        f"[{label}] catch-up sweep over {items:,} items × 6 due rungs: {enqueued:,} messages + {skipped:,} skipped "
        f"= {enqueued + skipped:,} rows written in {seconds:.2f} s (best of 3; this process's CPU {cpu:.2f} s); "
        f"outbox {counts}; load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=10_000, help="cases in monitoring (one due item each)")
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (a fresh schema)")
    args = parser.parse_args()
    os.environ["CASETRACK_WORKFLOWS_DIR"] = bench_workflows()
    run(None, "sqlite", args.items)
    if args.pg:
        run(args.pg, "postgresql", args.items)


if __name__ == "__main__":
    main()

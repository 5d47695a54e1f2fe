"""Statements built once: what a command pays for building its SQL, against the same command with every
kept statement thrown away before each call (built again, as before they were kept), in one process.

    python bench/bench_statements.py [--cases 20] [--runs 400] [--pg URL]

Three things every command or sweep does, on a small database (``--cases`` 405 cases in monitoring,
seeded as bench_reminders.py seeds them), acting as a coordinator of council 13 (scoped reads):

- ``sweep``: one day's sweep planned (``sweep_plan`` dry run: every open item read, nothing written);
- ``case view``: ``case show`` of one case (the case and the nine reads hanging from it);
- ``audit``: the audit's findings for one day (bounds, open cases, overdue sessions, holdbacks).

The "rebuilt" column clears the kept statements (``functools.cache``) before each call; the module-level
statements (who acts, the guard facts) stay kept in both columns, so the ratio understates the saving.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench_reminders import seed
from scratch import scratch_database

from casetrack import services
from casetrack.services import audits
from casetrack.services.reminder_plan import sweep_plan
from casetrack.store import audits as store_audits
from casetrack.store import reminders as store_reminders
from casetrack.store import repo as store_repo

D = dt.date.fromisoformat
KEPT = [
    store_reminders._open_sessions,
    store_reminders._cases_in,
    store_reminders._open_holdbacks,
    store_audits._cases_in_states,
    store_repo._case,
    store_repo._case_lenders,
    store_repo._case_support_orgs,
    store_repo._case_estimates,
    store_repo._case_agreements,
    store_repo._case_documents,
    store_repo._case_history,
    store_repo._case_claims,
    store_repo._case_ledger,
    store_repo._case_sessions,
]


def _forget() -> None:
    for builder in KEPT:
        builder.cache_clear()


def per_call(fn: Callable[[], Any], runs: int, rebuild: bool) -> float:
    """Median milliseconds of ``fn`` over ``runs`` calls (after a warm-up)."""
    fn()
    times = []
    for _ in range(runs):
        if rebuild:
            _forget()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(url: str, label: str, cases: int, runs: int) -> None:
    seed(url, cases)
    admin = services.Context(db_url=url, today=D("2026-07-20"), user="bench")
    services.add_user(admin, name="bench-coord", council="13", email=None, role="coordinator")
    ctx = services.Context(db_url=url, today=D("2026-07-20"), user="bench-coord")
    case_id = "13-2025-000001"

    def sweep() -> None:
        sweep_plan(admin, admin.today, dry_run=True)

    def view() -> None:
        services.show_case(ctx, case_id)

    def audit() -> None:
        ctx.authorize("case.read")
        with ctx.read() as repo:
            list(audits.iter_findings(ctx, repo.audits))

    print(f"\n{label}: {cases} cases, median of {runs} calls (ms)")
    print(f"{'':12} {'kept':>8} {'rebuilt':>8} {'kept/rebuilt':>13}")
    for name, fn in (("sweep", sweep), ("case view", view), ("audit", audit)):
        kept = per_call(fn, runs, rebuild=False)
        rebuilt = per_call(fn, runs, rebuild=True)
        print(f"{name:12} {kept:8.2f} {rebuilt:8.2f} {kept / rebuilt:13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--pg", help="also run on this PostgreSQL URL (a fresh schema)")
    args = parser.parse_args()
    with scratch_database(None, "statements") as url:
        run(url, "SQLite", args.cases, args.runs)
    if args.pg:
        with scratch_database(args.pg, "statements") as url:
            run(url, "PostgreSQL", args.cases, args.runs)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
